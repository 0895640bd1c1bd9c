"""seed_load: clinics of fake diaries at a realistic rate, separate from the demo data."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from diary.models import Clinic, Episode, Rating

pytestmark = pytest.mark.django_db


def running(clinic, now):
    """Diaries started in the last ten days."""
    return Episode.objects.filter(
        clinic=clinic, starts_at__lte=now, starts_at__gt=now - timedelta(days=10)
    ).count()


def test_a_larger_clinic_has_a_longer_history_not_more_diaries_at_once():
    call_command("seed_load", clinics=1, patients=240, stdout=None)
    small = Clinic.objects.get(name="Load clinic 1")
    call_command("seed_load", clinics=1, patients=2400, stdout=None)  # replaces the first
    assert not Clinic.objects.filter(pk=small.pk).exists()
    large = Clinic.objects.get(name="Load clinic 1")
    now = timezone.now()

    episodes = Episode.objects.filter(clinic=large)
    assert episodes.count() == 2400
    oldest = episodes.order_by("starts_at").first().starts_at
    # 12 injections a day: 2,400 are 200 days, the latest booked two days ahead.
    assert timedelta(days=195) < now - oldest < timedelta(days=200)
    assert 20 <= episodes.filter(starts_at__gt=now).count() <= 28
    assert 110 <= running(large, now) <= 130
    # About 12.5 ratings a diary, none ahead of now.
    ratings = Rating.objects.filter(episode__clinic=large)
    assert 12 < ratings.count() / episodes.filter(starts_at__lte=now).count() < 16
    assert not ratings.filter(recorded_at__gt=now).exists()
