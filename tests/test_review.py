"""The stored reading (review.py) says what the live one says, at any moment, for any diary.

The dashboard sorts, filters and shows flags from readings stored at each write; the episode
page reads the diary live. Both must agree whatever the clock says, or a clinician would see
an episode "needing attention" on one page and not on the other.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from diary import dashboard, diagnosis, review, schedule, wording
from diary.models import Clinic, Episode, Kind, Rating
from tests.factories import make_episode
from tools.seeding import DiaryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # two days before London's clocks go forward

# Moments after the injection at which a reading changes: before it, the provocation window,
# the hourly windows, each day's midnight and the diary's end.
OFFSETS = [
    timedelta(minutes=-5),
    timedelta(minutes=10),
    timedelta(minutes=59),
    timedelta(minutes=61),
    timedelta(hours=2, minutes=1),
    timedelta(hours=7, minutes=1),
    *(timedelta(days=day, hours=hour) for day in range(1, 12) for hour in (0, 13)),
    timedelta(days=30),
]


def live(episode, now):
    """Status, flags and whether it needs attention, read afresh from the diary at `now`."""
    plan = episode.schedule(now)
    missed = [item for item in plan.missed if item.kind != schedule.BASELINE]
    # Due and not made, but still open: it can still be made.
    overdue = [item for item in plan.due if item.kind != schedule.BASELINE and item.due_at <= now]
    red = any(rating.fever_redness for rating in episode.ratings.all())
    raised = [
        (wording.FLAG_RED, red, 1),
        (wording.FLAG_NO_BASELINE, plan.item("baseline").state == schedule.MISSED, 1),
        (wording.FLAG_MISSED, bool(missed), len(missed)),
        (wording.FLAG_OVERDUE, bool(overdue), len(overdue)),
        (wording.FLAG_ANALGESIC, diagnosis.ANALGESIC_BEFORE_TEST in episode.summary.reasons, 1),
    ]
    flags = tuple((code, wording.flag_text(code, n)) for code, up, n in raised if up)
    codes = {code for code, _words in flags}
    if plan.status == schedule.STATUS_COMPLETE:
        needs_attention = wording.FLAG_RED in codes  # a red flag always
    else:
        # Only what can no longer be made: an overdue rating may still come.
        needs_attention = bool(
            codes & {wording.FLAG_RED, wording.FLAG_NO_BASELINE, wording.FLAG_MISSED}
        )
    return plan.status, flags, needs_attention


def live_and_stored(episode, now):
    stored = review.Reading.at(episode, now)
    return live(episode, now), (stored.status, stored.flags, stored.needs_attention)


@pytest.fixture
def diaries():
    """A few hundred varied diaries in two clinics, one with its own rules and zone."""
    factory = DiaryFactory(seed=3, now=NOW)
    london, clinician = factory.clinic("Load clinic London")
    sydney, sydney_clinician = factory.clinic("Load clinic Sydney")
    Clinic.objects.filter(pk=sydney.pk).update(
        time_zone="Australia/Sydney", provocation_window_start=15, provocation_fallback_end=45
    )
    sydney.refresh_from_db()
    factory.add_patients(london, clinician, 150)
    factory.add_patients(sydney, sydney_clinician, 100)
    return list(Episode.objects.with_diary())


def test_the_stored_reading_is_the_live_one_at_every_moment(diaries):
    compared = 0
    for episode in diaries:
        for offset in OFFSETS:
            now = episode.injected_at + offset
            live, stored = live_and_stored(episode, now)
            assert stored == live, (episode.pk, now)
            compared += 1
    assert compared > 5000
    # The diaries are varied enough for the comparison to mean something.
    at_now = [review.Reading.at(episode, NOW) for episode in diaries]
    assert {reading.status for reading in at_now} == {"upcoming", "in_progress", "complete"}
    assert sum(reading.needs_attention for reading in at_now) >= 10
    assert {code for reading in at_now for code, _words in reading.flags} == {
        "red_flag",
        "no_baseline",
        "missed",
        "overdue",
        "analgesic_before_test",
    }


def test_sql_finds_the_episodes_needing_attention_that_python_finds(diaries):
    for now in [NOW - timedelta(days=3), NOW, NOW + timedelta(hours=5), NOW + timedelta(days=9)]:
        # The dashboard's two lists of those needing attention: red flags, and late ones.
        reviews = dashboard.ReviewList(Episode.objects.all(), now, UTC)
        in_sql = {pk for queryset in (reviews.red, reviews.late) for pk in pks(queryset)}
        in_python = {e.pk for e in diaries if live(e, now)[2]}
        assert in_sql == in_python
        assert not in_sql & set(pks(reviews.others))


def pks(episodes):
    return episodes.values_list("pk", flat=True)


def test_the_stored_result_and_numbers_are_the_summarys(diaries):
    for episode in diaries:
        summary = episode.summary
        assert episode.result == summary.diagnostic
        assert episode.review["relief"] == summary.provocation_relief
        assert episode.review["steroid"] == summary.steroid
        assert episode.review["onset_day"] == summary.onset_day
        plan = episode.schedule(NOW)
        assert (episode.review["done"], episode.review["total"]) == (plan.done_count, plan.total)


def reading_of(episode):
    return review.Reading.at(Episode.objects.get(pk=episode.pk), NOW)


def test_a_rating_saved_through_the_app_is_read_at_once(client, patient):
    episode = make_episode(patient, injected_at=NOW - timedelta(days=2))
    assert ("missed", "2 ratings missed") not in reading_of(episode).flags

    client.force_login(patient)
    url = reverse("patient:rate", args=[episode.uuid, "day-1"])
    with time_machine.travel(episode.injected_at + timedelta(days=1, hours=10), tick=False):
        response = client.post(url, {"pain": "4", "fever_redness": "on", "ice_heat": "none"})
    assert response.status_code == 302

    reading = reading_of(episode)
    assert reading.needs_attention
    assert reading.flags[0] == ("red_flag", "Fever, redness or drainage reported")
    assert reading.done == 2  # the baseline and day 1


def test_a_changed_or_deleted_rating_and_new_clinic_rules_are_read_again(patient, clinic):
    episode = make_episode(patient, injected_at=NOW - timedelta(days=2), baseline=8)
    at = episode.injected_at + timedelta(minutes=25)
    rating = Rating.objects.create(
        episode=episode, kind=Kind.TIMED, slot=0, felt_at=at, recorded_at=at, pain=6
    )
    assert Episode.objects.get(pk=episode.pk).result == "negative"  # relief 25 %
    rating.pain = 1
    rating.save()
    assert Episode.objects.get(pk=episode.pk).result == "positive"  # relief 88 %

    clinic.positive_relief = 95
    clinic.save()
    assert Episode.objects.get(pk=episode.pk).result == "indeterminate"

    before = Episode.objects.get(pk=episode.pk).updated_at
    rating.delete()
    episode = Episode.objects.get(pk=episode.pk)
    assert (episode.result, episode.review["done"]) == ("incomplete", 1)  # the baseline only
    assert episode.updated_at > before


def test_refresh_readings_reads_every_episode_again(patient):
    # As after a release whose rules read the diary otherwise than the stored reading says.
    episode = make_episode(patient, injected_at=NOW)
    Episode.objects.filter(pk=episode.pk).update(result="", red_flag=True)

    call_command("refresh_readings", verbosity=0)

    episode.refresh_from_db()
    assert (episode.result, episode.red_flag) == ("incomplete", False)
