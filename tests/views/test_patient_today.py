"""Today: what is due now, when the next rating is due, progress and guidance."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from diary.models import Role
from tests.factories import make_episode, make_user, rating_for
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

# A Tuesday in January: London is on UTC, so clinic time and server time agree here.
INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)
TODAY_URL = reverse("patient:today")


def due_button(response):
    match = re.search(
        r'<a class="[^"]*due-button[^"]*" href="([^"]+)">(.*?)</a>', response.text, re.S
    )
    assert match, "no big 'due now' button on the page"
    return match[1], text(match[2])


def next_line(response):
    match = re.search(r'<p class="[^"]*next-due[^"]*">(.*?)</p>', response.text, re.S)
    assert match, "no 'Next' line on the page"
    return text(match[1])


def rate_url(episode, key):
    return reverse("patient:rate", args=[episode.uuid, key])


def get_today(client, user):
    client.force_login(user)
    return client.get(TODAY_URL)


def test_it_shows_the_provocation_test_as_the_big_button_and_the_next_hour(
    client, patient, clinician
):
    episode = make_episode(patient, clinician, injected_at=INJECTED)

    with at(INJECTED + timedelta(minutes=25)):
        response = get_today(client, patient)

    assert response.status_code == 200
    assert due_button(response) == (
        rate_url(episode, "provocation"),
        "Due now Provocation test (20–30 minutes after)",
    )
    assert next_line(response) == "Next: Hour 1 after the injection, today at 11:00"


def test_it_asks_for_the_usual_pain_before_the_injection(client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=None)

    with at(INJECTED - timedelta(hours=20)):
        response = get_today(client, patient)

    assert due_button(response) == (
        reverse("patient:baseline", args=[episode.uuid]),
        "Due now Your usual pain (before the injection)",
    )
    assert next_line(response) == "Next: Provocation test (20–30 minutes after), tomorrow at 10:20"


def test_it_says_a_daily_rating_is_next_this_evening_not_at_midnight(client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    with at(INJECTED + timedelta(minutes=25)):
        rating_for(episode, "provocation", 3)

    with at(INJECTED + timedelta(hours=8)):
        response = get_today(client, patient)

    assert "Nothing is due right now." in response.text
    assert next_line(response) == "Next: Day 1, tomorrow at 19:00"


def test_it_shows_times_in_the_clinics_time_zone(client, other_clinic):
    new_yorker = make_user("newyorker", Role.PATIENT, other_clinic)
    make_episode(new_yorker, injected_at=INJECTED)  # 05:00 in New York

    with at(INJECTED + timedelta(minutes=25)):
        response = get_today(client, new_yorker)

    assert "Injection (right side): Tue 13 Jan, 05:00" in text(response.text)
    assert next_line(response) == "Next: Hour 1 after the injection, today at 06:00"


def test_it_offers_yesterdays_open_rating_first_marked_as_from_yesterday(
    client, patient, clinician
):
    episode = make_episode(patient, clinician, injected_at=INJECTED)

    with at(INJECTED + timedelta(days=2)):  # Thursday 10:00: day 1 was Wednesday
        response = get_today(client, patient)

    assert due_button(response) == (rate_url(episode, "day-1"), "Still open, from yesterday Day 1")
    assert rate_url(episode, "day-2") in response.text


def test_it_shows_progress_through_the_diary_and_what_was_missed(client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    with at(INJECTED + timedelta(minutes=25)):
        rating_for(episode, "provocation", 2)
    with at(INJECTED + timedelta(days=1, hours=9)):
        rating_for(episode, "day-1", 6)

    with at(INJECTED + timedelta(days=2, hours=2)):
        response = get_today(client, patient)

    page = text(response.text)
    # baseline + provocation + 6 hours + 7 days = 15 items; 3 done
    assert "3 of 15 ratings done · day 2 of 7" in page
    assert "Not recorded in time: Hour 1 after the injection, Hour 2 after the injection" in page
    assert "Last saved: Day 1 · pain 6/10 · yesterday at 19:00" in page


def test_it_says_the_diary_is_complete_after_its_last_day(client, patient, clinician):
    make_episode(patient, clinician, injected_at=INJECTED)

    with at(INJECTED + timedelta(days=30)):
        response = get_today(client, patient)

    assert "Your diary is complete." in response.text
    assert "due-button" not in response.text


@pytest.mark.parametrize(
    "older",
    [
        pytest.param({"injected_at": INJECTED - timedelta(days=31)}, id="complete"),
        pytest.param(
            {"injected_at": INJECTED - timedelta(days=2), "diary_days": 14}, id="in-progress"
        ),
    ],
)
def test_it_is_about_the_latest_diary_not_an_older_one(client, patient, clinician, older):
    make_episode(patient, clinician, **older)
    latest = make_episode(patient, clinician, injected_at=INJECTED)

    with at(INJECTED + timedelta(minutes=25)):
        response = get_today(client, patient)

    assert due_button(response)[0] == rate_url(latest, "provocation")


def test_it_is_about_the_diary_in_progress_not_the_next_booked_injection(
    client, patient, clinician
):
    current = make_episode(patient, clinician, injected_at=INJECTED)
    make_episode(patient, clinician, injected_at=INJECTED + timedelta(days=2), baseline=None)

    with at(INJECTED + timedelta(minutes=25)):
        response = get_today(client, patient)

    assert due_button(response)[0] == rate_url(current, "provocation")


def test_after_a_complete_diary_it_is_about_the_soonest_booked_injection(
    client, patient, clinician
):
    make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=31))
    make_episode(patient, clinician, injected_at=INJECTED + timedelta(days=20), baseline=None)
    make_episode(patient, clinician, injected_at=INJECTED + timedelta(days=2))

    with at(INJECTED):
        response = get_today(client, patient)

    assert "Injection (right side): Thu 15 Jan, 10:00" in text(response.text)
    assert (
        next_line(response) == "Next: Provocation test (20–30 minutes after), Thu 15 Jan at 10:20"
    )


def test_it_shows_the_latest_complete_diary_when_nothing_else_is_booked(client, patient, clinician):
    make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=60))
    make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=30))

    with at(INJECTED):
        response = get_today(client, patient)

    assert "Your diary is complete." in response.text
    assert "Injection (right side): Sun 14 Dec, 10:00" in text(response.text)


def test_it_says_when_no_injection_is_booked(client, patient):
    with at(INJECTED):
        response = get_today(client, patient)

    assert response.status_code == 200
    assert "No injection is booked for you yet." in response.text


INJECTION_DAY = "No driving today."
FIRST_HOURS = "Now do the activity that usually brings on your pain, then rate it."
ICE = "Use ice, not heat, on the injection site for the first 2–3 days."
ONSET = "improvement often starts between day 2 and day 5."
ACTIVITY = "Go back to your regular activities"
DAY_TEN = "If there is no improvement by day 10, the cortisone is unlikely to help"
BEFORE = "avoid extra pain medicine for the first 4–6 hours"
RED_FLAGS = "Fever, redness or drainage at the injection site: call your clinic."
ALL_GUIDANCE = {INJECTION_DAY, FIRST_HOURS, ICE, ONSET, ACTIVITY, DAY_TEN, BEFORE, RED_FLAGS}


@pytest.mark.parametrize(
    "now, shown",
    [
        pytest.param(INJECTED - timedelta(hours=2), {BEFORE, RED_FLAGS}, id="before"),
        pytest.param(
            INJECTED + timedelta(minutes=25),
            {INJECTION_DAY, FIRST_HOURS, RED_FLAGS},
            id="injection-day",
        ),
        pytest.param(
            INJECTED + timedelta(days=2, hours=2), {ICE, ONSET, ACTIVITY, RED_FLAGS}, id="day-2"
        ),
        pytest.param(
            INJECTED + timedelta(days=10, hours=2), {DAY_TEN, ACTIVITY, RED_FLAGS}, id="day-10"
        ),
    ],
)
def test_it_gives_the_guidance_that_fits_the_day_of_a_fourteen_day_diary(
    client, patient, clinician, now, shown
):
    make_episode(patient, clinician, injected_at=INJECTED, diary_days=14)

    with at(now):
        response = get_today(client, patient)

    page = text(response.text)
    assert {line for line in ALL_GUIDANCE if line in page} == shown


@pytest.mark.parametrize(
    "now, shown",
    [
        pytest.param(INJECTED + timedelta(days=2, hours=2), {ICE, ACTIVITY, RED_FLAGS}, id="day-2"),
        pytest.param(INJECTED + timedelta(days=10, hours=2), {ACTIVITY, RED_FLAGS}, id="day-10"),
    ],
)
def test_a_diagnostic_block_gets_no_cortisone_guidance(client, patient, clinician, now, shown):
    make_episode(
        patient,
        clinician,
        injected_at=INJECTED,
        diary_days=14,
        block_type="diagnostic",
        steroid="",
        anesthetic="lidocaine",
    )

    with at(now):
        page = text(get_today(client, patient).text)

    assert {line for line in ALL_GUIDANCE if line in page} == shown
    assert "cortisone" not in page.lower()


def test_it_keeps_scheduled_medicines_and_warns_of_falls_while_the_leg_is_numb(
    client, patient, clinician
):
    make_episode(patient, clinician, injected_at=INJECTED)

    with at(INJECTED - timedelta(hours=2)):
        before = text(get_today(client, patient).text)
    with at(INJECTED + timedelta(minutes=25)):
        numb = text(get_today(client, patient).text)

    assert "Keep taking your scheduled medicines unless your clinic told you otherwise." in before
    assert "have someone help you walk and do not take the stairs alone" in numb
    assert "keep taking your scheduled medicines" in numb


def today_after_day_1(client, patient, clinician, **reported):
    """Today on day 2, after the patient's rating of day 1 reported `reported`."""
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    with at(INJECTED + timedelta(days=1, hours=9)):
        rating_for(episode, "day-1", 3, **reported)
    with at(INJECTED + timedelta(days=2)):
        return get_today(client, patient)


def test_it_tells_the_patient_to_call_the_clinic_after_reporting_fever(client, patient, clinician):
    response = today_after_day_1(client, patient, clinician, fever_redness=True)

    assert "red-flag-alert" in response.text
    assert (
        "You reported fever, redness or drainage at the injection site. "
        "Call your clinic today if you have not yet." in text(response.text)
    )


def test_it_shows_no_fever_alert_without_a_fever_report(client, patient, clinician):
    response = today_after_day_1(client, patient, clinician, site_soreness=True)

    assert "red-flag-alert" not in response.text
    assert "You reported fever" not in response.text


def test_it_never_shows_another_patients_diary(client, patient, other_patient, clinician):
    theirs = make_episode(other_patient, clinician, injected_at=INJECTED)

    with at(INJECTED + timedelta(minutes=25)):
        response = get_today(client, patient)

    assert "No injection is booked for you yet." in response.text
    assert str(theirs.uuid) not in response.text


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(INJECTED - timedelta(hours=2), id="before"),
        pytest.param(INJECTED + timedelta(hours=2), id="injection-day"),
        pytest.param(INJECTED + timedelta(days=3), id="day-3"),
        pytest.param(INJECTED + timedelta(days=30), id="complete"),
    ],
)
def test_it_keeps_its_queries_fixed(client, patient, clinician, django_assert_num_queries, now):
    older = make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=31))
    current = make_episode(patient, clinician, injected_at=INJECTED)
    with at(INJECTED - timedelta(days=30)):
        rating_for(older, "day-1", 3, fever_redness=True)
    with at(INJECTED + timedelta(minutes=25)):
        rating_for(current, "provocation", 3)
    with at(INJECTED + timedelta(days=1, hours=9)):
        rating_for(current, "day-1", 3, fever_redness=True)
    client.force_login(patient)

    with at(now):
        # The session, the patient, their episodes with their clinic, and their ratings: none
        # more for anything Today reads that its queries left out.
        with django_assert_num_queries(4):
            response = client.get(TODAY_URL)

    assert response.status_code == 200
    assert "Injection (right side): Tue 13 Jan, 10:00" in text(response.text)
