"""Builders of test data. They write through the models' own save(), as painlog's pages do,
so every receiver runs: an episode's stored reading and its clinic's dashboard follow."""

from datetime import timedelta

from django.utils import timezone

from diary.models import (
    PROVOCATION_SLOT,
    Anesthetic,
    BlockType,
    Episode,
    Kind,
    Rating,
    Side,
    User,
)


def make_user(username, role, clinic, **fields):
    return User.objects.create_user(
        username=username,
        password="pw",
        role=role,
        clinic=clinic,
        first_name=username.title(),
        last_name="Test",
        **fields,
    )


def make_episode(patient, clinician=None, *, injected_at=None, baseline=7, **fields):
    """The patient's injection, 25 minutes ago unless `injected_at` says otherwise."""
    injected_at = injected_at or timezone.now() - timedelta(minutes=25)
    values = {
        "clinic": patient.clinic,
        "patient": patient,
        "clinician": clinician,
        "scheduled_at": injected_at,
        "performed_at": injected_at,
        "side": Side.RIGHT,
        "block_type": BlockType.THERAPEUTIC,
        "anesthetic": Anesthetic.BUPIVACAINE,
        "steroid": "triamcinolone 40 mg",
        "baseline_pain": baseline,
        "provoking_activity": "standing up" if baseline is not None else "",
        "diary_days": patient.clinic.diary_days,
        "timed_ratings": patient.clinic.timed_ratings,
    }
    values.update(fields)
    return Episode.objects.create(**values)


def slot_of(minutes):
    """The prompt a timed rating felt `minutes` after the injection answers."""
    return PROVOCATION_SLOT if minutes < 60 else min(6, round(minutes / 60))


def timed(episode, minutes, pain, **fields):
    """A timed rating, felt and recorded `minutes` after the injection."""
    at = episode.injected_at + timedelta(minutes=minutes)
    values = {"slot": slot_of(minutes), "felt_at": at, "recorded_at": at, **fields}
    return Rating.objects.create(episode=episode, kind=Kind.TIMED, pain=pain, **values)


def daily(episode, day, pain, *, hours=9, **fields):
    """Day `day`'s rating, recorded `hours` after the injection's time on that day."""
    at = episode.injected_at + timedelta(days=day, hours=hours)
    values = {"recorded_at": at, **fields}
    return Rating.objects.create(episode=episode, kind=Kind.DAILY, day=day, pain=pain, **values)


def rating_for(episode, key, pain, **fields):
    """The patient's rating for the prompt `key` ("provocation", "hour-3", "day-2"), felt and
    recorded at this moment (the clock may be frozen), as the rating page saves it."""
    now = timezone.now()
    if key.startswith("day-"):
        values = {"kind": Kind.DAILY, "day": int(key.removeprefix("day-"))}
    else:
        slot = PROVOCATION_SLOT if key == "provocation" else int(key.removeprefix("hour-"))
        values = {"kind": Kind.TIMED, "slot": slot, "felt_at": now}
    values = {"recorded_at": now, "recorded_by": episode.patient, **values, **fields}
    return Rating.objects.create(episode=episode, pain=pain, **values)


def make_diary(patient, *, timed_pain=(), daily_pain=(), **fields):
    """An episode (`fields` as for make_episode) with timed ratings {minutes: pain} and daily
    ratings {day: pain}."""
    episode = make_episode(patient, **fields)
    for minutes, pain in dict(timed_pain).items():
        timed(episode, minutes, pain)
    for day, pain in dict(daily_pain).items():
        daily(episode, day, pain)
    return episode


def change(ratings, **values):
    """Change `ratings` as a correction saves them."""
    for rating in ratings:
        for name, value in values.items():
            setattr(rating, name, value)
        rating.save()
