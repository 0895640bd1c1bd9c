"""diary/prepared.py: queries compiled once load the same rows, the same values, as the ORM."""

import uuid
from datetime import timedelta

import pytest
from django.db.models import Model

from diary.access import EPISODE_OF_CLINIC, EPISODE_OF_PATIENT, EPISODES_OF_PATIENT, RATINGS
from diary.models import PROVOCATION_SLOT, AuditEvent, Episode, Kind, Rating
from diary.prepared import Prepared
from tests.conftest import make_episode

pytestmark = pytest.mark.django_db


def fields(instance: Model):
    """Every column's value, with its Python type."""
    return {
        field.attname: (getattr(instance, field.attname), type(getattr(instance, field.attname)))
        for field in type(instance)._meta.concrete_fields
    }


def test_it_loads_what_the_orm_loads(patient, clinician):
    episode = make_episode(patient, clinician)
    at = episode.injected_at + timedelta(minutes=25)
    Rating.objects.create(
        episode=episode,
        kind=Kind.TIMED,
        slot=PROVOCATION_SLOT,
        felt_at=at,
        recorded_at=at,
        pain=2,
        relief=80,
        fever_redness=True,
        note="Ça va — «mieux»",
    )
    Rating.objects.create(episode=episode, kind=Kind.DAILY, day=1, pain=4, recorded_at=at)

    (loaded,) = EPISODE_OF_PATIENT(patient=patient.pk, uuid=episode.uuid)
    assert fields(loaded) == fields(Episode.objects.get(pk=episode.pk))
    assert isinstance(loaded.review, dict) and loaded.review["total"] > 0
    assert loaded.starts_at.tzinfo is not None
    assert not loaded._state.adding and loaded._state.db == "default"

    # Its clinic, joined in the same query.
    assert "clinic" in loaded._state.fields_cache
    assert fields(loaded.clinic) == fields(type(loaded.clinic).objects.get(pk=episode.clinic_id))
    assert [fields(one) for one in EPISODES_OF_PATIENT(patient=patient.pk)] == [fields(loaded)]

    (seen,) = EPISODE_OF_CLINIC(clinic=episode.clinic_id, uuid=episode.uuid)
    assert fields(seen) == fields(loaded)
    assert fields(seen.patient) == fields(type(patient).objects.get(pk=patient.pk))
    assert fields(seen.clinic) == fields(loaded.clinic)

    ratings = sorted(RATINGS(episode=episode.pk), key=lambda rating: rating.pk)
    expected = list(Rating.objects.filter(episode=episode).order_by("pk"))
    assert [fields(rating) for rating in ratings] == [fields(rating) for rating in expected]


def test_it_finds_nothing_for_values_that_match_nothing(patient):
    assert EPISODE_OF_PATIENT(patient=patient.pk, uuid=uuid.uuid4()) == []


def test_it_refuses_a_query_that_leaves_columns_out_or_joins_deeper():
    narrow = Prepared(AuditEvent, lambda pk: AuditEvent.objects.filter(pk=pk).only("pk"), pk=-71)
    with pytest.raises(ValueError, match="every column"):
        narrow(pk=1)
    deep = Prepared(
        Rating, lambda pk: Rating.objects.filter(pk=pk).select_related("episode__clinic"), pk=-72
    )
    with pytest.raises(ValueError, match="foreign keys of its own model only"):
        deep(pk=1)
