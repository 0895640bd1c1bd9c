from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from diary.models import AuditEvent, Rating
from tests.factories import make_episode, rating_for

pytestmark = pytest.mark.django_db


def correct_url(episode, key="provocation"):
    return reverse("patient:correct", args=[episode.uuid, key])


def test_it_lets_the_patient_correct_a_rating_within_the_hour(patient_client, episode):
    rating = rating_for(episode, "provocation", 2)

    response = patient_client.post(correct_url(episode), {"pain": "3", "relief": "60"})

    assert response.status_code == 302
    rating.refresh_from_db()
    assert (rating.pain, rating.relief) == (3, 60)


def test_it_keeps_the_earlier_value_in_the_audit_log(patient_client, patient, episode):
    rating = rating_for(episode, "provocation", 2)

    patient_client.post(correct_url(episode), {"pain": "5"})

    event = AuditEvent.objects.get(action="change", what="rating")
    assert event.before["pain"] == 2
    assert event.after["pain"] == 5
    assert event.actor == patient
    assert str(event.episode_uuid) == str(episode.uuid)
    assert rating.felt_at == Rating.objects.get(pk=rating.pk).felt_at  # when it hurt stays


def test_it_refuses_a_correction_after_60_minutes(patient_client, episode):
    rating = rating_for(episode, "provocation", 2)

    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        response = patient_client.post(correct_url(episode), {"pain": "9"}, follow=True)

    rating.refresh_from_db()
    assert rating.pain == 2
    assert "can be corrected for 60 minutes" in response.content.decode()
    assert not AuditEvent.objects.filter(action="change").exists()


def test_it_offers_the_correction_link_in_history_only_within_the_hour(patient_client, episode):
    rating_for(episode, "provocation", 2)
    link = correct_url(episode)

    assert link in patient_client.get(reverse("patient:history")).content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert link not in patient_client.get(reverse("patient:history")).content.decode()


def test_it_shows_errors_and_changes_nothing_on_bad_input(patient_client, episode):
    rating = rating_for(episode, "provocation", 2)

    response = patient_client.post(correct_url(episode), {"pain": "11"})

    assert response.status_code == 200
    assert "Pain is a whole number from 0" in response.content.decode()
    rating.refresh_from_db()
    assert rating.pain == 2


def test_it_hides_other_patients_ratings(client, other_patient, episode):
    rating_for(episode, "provocation", 2)
    client.force_login(other_patient)

    assert client.get(correct_url(episode)).status_code == 404
    assert client.post(correct_url(episode), {"pain": "0"}).status_code == 404


def test_it_answers_404_for_a_rating_not_recorded(patient_client, episode):
    assert patient_client.get(correct_url(episode, "hour-3")).status_code == 404


def test_it_does_not_let_a_patient_correct_what_the_clinic_recorded(
    patient_client, clinician, patient
):
    episode = make_episode(patient, clinician)
    rating_for(episode, "provocation", 2, recorded_by=clinician)

    response = patient_client.post(correct_url(episode), {"pain": "0"})

    assert response.status_code == 302
    assert Rating.objects.get().pain == 2
