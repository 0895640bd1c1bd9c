"""The load run in short (tools/loadrun.py) on the test database: real gunicorn with two
workers, locust's patients signing in and recording what is due, some tapping Save twice at
the same moment, while a clinician reads the dashboard and episodes; then the bare view.
Nothing answered with success may be lost or stored twice.

The run's throughput is printed by `manage.py benchmark --load`, never asserted here.
"""

from collections import Counter

import pytest

from diary.models import Rating
from tools.loadrun import PATIENT_PREFIX, load_run


@pytest.mark.django_db(transaction=True)
def test_ratings_recorded_under_load_are_each_stored_exactly_once():
    # transaction=True: the seeding is committed, so gunicorn's workers see it.
    result = load_run(background=30, users=5, seconds=10, bare_seconds=5)

    assert result.mixed.errors == []
    assert result.bare.errors == []
    assert result.server_errors == []
    ratings = result.ratings
    assert (ratings.lost, ratings.duplicated, ratings.unsent) == ([], [], [])
    # The run did its work: ratings of each kind, some sent twice at once, and the bare view.
    assert ratings.expected >= 15
    assert {item.split("-")[0] for _, item in ratings.answered} == {"provocation", "hour", "day"}
    assert ratings.doubles >= 3
    assert result.bare.requests > 50
    # Counted here, from the database, not by the run's own check.
    stored = Rating.objects.filter(episode__patient__username__startswith=PATIENT_PREFIX)
    keys = [
        (str(rating.episode.uuid), rating.slot_key) for rating in stored.select_related("episode")
    ]
    assert Counter(keys) == Counter(ratings.answered.keys())
    assert {
        (str(rating.episode.uuid), rating.slot_key): {rating.pain}
        for rating in stored.select_related("episode")
    } == ratings.answered
    assert result.ok
