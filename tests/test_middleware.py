from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from diary.models import Clinic, Role
from tests.factories import make_episode, make_user

pytestmark = pytest.mark.django_db


def test_it_shows_times_in_the_clinics_time_zone(client):
    new_york = Clinic.objects.create(name="NY", time_zone="America/New_York")
    patient = make_user("nypatient", Role.PATIENT, new_york)
    injected = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 10:00 in New York
    make_episode(patient, injected_at=injected)
    client.force_login(patient)

    with time_machine.travel(datetime(2026, 11, 27, 15, 25, tzinfo=UTC), tick=False):
        page = client.get(reverse("patient:today")).content.decode()

    assert "27 Nov, 10:00" in page
    assert "27 Nov, 15:00" not in page


def still_signed_in(client):
    """Home sends a signed-in clinician to the dashboard, anyone else to sign in."""
    return client.get(reverse("home"))["Location"] == reverse("clinic:dashboard")


def test_it_signs_staff_out_after_30_idle_minutes(client, clinician):
    client.force_login(clinician)
    client.get(reverse("home"))

    assert client.session.get_expiry_age() == 30 * 60


def test_it_keeps_patients_signed_in_for_the_diary_period(client, patient):
    client.force_login(patient)
    client.get(reverse("home"))

    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_it_sends_idle_staff_to_sign_in_again(client, clinician):
    client.force_login(clinician)
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client.get(reverse("home"))
    with time_machine.travel(datetime(2026, 11, 27, 9, 29, tzinfo=UTC), tick=False):
        assert still_signed_in(client)
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC), tick=False):
        assert not still_signed_in(client)


def test_it_moves_a_staff_deadline_at_most_once_a_minute(
    client, clinician, django_assert_num_queries
):
    client.force_login(clinician)
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client.get(reverse("home"))
    # Within the minute: the session and the user are read, the session is not written.
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, 59, tzinfo=UTC), tick=False):
        with django_assert_num_queries(2):
            assert still_signed_in(client)
    # Later requests move it again: 9:29 keeps the clinician signed in until 9:59.
    with time_machine.travel(datetime(2026, 11, 27, 9, 29, tzinfo=UTC), tick=False):
        client.get(reverse("home"))
    with time_machine.travel(datetime(2026, 11, 27, 9, 58, tzinfo=UTC), tick=False):
        assert still_signed_in(client)
    with time_machine.travel(datetime(2026, 11, 27, 10, 29, 1, tzinfo=UTC), tick=False):
        assert not still_signed_in(client)
