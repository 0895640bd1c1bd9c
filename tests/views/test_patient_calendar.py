"""Reminders: the calendar download on Today; the reminders page with the daily time, e-mail
reminders and the private subscription link."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from diary.models import Role
from tests.factories import make_episode, make_user, timed

pytestmark = pytest.mark.django_db

# A Tuesday in January: London is on UTC.
INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)
TODAY_URL = reverse("patient:today")


def reminders_url(episode):
    return reverse("patient:reminders", args=[episode.uuid])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(INJECTED + timedelta(minutes=25), tick=False):
        yield


@pytest.fixture
def diary(patient, clinician):
    return make_episode(patient, clinician, injected_at=INJECTED)


def starts(response):
    """{rating key: start} of the feed in `response`, read back by the icalendar parser."""
    parsed = Calendar.from_ical(response.content)
    return {
        str(event["URL"]).rstrip("/").rsplit("/", 1)[-1]: event.decoded("DTSTART")
        for event in parsed.walk("VEVENT")
    }


def feed_url(episode):
    episode.refresh_from_db()
    return reverse("calendar_feed", args=[episode.calendar_token])


def test_today_offers_the_calendar_and_links_to_the_reminders_page(patient_client, diary):
    response = patient_client.get(TODAY_URL)

    assert "Add reminders to my calendar" in response.text
    assert reverse("patient:calendar", args=[diary.uuid]) in response.text
    assert (
        f'href="{reminders_url(diary)}">Reminder time, e-mail and calendar link</a>'
        in response.text
    )
    # The settings themselves live on their own page.
    assert 'name="daily_time"' not in response.text


def test_the_reminders_page_shows_the_current_time_and_the_e_mail_option(
    patient_client, patient, diary
):
    patient.email = "patient@example.invalid"
    patient.save()
    diary.daily_time = time(8, 15)
    diary.save()

    response = patient_client.get(reminders_url(diary))

    assert response.status_code == 200
    assert 'name="daily_time"' in response.text
    assert 'value="08:15"' in response.text
    checkbox = re.search(r'<input[^>]*name="email_reminders"[^>]*>', response.text)
    assert checkbox, "no e-mail reminders tick box"
    assert "checked" in checkbox[0]
    assert "disabled" not in checkbox[0]
    assert "Make my calendar link" in response.text
    assert f'href="{TODAY_URL}"' in response.text


def test_it_downloads_the_diary_as_a_calendar_file(patient_client, diary):
    response = patient_client.get(reverse("patient:calendar", args=[diary.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="painlog-reminders.ics"'
    found = starts(response)
    assert found["provocation"] == INJECTED + timedelta(minutes=20)
    assert found["day-1"] == datetime(2026, 1, 14, 19, 0, tzinfo=UTC)
    assert len(found) == 1 + 6 + 7


def test_the_feed_holds_no_health_data(patient_client, patient, diary):
    timed(diary, 21, 9, recorded_by=patient, note="burning in the left leg", fever_redness=True)
    patient_client.post(reverse("patient:calendar_link", args=[diary.uuid]))

    for url in [reverse("patient:calendar", args=[diary.uuid]), feed_url(diary)]:
        unfolded = patient_client.get(url).content.decode().replace("\r\n ", "")
        # Every line but the times (whose digits could be anything), the episode's id taken out.
        text = "\n".join(
            line.replace(str(diary.uuid), "")
            for line in unfolded.splitlines()
            if not line.startswith("DT")
        )
        for health_data in ["9", "burning", "fever", "triamcinolone", "right", "Patient"]:
            assert health_data not in text, (url, health_data)


def test_a_new_link_gives_a_private_subscription_anyone_can_fetch_without_signing_in(
    client, patient_client, diary
):
    response = patient_client.post(reverse("patient:calendar_link", args=[diary.uuid]))
    assert response.status_code == 302
    assert response.url == reminders_url(diary)

    url = feed_url(diary)
    assert len(diary.calendar_token) >= 40
    page = patient_client.get(response.url).text
    assert "Here is your calendar link." in page
    assert f'value="http://testserver{url}"' in page
    assert url not in patient_client.get(TODAY_URL).text
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert "provocation" in starts(response)


def test_a_new_link_replaces_the_old_one(client, patient_client, diary):
    patient_client.post(reverse("patient:calendar_link", args=[diary.uuid]))
    old = feed_url(diary)

    patient_client.post(reverse("patient:calendar_link", args=[diary.uuid]))

    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(feed_url(diary)).status_code == 200


def test_a_wrong_token_is_not_found(client, diary):
    diary.new_calendar_token()

    response = client.get(reverse("calendar_feed", args=["x" * 43]))

    assert response.status_code == 404


def test_the_link_stops_working_when_the_patient_is_deactivated(client, patient, diary):
    diary.new_calendar_token()
    patient.is_active = False
    patient.save()

    assert client.get(feed_url(diary)).status_code == 404


def test_the_subscription_follows_a_corrected_injection_time(client, diary):
    diary.new_calendar_token()
    before = starts(client.get(feed_url(diary)))

    diary.performed_at = INJECTED - timedelta(minutes=10)
    diary.save()
    after = starts(client.get(feed_url(diary)))

    assert after.keys() == before.keys()
    assert after["hour-1"] == before["hour-1"] - timedelta(minutes=10)


def test_the_patient_chooses_the_daily_time(patient_client, patient, diary):
    response = patient_client.post(
        reminders_url(diary), {"daily_time": "08:30", "email_reminders": "on"}
    )

    assert response.status_code == 302
    assert response.url == TODAY_URL
    assert "Your reminder settings are saved." in patient_client.get(TODAY_URL).text
    diary.refresh_from_db()
    assert diary.daily_time == time(8, 30)
    found = starts(patient_client.get(reverse("patient:calendar", args=[diary.uuid])))
    assert found["day-1"] == datetime(2026, 1, 14, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", "25:00", "evening", "19:00:00:00"])
def test_a_bad_time_is_explained_on_the_reminders_page_and_nothing_is_saved(
    patient_client, patient, diary, value
):
    response = patient_client.post(reminders_url(diary), {"daily_time": value})

    assert response.status_code == 200
    assert "diary/patient/reminders.html" in [template.name for template in response.templates]
    assert "for example 19:00" in response.text
    assert "Nothing was saved yet" in response.text
    if value:
        assert f'name="daily_time" value="{value}"' in response.text  # kept to correct
    diary.refresh_from_db()
    patient.refresh_from_db()
    assert diary.daily_time == time(19, 0)
    assert patient.email_reminders is True


def test_a_bad_time_keeps_what_was_typed_and_the_e_mail_choice(patient_client, patient, diary):
    patient.email = "patient@example.invalid"
    patient.save()

    response = patient_client.post(reminders_url(diary), {"daily_time": "25:00"})

    assert 'value="25:00"' in response.text
    checkbox = re.search(r'<input[^>]*name="email_reminders"[^>]*>', response.text)
    assert "checked" not in checkbox[0]  # as sent: unticked
    assert "Good to know now" not in response.text  # the reminders page, not Today


def test_the_patient_turns_e_mail_reminders_off_and_on(patient_client, patient, diary):
    patient.email = "patient@example.invalid"
    patient.save()
    url = reminders_url(diary)

    patient_client.post(url, {"daily_time": "19:00"})
    patient.refresh_from_db()
    assert patient.email_reminders is False

    patient_client.post(url, {"daily_time": "19:00", "email_reminders": "on"})
    patient.refresh_from_db()
    assert patient.email_reminders is True


def test_without_an_address_the_e_mail_toggle_says_to_ask_the_clinic(patient_client, diary):
    response = patient_client.get(reminders_url(diary))

    assert "Your clinic has no e-mail address for you" in response.text
    checkbox = re.search(r'<input[^>]*name="email_reminders"[^>]*>', response.text)
    assert "disabled" in checkbox[0]


def test_another_patient_cannot_reach_anyone_elses_calendar(client, clinic, diary):
    stranger = make_user("stranger", Role.PATIENT, clinic)
    client.force_login(stranger)

    assert client.get(reverse("patient:calendar", args=[diary.uuid])).status_code == 404
    assert client.get(reminders_url(diary)).status_code == 404
    for name in ["patient:reminders", "patient:calendar_link"]:
        url = reverse(name, args=[diary.uuid])
        assert client.post(url, {"daily_time": "08:00"}).status_code == 404
    diary.refresh_from_db()
    assert diary.daily_time == time(19, 0)
    assert diary.calendar_token is None


def test_an_anonymous_visitor_gets_only_the_subscription_and_only_with_its_token(client, diary):
    assert client.get(reverse("patient:calendar", args=[diary.uuid])).status_code == 302
    assert client.get(reminders_url(diary)).status_code == 302
    assert client.post(reverse("patient:calendar_link", args=[diary.uuid])).status_code == 302
    diary.refresh_from_db()
    assert diary.calendar_token is None
    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404


def test_it_keeps_its_queries_fixed(patient_client, diary, django_assert_num_queries):
    diary.new_calendar_token()
    url = feed_url(diary)
    patient_client.logout()

    # The episode with its clinic and patient, then its ratings.
    with django_assert_num_queries(2):
        patient_client.get(url)
