"""The bounded load run against real gunicorn (two workers) on the test database: patients
record ratings, some tapping Save twice at the same moment, while a clinician reads the
dashboard. Nothing answered with success may be lost or stored twice.

The run's throughput is printed by `manage.py benchmark --load`, never asserted here.
"""

from collections import Counter

import pytest
from diary.loadrun import load_run

from diary.models import Rating

REQUESTS = 60


@pytest.mark.django_db(transaction=True)
def test_ratings_recorded_under_load_are_each_stored_exactly_once(clinic, clinician):
    result = load_run(clinic, clinician, patients=4, readers=1, requests=REQUESTS)

    assert result.mixed.failures == []
    assert result.bare.failures == []
    assert result.server_errors == []
    # The run did its work: most of the requests, ratings of both kinds, double taps.
    assert REQUESTS - 10 <= result.mixed.requests <= REQUESTS
    assert result.bare.requests == result.mixed.requests
    assert {key.split("-")[0] for _, key in result.answered} == {"provocation", "hour", "day"}
    assert len(result.doubles) >= 4
    # Counted here, from the database, not from the run's own check.
    stored = Counter((rating.episode_id, rating.slot_key) for rating in Rating.objects.all())
    assert stored == Counter(result.answered.keys())
    assert {
        (rating.episode_id, rating.slot_key): rating.pain for rating in Rating.objects.all()
    } == result.answered
    assert all(stored[key] == 1 for key in result.doubles)
    assert result.ok
