"""The episode chart as SVG, for the patient and for the clinic's clinicians alike."""

import html
import re
import uuid
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from diary import charts
from diary.models import AuditEvent
from tests.factories import change, daily, make_diary, make_episode

pytestmark = pytest.mark.django_db

INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)

# The session, the user, the episode's version, the audit entry; drawing the chart reads the
# whole episode and its ratings as well. A patient's look is not audited.
CLINICIAN_QUERIES = 4
DRAWING_QUERIES = 6
PATIENT_QUERIES = 3


def url(episode):
    return reverse("episodes:chart", args=[episode.uuid])


def chart_diary(patient, clinician, daily_pain):
    """Baseline 8, the provocation test at 24 minutes (pain 1), daily ratings {day: pain}."""
    return make_diary(
        patient,
        clinician=clinician,
        injected_at=INJECTED,
        baseline=8,
        timed_pain={24: 1},
        daily_pain=daily_pain,
    )


@pytest.fixture
def diary(patient, clinician):
    return chart_diary(patient, clinician, {1: 6})


def test_it_serves_svg_that_is_private_with_an_etag(patient_client, diary):
    response = patient_client.get(url(diary))

    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    assert "private" in response["Cache-Control"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', response["ETag"])


@pytest.mark.parametrize(
    ("query", "width"),
    [("", b'width="576pt"'), ("?size=small", b'width="288pt"'), ("?size=x", b'width="576pt"')],
)
def test_it_draws_a_wide_chart_or_a_small_one_for_phones(patient_client, diary, query, width):
    assert width in patient_client.get(url(diary) + query).content[:1000]


def test_it_gives_each_size_its_own_etag(patient_client, diary):
    wide = patient_client.get(url(diary))["ETag"]

    response = patient_client.get(url(diary) + "?size=small", headers={"If-None-Match": wide})

    assert response.status_code == 200
    assert response["ETag"] != wide


def test_it_titles_the_chart_with_side_and_date(patient_client, diary):
    assert b"Right side, injection of 13 Jan 2026" in patient_client.get(url(diary)).content


def test_it_answers_304_when_the_browser_has_the_same_chart(patient_client, diary):
    etag = patient_client.get(url(diary))["ETag"]

    response = patient_client.get(url(diary), headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_it_sends_the_chart_again_when_the_browser_has_another(patient_client, diary):
    response = patient_client.get(url(diary), headers={"If-None-Match": '"something-else"'})

    assert response.status_code == 200
    assert b"<svg" in response.content


def test_it_gives_the_same_chart_the_same_etag_for_patient_and_clinician(
    client, patient, clinician, diary
):
    client.force_login(patient)
    for_patient = client.get(url(diary))
    client.force_login(clinician)
    for_clinician = client.get(url(diary))

    assert for_patient["ETag"] == for_clinician["ETag"]
    assert for_patient.content == for_clinician.content


def test_it_changes_the_etag_after_a_new_rating(patient_client, diary):
    before = patient_client.get(url(diary))["ETag"]

    daily(diary, 2, 4)
    response = patient_client.get(url(diary), headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response["ETag"] != before


def test_it_changes_the_etag_after_a_corrected_rating(patient_client, diary):
    before = patient_client.get(url(diary))["ETag"]

    change(diary.ratings.filter(day=1), pain=2)  # same time, new pain

    assert patient_client.get(url(diary), headers={"If-None-Match": before}).status_code == 200


def test_it_changes_the_etag_after_the_episode_is_edited(clinician_client, diary):
    before = clinician_client.get(url(diary))["ETag"]

    diary.baseline_pain = 6
    diary.save()
    response = clinician_client.get(url(diary), headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response["ETag"] != before


def test_it_changes_the_etag_when_the_clinic_changes_its_rules(clinician_client, clinic, diary):
    before = clinician_client.get(url(diary))["ETag"]

    clinic.positive_relief = 50
    clinic.save()

    assert clinician_client.get(url(diary))["ETag"] != before


def test_it_draws_a_chart_once_and_serves_it_from_the_cache(patient_client, diary, monkeypatch):
    drawn = []
    draw = charts.episode_figure
    monkeypatch.setattr(charts, "episode_figure", lambda **kw: drawn.append(1) or draw(**kw))

    first = patient_client.get(url(diary))
    second = patient_client.get(url(diary))

    assert first.content == second.content
    assert len(drawn) == 1


def test_it_draws_an_episode_without_ratings_or_baseline(patient_client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=None)

    response = patient_client.get(url(episode))

    assert response.status_code == 200
    assert b"No ratings yet" in response.content


def test_it_is_on_the_patients_history_with_its_text_alternative(patient_client, diary):
    response = patient_client.get(reverse("patient:history"))

    image = re.search(rf'<img class="chart" src="{url(diary)}"[^>]*alt="([^"]+)"', response.text)
    assert image is not None
    assert html.unescape(image.group(1)).startswith(
        "Pain chart. Baseline 8/10. Provocation test at 24 min: pain 1/10, relief 88 %."
    )


@pytest.mark.parametrize("ratings", [2, 14])
def test_it_runs_the_same_number_of_queries_however_long_the_diary(
    client, patient, clinician, django_assert_num_queries, ratings
):
    episode = chart_diary(patient, clinician, dict.fromkeys(range(1, ratings), 4))
    client.force_login(clinician)
    client.get(reverse("home"))  # the staff session's idle deadline moves
    cache.clear()

    with django_assert_num_queries(DRAWING_QUERIES):
        assert client.get(url(episode)).status_code == 200
    with django_assert_num_queries(CLINICIAN_QUERIES):
        etag = client.get(url(episode))["ETag"]  # from the cache
    with django_assert_num_queries(CLINICIAN_QUERIES):
        assert client.get(url(episode), headers={"If-None-Match": etag}).status_code == 304
    client.force_login(patient)
    with django_assert_num_queries(PATIENT_QUERIES):
        assert client.get(url(episode)).status_code == 200


def test_it_records_each_clinician_view_of_the_chart_in_the_audit_log(
    clinician_client, clinician, episode
):
    url = reverse("episodes:chart", args=[episode.uuid])

    etag = clinician_client.get(url)["ETag"]
    clinician_client.get(url, HTTP_IF_NONE_MATCH=etag)

    events = AuditEvent.objects.filter(what="chart", episode_uuid=episode.uuid)
    assert [event.actor for event in events] == [clinician, clinician]


def test_the_audit_entry_names_the_episode_and_its_patient_and_a_miss_leaves_none(
    clinician_client, clinician, patient, episode
):
    clinician_client.get(reverse("home"))

    assert clinician_client.get(reverse("episodes:chart", args=[episode.uuid])).status_code == 200
    assert clinician_client.get(reverse("episodes:chart", args=[uuid.uuid4()])).status_code == 404

    (entry,) = AuditEvent.objects.filter(what="chart")
    assert (entry.actor, entry.action) == (clinician, AuditEvent.Action.VIEW)
    assert (entry.episode_uuid, entry.patient_public_id) == (episode.uuid, patient.public_id)
    assert entry.ip_address == "127.0.0.1" and entry.actor_username == clinician.username
