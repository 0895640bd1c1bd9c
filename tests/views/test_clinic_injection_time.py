"""On the day: correcting the actual injection time, which the diary clock runs from."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from diary.models import AuditEvent, Role
from tests.factories import daily, make_episode, make_user, timed
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

# 10 March 2026, 10:00 in New York (EDT, UTC−4); 14:00 in London (GMT).
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
BOOKED = NOW - timedelta(hours=1)


def url(episode):
    return reverse("clinic:injection_time", args=[episode.uuid])


@pytest.fixture
def booked(patient, clinician):
    """Booked for an hour ago in London, no actual time yet."""
    return make_episode(patient, clinician, injected_at=BOOKED, performed_at=None)


@pytest.fixture
def ny_booked(other_clinic, other_clinician):
    patient = make_user("nypatient", Role.PATIENT, other_clinic)
    return make_episode(patient, other_clinician, injected_at=BOOKED, performed_at=None)


def provocation_test(episode, minutes):
    """The patient's provocation test, rated `minutes` after the booked time."""
    return timed(episode, minutes, 2, recorded_by=episode.patient)


def test_it_hides_the_episode_from_the_patient_and_other_clinics(clinic_stranger_client, booked):
    assert clinic_stranger_client.get(url(booked)).status_code == 404
    with at(NOW):
        assert clinic_stranger_client.post(url(booked), {"now": "1"}).status_code == 404
    booked.refresh_from_db()
    assert booked.performed_at is None


def test_it_shows_the_booked_time_on_the_clinics_clock(other_clinician_client, ny_booked):
    with at(NOW):
        response = other_clinician_client.get(url(ny_booked))
    assert response.status_code == 200
    assert 'value="2026-03-10T09:00"' in response.text  # 13:00 UTC is 09:00 in New York
    assert "Injected just now" in response.text


def test_now_sets_the_injection_to_this_moment(clinician_client, booked):
    with at(NOW):
        response = clinician_client.post(url(booked), {"now": "1"})
    assert response.status_code == 302
    assert response.url == reverse("clinic:episode", args=[booked.uuid])
    booked.refresh_from_db()
    assert booked.performed_at == NOW
    assert booked.scheduled_at == BOOKED


def test_it_records_the_correction_in_the_audit_log(clinician_client, clinician, booked):
    with at(NOW):
        clinician_client.post(url(booked), {"performed_at": "2026-03-10T13:40"})
    [event] = AuditEvent.objects.all()
    assert (event.actor, event.action, event.what) == (
        clinician,
        AuditEvent.Action.CHANGE,
        "injection time",
    )
    assert event.episode_uuid == booked.uuid
    assert (event.before, event.after) == (
        {"performed_at": None},
        {"performed_at": "2026-03-10T13:40:00Z"},
    )


def test_it_reads_a_typed_time_on_the_clinics_clock(other_clinician_client, ny_booked):
    with at(NOW):
        other_clinician_client.post(url(ny_booked), {"performed_at": "2026-03-10T09:12"})
    ny_booked.refresh_from_db()
    assert ny_booked.performed_at == datetime(2026, 3, 10, 13, 12, tzinfo=UTC)


def test_it_refuses_a_time_after_the_first_timed_rating(clinician_client, booked):
    provocation_test(booked, 24)
    with at(NOW):
        response = clinician_client.post(url(booked), {"performed_at": "2026-03-10T13:30"})
    assert response.status_code == 200
    assert "The patient rated their pain at 10 Mar 2026, 13:24, before that time" in text(
        response.text
    )
    booked.refresh_from_db()
    assert booked.performed_at is None
    assert not AuditEvent.objects.exists()


def test_it_refuses_now_once_the_patient_has_rated(clinician_client, booked):
    provocation_test(booked, 55)  # at 13:55, five minutes before NOW
    with at(NOW):
        response = clinician_client.post(url(booked), {"now": "1"})
    assert response.status_code == 200
    assert "The patient rated their pain at" in response.text
    booked.refresh_from_db()
    assert booked.performed_at is None


def test_it_accepts_a_time_before_the_first_rating(clinician_client, booked):
    provocation_test(booked, 24)
    with at(NOW):
        clinician_client.post(url(booked), {"performed_at": "2026-03-10T13:05"})
    booked.refresh_from_db()
    assert booked.performed_at == BOOKED + timedelta(minutes=5)
    assert booked.ratings.get().minutes == 19


@pytest.mark.parametrize(
    "typed, accepted",
    [("2026-03-10T14:04", True), ("2026-03-10T14:10", False), ("2026-03-11T09:00", False)],
)
def test_it_refuses_a_time_still_to_come(clinician_client, booked, typed, accepted):
    """A few minutes ahead is a clock that runs fast; more is a mistake."""
    with at(NOW):
        response = clinician_client.post(url(booked), {"performed_at": typed})
    booked.refresh_from_db()
    assert (booked.performed_at is not None) == accepted
    if not accepted:
        assert "That time is still to come" in response.text


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the injection time, or press “Injected just now”."),
        ("yesterday-ish", "Enter a date and time, for example"),
        ("2026-02-01T10:00", "That is more than 14 days ago."),
        ("2026-03-08T02:30", "2026-03-08 02:30 does not exist in America/New_York"),
    ],
)
def test_it_explains_a_time_it_cannot_use(other_clinician_client, ny_booked, typed, message):
    with at(NOW):
        response = other_clinician_client.post(url(ny_booked), {"performed_at": typed})
    assert response.status_code == 200
    assert message in text(response.text)
    ny_booked.refresh_from_db()
    assert ny_booked.performed_at is None


def test_it_keeps_the_injection_on_its_day_once_daily_ratings_exist(clinician_client, booked):
    daily(booked, 1, 4)
    with at(NOW + timedelta(days=2)):
        response = clinician_client.post(url(booked), {"performed_at": "2026-03-09T13:00"})
    assert "cannot move to another day" in response.text
    booked.refresh_from_db()
    assert booked.performed_at is None
