"""The baseline the patient gave on arrival, entered by the clinician."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from diary.models import AuditEvent
from tests.factories import make_episode
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)
AFTER = INJECTED + timedelta(minutes=15)
VALID = {"provoking_activity": "getting out of the car", "baseline_pain": "8"}


def url(episode):
    return reverse("clinic:baseline", args=[episode.uuid])


@pytest.fixture
def without_baseline(patient, clinician):
    return make_episode(patient, clinician, injected_at=INJECTED, baseline=None)


def test_it_hides_the_clinicians_page_from_the_patient_and_other_clinics(
    clinic_stranger_client, without_baseline
):
    assert clinic_stranger_client.get(url(without_baseline)).status_code == 404
    assert clinic_stranger_client.post(url(without_baseline), VALID).status_code == 404
    without_baseline.refresh_from_db()
    assert without_baseline.baseline_pain is None


def test_it_shows_the_form_with_its_own_submit_label(clinician_client, without_baseline):
    with at(AFTER):
        response = clinician_client.get(url(without_baseline))
    assert response.status_code == 200
    assert 'value="Save baseline"' in response.text
    assert "Pain the patient reports during it" in response.text


def test_the_clinician_records_the_baseline_after_the_injection(
    clinician_client, clinician, without_baseline
):
    with at(AFTER):
        response = clinician_client.post(url(without_baseline), VALID)

    assert response.status_code == 302
    assert response.url == reverse("clinic:episode", args=[without_baseline.uuid])
    without_baseline.refresh_from_db()
    assert without_baseline.baseline_pain == 8
    assert without_baseline.provoking_activity == "getting out of the car"
    assert without_baseline.baseline_recorded_by == clinician
    assert without_baseline.baseline_recorded_at == AFTER
    [event] = AuditEvent.objects.all()
    assert (event.actor, event.what, event.after["baseline_pain"]) == (clinician, "baseline", 8)


def test_it_keeps_a_baseline_already_recorded(clinician_client, episode, patient):
    episode.baseline_recorded_by = patient
    episode.save()
    response = clinician_client.post(url(episode), VALID, follow=True)
    assert "The baseline was already recorded: pain 7/10 when standing up." in response.text
    episode.refresh_from_db()
    assert (episode.baseline_pain, episode.baseline_recorded_by) == (7, patient)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"baseline_pain": "11"}, "Pain is a whole number from 0 (no pain) to 10."),
        ({"baseline_pain": ""}, "Choose the pain the patient reports, 0 to 10."),
        ({"provoking_activity": "   "}, "This field is required."),
    ],
)
def test_it_explains_bad_input_and_saves_nothing(
    clinician_client, without_baseline, change, message
):
    with at(AFTER):
        response = clinician_client.post(url(without_baseline), {**VALID, **change})
    assert response.status_code == 200
    assert message in text(response.text)
    without_baseline.refresh_from_db()
    assert without_baseline.baseline_pain is None
