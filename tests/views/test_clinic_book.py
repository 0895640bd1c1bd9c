"""Booking another injection for a patient already enrolled."""

import uuid
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from diary.models import Episode
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

# July: London is on summer time (BST, UTC+1).
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
VALID = {
    "scheduled_at": "2026-07-08T14:15",
    "side": "bilateral",
    "block_type": "diagnostic",
    "anesthetic": "lidocaine",
    "steroid": "",
    "booking_token": "5a0c7a4e-8f0b-4bb4-9e55-2f1d7e4c3b21",
}


def url(patient):
    return reverse("clinic:book", args=[patient.public_id])


def test_it_hides_the_patient_from_patients_and_other_clinics(clinic_stranger_client, patient):
    assert clinic_stranger_client.get(url(patient)).status_code == 404
    with at(NOW):
        assert clinic_stranger_client.post(url(patient), VALID).status_code == 404
    assert not Episode.objects.exists()


def test_it_answers_404_for_an_unknown_patient(clinician_client):
    assert clinician_client.get(reverse("clinic:book", args=[uuid.uuid4()])).status_code == 404


def test_it_does_not_book_for_a_clinician(clinician_client, clinician):
    assert clinician_client.get(url(clinician)).status_code == 404


def test_it_shows_the_form_to_the_patients_clinician(clinician_client, patient):
    response = clinician_client.get(url(patient))
    assert response.status_code == 200
    assert "Book an injection for Patient Test" in text(response.text)
    assert 'name="first_name"' not in response.text


def test_it_books_an_episode_for_the_patient(clinician_client, clinician, patient, clinic):
    with at(NOW):
        response = clinician_client.post(url(patient), VALID)

    episode = Episode.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clinic:episode", args=[episode.uuid])
    assert episode.patient == patient
    assert episode.clinic == clinic
    assert episode.clinician == clinician
    assert episode.scheduled_at == datetime(2026, 7, 8, 13, 15, tzinfo=UTC)  # BST is UTC+1
    assert (episode.side, episode.block_type, episode.steroid) == ("bilateral", "diagnostic", "")
    assert episode.diary_days == clinic.diary_days


def test_a_form_sent_twice_books_once(clinician_client, patient):
    with at(NOW):
        first = clinician_client.post(url(patient), VALID)
        second = clinician_client.post(url(patient), VALID)
    assert Episode.objects.count() == 1
    assert second.status_code == 302
    assert second.url == first.url


def test_a_booking_sent_to_another_patient_books_nothing(clinician_client, patient, other_patient):
    """The same form cannot book twice, whichever patient's address it is sent to."""
    with at(NOW):
        clinician_client.post(url(patient), VALID)
        clinician_client.post(url(other_patient), VALID)
    assert list(Episode.objects.values_list("patient", flat=True)) == [patient.pk]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"side": ""}, "Choose the side: left, right or bilateral."),
        ({"block_type": "therapeutic"}, "A therapeutic block names its steroid."),
        ({"anesthetic": ""}, "Choose the anesthetic."),
        ({"scheduled_at": "08/07/2026 2pm"}, "Enter a date and time, for example"),
        ({"scheduled_at": "2026-03-29T01:30"}, "2026-03-29 01:30 does not exist in Europe/London"),
    ],
)
def test_it_explains_bad_input_and_saves_nothing(clinician_client, patient, change, message):
    with at(NOW):
        response = clinician_client.post(url(patient), {**VALID, **change})
    assert response.status_code == 200
    assert message in text(response.text)
    assert not Episode.objects.exists()
