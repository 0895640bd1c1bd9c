"""The episode chart as SVG, for the patient and for the clinic's clinicians alike."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from diary import charts
from diary.models import PROVOCATION_SLOT, AuditEvent, Kind, Rating
from tests.conftest import make_episode

pytestmark = pytest.mark.django_db

INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)

# The session, the user, the episode's version, the audit entry; drawing the chart reads the
# whole episode and its ratings as well. A patient's look is not audited.
CLINICIAN_QUERIES = 4
DRAWING_QUERIES = 6
PATIENT_QUERIES = 3


def url(episode):
    return reverse("episodes:chart", args=[episode.uuid])


def rate(episode, *, minutes=None, day=None, pain=5, **fields):
    if day is None:
        at = episode.injected_at + timedelta(minutes=minutes)
        slot = PROVOCATION_SLOT if minutes < 60 else min(6, round(minutes / 60))
        fields.update(kind=Kind.TIMED, slot=slot, felt_at=at)
    else:
        at = episode.injected_at + timedelta(days=day, hours=9)
        fields.update(kind=Kind.DAILY, day=day)
    return Rating.objects.create(episode=episode, recorded_at=at, pain=pain, **fields)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def diary(patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=8)
    rate(episode, minutes=24, pain=1)
    rate(episode, day=1, pain=6)
    return episode


def test_it_sends_anonymous_visitors_to_sign_in(client, diary):
    response = client.get(url(diary))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("patient", 200),
        ("clinician", 200),
        ("other_patient", 404),
        ("other_clinician", 404),
        ("admin_user", 404),
    ],
)
def test_it_shows_the_chart_to_its_patient_and_the_clinics_clinicians_only(
    client, request, diary, who, status
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(diary)).status_code == status


def test_it_serves_svg_that_is_private_with_an_etag(client, patient, diary):
    client.force_login(patient)

    response = client.get(url(diary))

    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    assert "private" in response["Cache-Control"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', response["ETag"])


@pytest.mark.parametrize(
    ("query", "width"),
    [("", b'width="576pt"'), ("?size=small", b'width="288pt"'), ("?size=x", b'width="576pt"')],
)
def test_it_draws_a_wide_chart_or_a_small_one_for_phones(client, patient, diary, query, width):
    client.force_login(patient)

    assert width in client.get(url(diary) + query).content[:1000]


def test_it_gives_each_size_its_own_etag(client, patient, diary):
    client.force_login(patient)
    wide = client.get(url(diary))["ETag"]

    response = client.get(url(diary) + "?size=small", headers={"If-None-Match": wide})

    assert response.status_code == 200
    assert response["ETag"] != wide


def test_it_titles_the_chart_with_side_and_date(client, patient, diary):
    client.force_login(patient)

    assert b"Right side, injection of 13 Jan 2026" in client.get(url(diary)).content


def test_it_answers_304_when_the_browser_has_the_same_chart(client, patient, diary):
    client.force_login(patient)
    etag = client.get(url(diary))["ETag"]

    response = client.get(url(diary), headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_it_sends_the_chart_again_when_the_browser_has_another(client, patient, diary):
    client.force_login(patient)

    response = client.get(url(diary), headers={"If-None-Match": '"something-else"'})

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


def test_it_changes_the_etag_after_a_new_rating(client, patient, diary):
    client.force_login(patient)
    before = client.get(url(diary))["ETag"]

    rate(diary, day=2, pain=4)
    response = client.get(url(diary), headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response["ETag"] != before


def test_it_changes_the_etag_after_a_corrected_rating(client, patient, diary):
    client.force_login(patient)
    before = client.get(url(diary))["ETag"]

    rating = Rating.objects.get(episode=diary, day=1)
    rating.pain = 2  # same time, new pain: as the correction page and the admin save it
    rating.save()

    assert client.get(url(diary), headers={"If-None-Match": before}).status_code == 200


def test_it_changes_the_etag_after_the_episode_is_edited(client, clinician, diary):
    client.force_login(clinician)
    before = client.get(url(diary))["ETag"]

    diary.baseline_pain = 6
    diary.save()
    response = client.get(url(diary), headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response["ETag"] != before


def test_it_changes_the_etag_when_the_clinic_changes_its_rules(client, clinician, clinic, diary):
    client.force_login(clinician)
    before = client.get(url(diary))["ETag"]

    clinic.positive_relief = 50
    clinic.save()

    assert client.get(url(diary))["ETag"] != before


def test_it_draws_a_chart_once_and_serves_it_from_the_cache(client, patient, diary, monkeypatch):
    drawn = []
    draw = charts.episode_figure
    monkeypatch.setattr(charts, "episode_figure", lambda **kw: drawn.append(1) or draw(**kw))
    client.force_login(patient)

    first = client.get(url(diary))
    second = client.get(url(diary))

    assert first.content == second.content
    assert len(drawn) == 1


def test_it_draws_an_episode_without_ratings_or_baseline(client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=None)
    client.force_login(patient)

    response = client.get(url(episode))

    assert response.status_code == 200
    assert b"No ratings yet" in response.content


def test_it_is_on_the_patients_history_with_its_text_alternative(client, patient, diary):
    client.force_login(patient)

    response = client.get(reverse("patient:history"))

    image = re.search(rf'<img class="chart" src="{url(diary)}"[^>]*alt="([^"]+)"', response.text)
    assert image is not None
    assert html.unescape(image.group(1)).startswith(
        "Pain chart. Baseline 8/10. Provocation test at 24 min: pain 1/10, relief 88 %."
    )


@pytest.mark.parametrize("ratings", [2, 14])
def test_it_runs_the_same_number_of_queries_however_long_the_diary(
    client, patient, clinician, django_assert_num_queries, ratings
):
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=8)
    rate(episode, minutes=24, pain=1)
    for day in range(1, ratings):
        rate(episode, day=day, pain=4)
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


def test_it_records_each_clinician_view_of_the_chart_in_the_audit_log(client, clinician, episode):
    client.force_login(clinician)
    url = reverse("episodes:chart", args=[episode.uuid])

    etag = client.get(url)["ETag"]
    client.get(url, HTTP_IF_NONE_MATCH=etag)

    events = AuditEvent.objects.filter(what="chart", episode_uuid=episode.uuid)
    assert [event.actor for event in events] == [clinician, clinician]


def test_the_audit_entry_names_the_episode_and_its_patient_and_a_miss_leaves_none(
    client, clinician, patient, episode
):
    client.force_login(clinician)
    client.get(reverse("home"))

    assert client.get(reverse("episodes:chart", args=[episode.uuid])).status_code == 200
    assert client.get(reverse("episodes:chart", args=[uuid.uuid4()])).status_code == 404

    (entry,) = AuditEvent.objects.filter(what="chart")
    assert (entry.actor, entry.action) == (clinician, AuditEvent.Action.VIEW)
    assert (entry.episode_uuid, entry.patient_public_id) == (episode.uuid, patient.public_id)
    assert entry.ip_address == "127.0.0.1" and entry.actor_username == clinician.username
