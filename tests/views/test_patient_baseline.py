"""The baseline: the usual pain and the activity that provokes it, before the injection."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

import diary.views.patient as patient_views
from diary.access import episode_for
from diary.models import Episode
from tests.factories import make_episode
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)  # London is on UTC in January
BEFORE = INJECTED - timedelta(hours=1)
AFTER = INJECTED + timedelta(minutes=25)
VALID = {"provoking_activity": "standing up from a chair", "baseline_pain": "7"}

AFTER_INJECTION_MESSAGE = (
    "The usual pain is recorded before the injection. Tell your clinic the number."
)


def url(episode):
    return reverse("patient:baseline", args=[episode.uuid])


@pytest.fixture
def booked(patient, clinician):
    """The patient's injection, booked for 10:00 with no baseline yet."""
    return make_episode(patient, clinician, injected_at=INJECTED, baseline=None)


def baseline_of(episode):
    episode.refresh_from_db()
    return episode.baseline_pain, episode.provoking_activity


def test_it_asks_for_the_activity_and_the_usual_pain(patient_client, booked):
    with at(BEFORE):
        response = patient_client.get(url(booked))

    assert response.status_code == 200
    assert "Which activity usually brings on your pain?" in response.text
    assert len(re.findall(r'name="baseline_pain"', response.text)) == 11
    assert "Worst pain imaginable" in response.text


def test_it_saves_the_usual_pain_before_the_injection(patient_client, patient, booked):
    with at(BEFORE):
        response = patient_client.post(url(booked), VALID, follow=True)

    assert response.redirect_chain == [(reverse("patient:today"), 302)]
    assert "Your usual pain is saved." in response.text
    booked.refresh_from_db()
    assert (booked.baseline_pain, booked.provoking_activity) == (7, "standing up from a chair")
    assert (booked.baseline_recorded_at, booked.baseline_recorded_by) == (BEFORE, patient)


def test_it_no_longer_takes_the_usual_pain_once_the_injection_is_done(patient_client, booked):
    with at(AFTER):
        shown = patient_client.get(url(booked), follow=True)
        posted = patient_client.post(url(booked), VALID, follow=True)

    for response in (shown, posted):
        assert response.redirect_chain == [(reverse("patient:today"), 302)]
        assert AFTER_INJECTION_MESSAGE in text(response.text)
    assert baseline_of(booked) == (None, "")


def test_it_does_not_overwrite_a_saved_baseline(patient_client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=6)

    with at(BEFORE):
        response = patient_client.post(url(episode), {**VALID, "baseline_pain": "9"}, follow=True)

    assert "This rating is already saved." in response.text
    assert baseline_of(episode) == (6, "standing up")


def test_it_keeps_the_first_answer_of_a_double_tap(patient_client, booked):
    with at(BEFORE):
        first = patient_client.post(url(booked), VALID)
        second = patient_client.post(url(booked), {**VALID, "baseline_pain": "3"}, follow=True)

    assert first.status_code == 302
    assert second.redirect_chain == [(reverse("patient:today"), 302)]
    assert "already saved" in second.text
    assert baseline_of(booked) == (7, "standing up from a chair")


def test_it_keeps_the_first_answer_when_a_second_tab_saves_later(
    patient_client, patient, booked, monkeypatch
):
    # The second tab loaded the episode before the first tab's answer reached the database.
    stale = episode_for(patient, booked.uuid)
    first_tab = Episode.objects.get(pk=booked.pk)
    first_tab.baseline_pain, first_tab.provoking_activity = 5, "walking"
    first_tab.save()
    monkeypatch.setattr(patient_views, "episode_for", lambda user, episode_uuid: stale)

    with at(BEFORE):
        response = patient_client.post(url(booked), VALID, follow=True)

    assert "Your usual pain was already saved." in response.text
    assert baseline_of(booked) == (5, "walking")


@pytest.mark.parametrize(
    "data, error",
    [
        pytest.param(
            {**VALID, "baseline_pain": "11"},
            "Pain is a whole number from 0 (no pain) to 10.",
            id="pain-11",
        ),
        pytest.param(
            {**VALID, "baseline_pain": "abc"},
            "Pain is a whole number from 0 (no pain) to 10.",
            id="pain-abc",
        ),
        pytest.param(
            {"provoking_activity": "walking"},
            "Tap a number from 0 to 10 for your pain.",
            id="no-pain",
        ),
        pytest.param(
            {**VALID, "provoking_activity": "   "}, "This field is required.", id="blank-activity"
        ),
        pytest.param(
            {**VALID, "provoking_activity": "x" * 201},
            "Ensure this value has at most 200 characters (it has 201).",
            id="long-activity",
        ),
    ],
)
def test_it_explains_invalid_input_and_saves_nothing(patient_client, booked, data, error):
    with at(BEFORE):
        response = patient_client.post(url(booked), data)

    assert response.status_code == 200
    assert "Please check the answers marked below." in response.text
    assert error in text(response.text)
    assert baseline_of(booked) == (None, "")


def test_it_is_not_open_a_month_and_more_ahead(patient_client, booked):
    with at(INJECTED - timedelta(days=31)):
        response = patient_client.post(url(booked), VALID, follow=True)

    assert "This rating is not open yet." in response.text
    assert baseline_of(booked) == (None, "")


def test_it_hides_the_episode_from_everyone_but_its_patient(diary_stranger_client, booked):
    with at(BEFORE):
        shown = diary_stranger_client.get(url(booked))
        posted = diary_stranger_client.post(url(booked), VALID)

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert baseline_of(booked) == (None, "")


def test_it_answers_not_found_for_a_tampered_episode_id(patient_client, booked):
    with at(BEFORE):
        response = patient_client.post(reverse("patient:baseline", args=[uuid.uuid4()]), VALID)

    assert response.status_code == 404
    assert baseline_of(booked) == (None, "")


def test_it_sends_an_anonymous_visitor_to_sign_in_and_saves_nothing(client, booked):
    with at(BEFORE):
        response = client.post(url(booked), VALID)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url(booked)}"
    assert baseline_of(booked) == (None, "")


def test_it_refuses_a_put(patient_client, booked):
    with at(BEFORE):
        response = patient_client.put(url(booked), VALID)

    assert response.status_code == 405
    assert baseline_of(booked) == (None, "")
