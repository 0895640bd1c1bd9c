"""The dashboard and the episode page come from a cache, and never show a clinician less
than the diaries say.

Every way the data they show can change (a rating, a baseline, a name, an erasure, the
clinic's rules) and the clock alone (a rating turning overdue, then missed) must show on the
next look.
"""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from diary.models import PROVOCATION_SLOT, Kind, Rating
from tests.factories import make_episode, rating_for
from tests.views.test_clinic_dashboard import rows

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DASHBOARD = reverse("clinic:dashboard")


@pytest.fixture
def look(client, clinician):
    """The clinician's dashboard rows, at `when`."""
    client.force_login(clinician)

    def look(when=NOW):
        with time_machine.travel(when, tick=False):
            response = client.get(DASHBOARD)
        assert response.status_code == 200
        return rows(response) if "<tbody>" in response.text else []

    return look


def test_a_rating_the_patient_saves_shows_at_once(look, patient):
    episode = make_episode(patient, injected_at=NOW - timedelta(days=2, hours=2))
    assert "Fever" not in look()[0]

    phone = Client()
    phone.force_login(patient)
    with time_machine.travel(NOW, tick=False):
        phone.post(
            reverse("patient:rate", args=[episode.uuid, "day-2"]),
            {"pain": "6", "fever_redness": "on", "ice_heat": "none"},
        )

    assert "Fever, redness or drainage reported" in look()[0]


def test_a_corrected_rating_shows_at_once(look, patient):
    episode = make_episode(patient, injected_at=NOW - timedelta(hours=2), baseline=8)
    at = episode.injected_at + timedelta(minutes=25)
    rating = Rating.objects.create(
        episode=episode, kind=Kind.TIMED, slot=PROVOCATION_SLOT, felt_at=at, recorded_at=at, pain=6
    )
    assert "Negative (25 %)" in look()[0]

    rating.pain = 1  # as the correction page saves it
    rating.save()

    assert "Positive (88 %)" in look()[0]


def test_a_baseline_entered_by_the_clinician_shows_at_once(look, client, patient):
    episode = make_episode(patient, injected_at=NOW - timedelta(minutes=40), baseline=None)
    assert "No baseline" in look()[0]

    with time_machine.travel(NOW, tick=False):
        client.post(
            reverse("clinic:baseline", args=[episode.uuid]),
            {"provoking_activity": "getting out of the car", "baseline_pain": "8"},
        )

    assert "No baseline" not in look()[0]


def test_a_renamed_patient_and_an_erased_one_show_at_once(look, patient):
    make_episode(patient, injected_at=NOW - timedelta(days=20))
    assert look()[0].startswith("Patient Test")

    patient.first_name = "Renamed"
    patient.save()
    assert look()[0].startswith("Renamed Test")

    patient.delete()
    assert look() == []


def test_new_clinic_rules_show_at_once(look, patient, clinic):
    episode = make_episode(patient, injected_at=NOW - timedelta(hours=2), baseline=8)
    at = episode.injected_at + timedelta(minutes=25)
    Rating.objects.create(
        episode=episode, kind=Kind.TIMED, slot=PROVOCATION_SLOT, felt_at=at, recorded_at=at, pain=2
    )
    assert "Positive (75 %)" in look()[0]

    clinic.positive_relief = 80
    clinic.save()

    assert "Indeterminate (75 %)" in look()[0]


def test_a_rating_turning_overdue_then_missed_shows_without_any_write(look, patient):
    # The provocation test is due 20 minutes after the injection (at NOW + 10 minutes): it is
    # overdue from then, and missed when it closes at 60 minutes (NOW + 50 minutes).
    make_episode(patient, injected_at=NOW - timedelta(minutes=10), baseline=7)
    assert "overdue" not in look()[0]
    assert "overdue" not in look(NOW + timedelta(minutes=9))[0]
    assert "1 rating overdue" in look(NOW + timedelta(minutes=11))[0]
    row = look(NOW + timedelta(minutes=29))[0]  # staff idle out at 30
    assert "Needs attention" not in row and "missed" not in row
    assert "missed" not in look(NOW + timedelta(minutes=49))[0]

    row = look(NOW + timedelta(minutes=51))[0]

    assert "Needs attention" in row
    assert "1 rating missed" in row
    assert "1 rating overdue" in row  # hour 1, due at 60 minutes, can still be made


def test_a_booked_episode_shows_at_once(look, client, patient):
    assert look() == []

    make_episode(patient, injected_at=NOW + timedelta(days=3), baseline=None)

    assert "Upcoming" in look()[0]


def test_a_second_rating_turning_missed_shows_without_any_write(look, patient):
    # The provocation test closed at NOW - 10 minutes; hour 1 closes at NOW + 50 minutes.
    make_episode(patient, injected_at=NOW - timedelta(minutes=70), baseline=7)
    assert "1 rating missed" in look()[0]
    assert "1 rating missed" in look(NOW + timedelta(minutes=29))[0]

    assert "2 ratings missed" in look(NOW + timedelta(minutes=51))[0]


@pytest.fixture
def read(client, clinician):
    """The text of the clinician's page of `episode`, at `when`."""
    client.force_login(clinician)

    def read(episode, when=NOW):
        with time_machine.travel(when, tick=False):
            response = client.get(reverse("clinic:episode", args=[episode.uuid]))
        assert response.status_code == 200
        return text(response.text)

    return read


def text(page):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_episode_page_shows_a_new_rating_new_rules_and_a_new_name_at_once(
    read, patient, clinic
):
    episode = make_episode(patient, injected_at=NOW - timedelta(hours=2), baseline=8)
    assert "No ratings yet." in read(episode)

    at = episode.injected_at + timedelta(minutes=25)
    Rating.objects.create(
        episode=episode, kind=Kind.TIMED, slot=PROVOCATION_SLOT, felt_at=at, recorded_at=at, pain=2
    )
    assert "Positive at 75 %" in read(episode)

    clinic.positive_relief = 80
    clinic.save()
    assert "Indeterminate" in read(episode)

    patient.last_name = "Renamed"
    patient.save()
    assert "Patient Renamed" in read(episode)


def test_the_episode_page_shows_a_rating_turning_overdue_then_missed_without_any_write(
    read, patient
):
    episode = make_episode(patient, injected_at=NOW - timedelta(minutes=10), baseline=7)
    assert "overdue" not in read(episode)
    assert "1 rating overdue" in read(episode, NOW + timedelta(minutes=11))
    assert "missed" not in read(episode, NOW + timedelta(minutes=29))  # staff idle out at 30

    assert "1 rating missed" in read(episode, NOW + timedelta(minutes=51))


def test_the_episode_page_shows_a_red_flag_and_a_renamed_clinician_at_once(
    read, patient, clinician
):
    episode = make_episode(patient, clinician, injected_at=NOW - timedelta(days=3), baseline=8)
    page = read(episode)
    assert "Fever, redness or drainage reported" not in page
    assert "Clinician Test" in page  # booked by

    Rating.objects.create(
        episode=episode, kind=Kind.DAILY, day=2, recorded_at=NOW, pain=5, fever_redness=True
    )
    assert "Fever, redness or drainage reported" in read(episode)

    clinician.first_name = "Renamed"
    clinician.save()
    assert "Renamed Test" in read(episode)


@pytest.fixture
def compared(client, clinician):
    """The text of the clinician's compare page of `patient`."""
    client.force_login(clinician)

    def compared(patient):
        with time_machine.travel(NOW, tick=False):
            response = client.get(reverse("clinic:compare", args=[patient.public_id]))
        assert response.status_code == 200
        return text(response.text)

    return compared


def test_the_compare_page_shows_a_new_rating_a_booking_and_a_new_name_at_once(compared, patient):
    episode = make_episode(patient, injected_at=NOW - timedelta(days=9), baseline=8)
    assert "Negative" not in compared(patient)

    at = episode.injected_at + timedelta(minutes=25)
    Rating.objects.create(
        episode=episode, kind=Kind.TIMED, slot=PROVOCATION_SLOT, felt_at=at, recorded_at=at, pain=6
    )
    assert "Negative" in compared(patient)

    make_episode(patient, injected_at=NOW - timedelta(days=2), anesthetic="lidocaine")
    assert "Lidocaine" in compared(patient)

    patient.first_name = "Renamed"
    patient.save()
    assert "Dashboard Renamed Test: blocks compared" in compared(patient)  # the heading


def test_a_new_clinic_phone_shows_on_today_at_once(client, patient, clinic):
    episode = make_episode(patient, injected_at=NOW - timedelta(days=2), baseline=7)
    rating_for(episode, "day-1", 4, fever_redness=True)
    client.force_login(patient)
    with time_machine.travel(NOW, tick=False):
        assert "020 7946 0018" in client.get(reverse("patient:today")).text

        clinic.phone = "020 7946 0999"
        clinic.save()

        page = client.get(reverse("patient:today")).text
    assert "020 7946 0999" in page and 'href="tel:02079460999"' in page
