"""Recording a rating: the provocation test, the hourly ratings and the daily ones."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

import diary.views.patient as patient_views
from diary.access import episode_for
from diary.models import PROVOCATION_SLOT, AuditEvent, Kind, Rating, Role
from tests.factories import make_episode, make_user
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

# Tuesday 13 January, 10:00 in London (on UTC in January). Day 1 is Wednesday 14 January.
INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)
AT_25_MIN = INJECTED + timedelta(minutes=25)
DAY_1_EVENING = datetime(2026, 1, 14, 20, 0, tzinfo=UTC)
DAY_2_MORNING = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
DAY_3_MORNING = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
TODAY_URL = reverse("patient:today")

VALID = {"pain": "2", "relief": "70"}
DAILY = {"pain": "6", "ice_heat": "none"}  # "Neither" is ticked when the form opens

NOT_OPEN = "This rating is not open yet."
PASSED = "The time for this rating has passed."
ALREADY_SAVED = "This rating is already saved."


def url(episode, key):
    return reverse("patient:rate", args=[episode.uuid, key])


@pytest.fixture
def injected(patient, clinician):
    """The patient's injection at 10:00, baseline 7, in a 7-day diary with hourly ratings."""
    return make_episode(patient, clinician, injected_at=INJECTED)


# --- The form -----------------------------------------------------------------------------


def test_it_shows_the_provocation_test_with_eleven_pain_buttons(patient_client, injected):
    with at(AT_25_MIN):
        response = patient_client.get(url(injected, "provocation"))

    assert response.status_code == 200
    page = text(response.text)
    assert "Do what usually brings on your pain now (standing up)" in page
    assert "Your pain right now" in page
    assert re.findall(r'name="pain" [^>]*value="(\d+)"', response.text) == [
        str(pain) for pain in range(11)
    ]
    assert "0 = No pain" in page and "10 = Worst pain imaginable" in page
    assert len(re.findall(r'name="relief"', response.text)) == 11
    assert "call your clinic today" in page
    assert 'name="ice_heat"' not in response.text


def test_it_asks_about_ice_or_heat_in_a_daily_rating(patient_client, injected):
    with at(DAY_1_EVENING):
        response = patient_client.get(url(injected, "day-1"))

    assert response.status_code == 200
    assert "Your pain today" in response.text
    assert "Rate your pain over today." in response.text
    assert len(re.findall(r'name="ice_heat"', response.text)) == 4
    assert re.search(r'name="ice_heat" value="none"[^>]* checked', response.text)


# --- Recording ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, now, slot, minutes",
    [
        pytest.param("provocation", AT_25_MIN, PROVOCATION_SLOT, 25, id="provocation-at-25"),
        pytest.param(
            "provocation", INJECTED + timedelta(minutes=22), PROVOCATION_SLOT, 22, id="at-22"
        ),
        # Late but still accepted: stamped 41 minutes, not moved into the 20–30 window.
        pytest.param(
            "provocation", INJECTED + timedelta(minutes=41), PROVOCATION_SLOT, 41, id="at-41"
        ),
        pytest.param("hour-1", INJECTED + timedelta(minutes=85), 1, 85, id="hour-1-at-85"),
        pytest.param("hour-6", INJECTED + timedelta(minutes=379), 6, 379, id="hour-6-at-379"),
    ],
)
def test_it_stamps_a_timed_rating_with_the_moment_it_is_saved(
    patient_client, patient, injected, key, now, slot, minutes
):
    with at(now):
        response = patient_client.post(url(injected, key), VALID)

    assert response.status_code == 302
    assert response.url == TODAY_URL
    rating = Rating.objects.get()
    assert (rating.kind, rating.slot, rating.day) == (Kind.TIMED, slot, None)
    assert rating.felt_at == rating.recorded_at == now
    assert rating.minutes == pytest.approx(minutes)
    assert (rating.pain, rating.relief, rating.recorded_by) == (2, 70, patient)


def test_it_confirms_what_was_saved_on_today(patient_client, injected):
    with at(AT_25_MIN):
        response = patient_client.post(url(injected, "provocation"), VALID, follow=True)

    assert response.redirect_chain == [(TODAY_URL, 302)]
    assert "Saved: Provocation test, pain 2." in text(response.text)
    assert "due-button" not in response.text  # nothing else is due at 25 minutes


def test_it_records_a_daily_rating_on_its_day(patient_client, injected):
    with at(DAY_1_EVENING):
        response = patient_client.post(
            url(injected, "day-1"), {"pain": "5", "relief": "30", "ice_heat": "ice"}
        )

    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.kind, rating.day, rating.late, rating.felt_at) == (Kind.DAILY, 1, False, None)
    assert (rating.pain, rating.relief, rating.ice_heat) == (5, 30, "ice")


def test_it_records_yesterdays_rating_the_day_after_marked_late(patient_client, injected):
    with at(DAY_2_MORNING):
        form = patient_client.get(url(injected, "day-1"))
        response = patient_client.post(url(injected, "day-1"), DAILY)

    assert "This is the rating for yesterday." in form.text
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.day, rating.late, rating.recorded_at) == (1, True, DAY_2_MORNING)


def test_it_counts_days_in_the_clinics_time_zone(client, other_clinic):
    new_yorker = make_user("newyorker", Role.PATIENT, other_clinic)
    episode = make_episode(new_yorker, injected_at=INJECTED)  # 05:00 on Tuesday in New York
    client.force_login(new_yorker)

    # 03:00 UTC on Thursday is still Wednesday evening, day 1, in New York.
    with at(datetime(2026, 1, 15, 3, 0, tzinfo=UTC)):
        response = client.post(url(episode, "day-1"), DAILY)

    assert response.status_code == 302
    assert Rating.objects.get().late is False


def test_it_saves_a_rating_without_stated_relief(patient_client, injected):
    with at(AT_25_MIN):
        patient_client.post(url(injected, "provocation"), {"pain": "3"})

    assert Rating.objects.get().relief is None


def test_it_takes_a_named_medicine_as_taken(patient_client, injected):
    with at(AT_25_MIN):
        patient_client.post(url(injected, "provocation"), {**VALID, "analgesic_name": "ibuprofen"})

    rating = Rating.objects.get()
    assert (rating.analgesic, rating.analgesic_name) == (True, "ibuprofen")


def test_it_saves_the_side_effects_ticked(patient_client, injected):
    with at(AT_25_MIN):
        patient_client.post(
            url(injected, "provocation"), {**VALID, "numbness": "on", "weakness": "on"}
        )

    assert Rating.objects.get().side_effects == ["numbness", "weakness"]


def test_it_tells_the_patient_to_call_the_clinic_after_a_fever_report(patient_client, injected):
    with at(DAY_1_EVENING):
        response = patient_client.post(
            url(injected, "day-1"), {**DAILY, "fever_redness": "on"}, follow=True
        )

    assert response.redirect_chain == [(TODAY_URL, 302)]
    alerts = [
        text(alert) for alert in re.findall(r"red-flag-alert[^>]*>(.*?)</div>", response.text, re.S)
    ]
    # Once on the page, with the clinic's number to tap.
    assert alerts == [
        "⚠ You reported fever, redness or drainage at the injection site. Call your clinic "
        "today if you have not yet. Call your clinic: 020 7946 0018"
    ]
    assert 'href="tel:02079460018"' in response.text
    assert Rating.objects.get().fever_redness is True


# --- Refused: not open, passed, already saved --------------------------------------------


@pytest.mark.parametrize(
    "key, now, message",
    [
        pytest.param("day-3", AT_25_MIN, NOT_OPEN, id="future-day"),
        pytest.param("day-1", AT_25_MIN, NOT_OPEN, id="day-1-on-the-injection-day"),
        pytest.param("hour-3", INJECTED + timedelta(minutes=30), NOT_OPEN, id="hour-3-at-30-min"),
        pytest.param("provocation", INJECTED + timedelta(minutes=15), NOT_OPEN, id="test-at-15"),
        pytest.param("provocation", INJECTED + timedelta(minutes=61), PASSED, id="test-at-61"),
        pytest.param("hour-1", INJECTED + timedelta(hours=2, minutes=1), PASSED, id="hour-1-late"),
        pytest.param("day-1", DAY_3_MORNING, PASSED, id="day-1-two-days-after"),
    ],
)
def test_it_refuses_a_rating_that_is_not_open_and_saves_nothing(
    patient_client, injected, key, now, message
):
    with at(now):
        shown = patient_client.get(url(injected, key), follow=True)
        posted = patient_client.post(url(injected, key), VALID, follow=True)

    for response in (shown, posted):
        assert response.redirect_chain == [(TODAY_URL, 302)]
        assert message in response.text
    assert not Rating.objects.exists()


def test_it_saves_a_double_tap_once(patient_client, injected):
    with at(AT_25_MIN):
        first = patient_client.post(url(injected, "provocation"), VALID)
        second = patient_client.post(url(injected, "provocation"), VALID, follow=True)

    assert first.status_code == 302
    assert second.redirect_chain == [(TODAY_URL, 302)]
    assert ALREADY_SAVED in second.text
    assert Rating.objects.count() == 1


def test_it_saves_once_when_a_second_tab_submits_the_same_rating(
    patient_client, patient, injected, monkeypatch
):
    # The second tab's request read the diary before the first tab's rating was saved.
    stale = episode_for(patient, injected.uuid)
    with at(AT_25_MIN):
        patient_client.post(url(injected, "provocation"), VALID)
    monkeypatch.setattr(patient_views, "episode_for", lambda user, episode_uuid: stale)

    with at(AT_25_MIN + timedelta(seconds=5)):
        response = patient_client.post(url(injected, "provocation"), {"pain": "4"}, follow=True)

    assert response.redirect_chain == [(TODAY_URL, 302)]
    assert "This rating was already saved." in response.text
    assert Rating.objects.get().pain == 2


# --- Invalid input ------------------------------------------------------------------------

PAIN_INVALID = "Pain is a whole number from 0 (no pain) to 10."


@pytest.mark.parametrize(
    "data, error",
    [
        pytest.param({"pain": "11"}, PAIN_INVALID, id="pain-11"),
        pytest.param({"pain": "-1"}, PAIN_INVALID, id="pain-minus-1"),
        pytest.param({"pain": "abc"}, PAIN_INVALID, id="pain-abc"),
        pytest.param({"pain": "5.5"}, PAIN_INVALID, id="pain-5.5"),
        pytest.param({"relief": "70"}, "Tap a number from 0 to 10 for your pain.", id="no-pain"),
        pytest.param(
            {"pain": "3", "relief": "55"}, "Relief is 0 to 100 % in steps of 10.", id="relief-55"
        ),
        pytest.param(
            {"pain": "3", "relief": "110"}, "Relief is 0 to 100 % in steps of 10.", id="relief-110"
        ),
        pytest.param(
            {"pain": "3", "note": "x" * 5000},
            "Ensure this value has at most 1000 characters (it has 5000).",
            id="note-5000",
        ),
        pytest.param(
            {"pain": "3", "analgesic_name": "y" * 101},
            "Ensure this value has at most 100 characters (it has 101).",
            id="medicine-101",
        ),
    ],
)
def test_it_explains_invalid_input_and_saves_nothing(patient_client, injected, data, error):
    with at(AT_25_MIN):
        response = patient_client.post(url(injected, "provocation"), data)

    assert response.status_code == 200
    page = text(response.text)
    assert "Please check the answers marked below. Nothing was saved yet." in page
    assert error in page
    assert not Rating.objects.exists()


def test_it_explains_an_unknown_ice_or_heat_choice(patient_client, injected):
    with at(DAY_1_EVENING):
        response = patient_client.post(url(injected, "day-1"), {"pain": "3", "ice_heat": "steam"})

    assert response.status_code == 200
    assert "Select a valid choice. steam is not one of the available choices." in text(
        response.text
    )
    assert not Rating.objects.exists()


def test_it_keeps_the_answers_given_when_it_asks_again(patient_client, injected):
    with at(AT_25_MIN):
        response = patient_client.post(url(injected, "provocation"), {"pain": "3", "relief": "55"})

    assert re.search(r'name="pain" [^>]*value="3" checked', response.text)


# --- Unknown addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["hour-9", "hour-0", "day-99", "day-8", "day-0", "baseline", "provocation-2", "week-1"]
)
def test_it_answers_not_found_for_an_unknown_key(patient_client, injected, key):
    with at(AT_25_MIN):
        shown = patient_client.get(url(injected, key))
        posted = patient_client.post(url(injected, key), VALID)

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert not Rating.objects.exists()


def test_it_has_no_hourly_ratings_when_the_clinic_has_them_off(patient_client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED, timed_ratings=False)

    with at(INJECTED + timedelta(minutes=70)):
        response = patient_client.post(url(episode, "hour-1"), VALID)

    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_it_answers_not_found_for_a_tampered_episode_id(patient_client, injected):
    with at(AT_25_MIN):
        random_id = patient_client.post(reverse("patient:rate", args=[uuid.uuid4(), "provocation"]))
        not_an_id = patient_client.post("/diary/12345/rate/provocation/", VALID)

    assert (random_id.status_code, not_an_id.status_code) == (404, 404)
    assert not Rating.objects.exists()


# --- Who may rate -------------------------------------------------------------------------


def test_it_hides_the_episode_from_everyone_but_its_patient(diary_stranger_client, injected):
    with at(AT_25_MIN):
        shown = diary_stranger_client.get(url(injected, "provocation"))
        posted = diary_stranger_client.post(url(injected, "provocation"), VALID)

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert not Rating.objects.exists()


def test_it_sends_an_anonymous_visitor_to_sign_in_and_saves_nothing(client, injected):
    with at(AT_25_MIN):
        response = client.post(url(injected, "provocation"), VALID)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url(injected, 'provocation')}"
    assert not Rating.objects.exists()


def test_it_refuses_a_put(patient_client, injected):
    with at(AT_25_MIN):
        response = patient_client.put(url(injected, "provocation"), VALID)

    assert response.status_code == 405
    assert not Rating.objects.exists()


def statement(sql):
    """ "INSERT diary_rating", "SELECT diary_episode": what a statement does, to which table."""
    verb = sql.split()[0]
    table = re.search(r'(?:INTO|UPDATE|FROM) "(\w+)"', sql)
    return f"{verb} {table.group(1)}" if table else verb


def test_it_saves_a_rating_in_a_fixed_number_of_queries(
    patient_client, injected, django_assert_num_queries
):
    """Reads: the session, the patient, the episode with its clinic, its ratings; the form's
    model validation checks three constraints (each in a savepoint here, as the test runs in a
    transaction). Then in one transaction: the rating, its episode read afresh and its stored
    reading, the clinic's version, the audit entry."""
    with at(AT_25_MIN), django_assert_num_queries(21) as captured:
        response = patient_client.post(url(injected, "provocation"), VALID)

    assert response.status_code == 302
    writes = [statement(query["sql"]) for query in captured.captured_queries[13:]]
    assert writes == [
        "SAVEPOINT",
        "INSERT diary_rating",
        "SELECT diary_episode",
        "SELECT diary_rating",
        "UPDATE diary_episode",
        "UPDATE diary_clinic",
        "INSERT diary_auditevent",
        "RELEASE",
    ]
    rating = injected.ratings.get()
    assert rating.pain == 2
    injected.refresh_from_db()
    assert injected.review["done"] == 2  # the baseline and this test
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert entry.episode_uuid == injected.uuid and entry.after["pain"] == 2
