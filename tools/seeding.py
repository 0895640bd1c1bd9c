"""Data at scale for benchmarks and load runs: clinics full of realistic, clearly fake diaries.

`python manage.py seed_load` runs `seed_load` below.

A clinic's episodes are injected at a steady rate (`--per-day`, 12 by default) going back in
time from two days ahead: 10,000 episodes are some two and a half years of a busy clinic.

Separate from the demo data (clinics are named "Load clinic N"); bulk inserts throughout, so
10,000 episodes with about 15 ratings each take seconds, not minutes.
"""

import random
from collections import Counter
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from diary import review, schedule
from diary.models import (
    PROVOCATION_SLOT,
    Anesthetic,
    BlockType,
    Clinic,
    Episode,
    Kind,
    Rating,
    Role,
    Side,
    User,
)

CLINIC_PREFIX = "Load clinic"
BATCH = 2000
# A busy spine clinic's SI joint injections a day. A clinic's episodes lie back in time at
# this rate, so a larger clinic has a longer history, not more diaries running at once:
# about ten days of injections are in their diary at any time, whatever the clinic's size.
PER_DAY = 12
# The latest bookings, this many days ahead.
BOOKED_AHEAD_DAYS = 2


class DiaryFactory:
    """Makes realistic diaries in bulk; also used by the benchmark to grow a clinic."""

    def __init__(self, seed=1, now=None, per_day=PER_DAY):
        self.random = random.Random(seed)
        self.now = now or timezone.now()
        self.per_day = per_day
        self.serial = 0
        self.made = Counter()  # episodes made for each clinic: the next one lies further back

    def clinic(self, name):
        clinic = Clinic.objects.create(name=name, time_zone="Europe/London")
        clinician = User.objects.create(
            username=f"{slugify(name)}-clinician",
            role=Role.CLINICIAN,
            clinic=clinic,
            password=make_password(None),
        )
        return clinic, clinician

    def add_patients(self, clinic, clinician, patient_count, episodes_per_patient=1):
        """Add patients with diaries to `clinic`; returns (episodes, ratings) created. One
        transaction: one wait for the disk, not one for each batch."""
        with transaction.atomic():
            return self.add_patients_now(clinic, clinician, patient_count, episodes_per_patient)

    def add_patients_now(self, clinic, clinician, patient_count, episodes_per_patient):
        # One unusable password hash for all: hashing 10,000 passwords would take minutes.
        password = make_password(None)
        first = self.serial
        self.serial += patient_count
        # bulk_create gives each its primary key on PostgreSQL and SQLite 3.35+ (RETURNING).
        patients = User.objects.bulk_create(
            [
                User(
                    username=f"{slugify(clinic.name)}-patient-{n}",
                    first_name="Load",
                    last_name=f"Patient {n}",
                    role=Role.PATIENT,
                    clinic=clinic,
                    password=password,
                )
                for n in range(first, self.serial)
            ],
            batch_size=BATCH,
        )
        episodes = [
            self.episode(clinic, clinician, patient)
            for patient in patients
            for _ in range(episodes_per_patient)
        ]
        diaries = [self.ratings(episode) for episode in episodes]
        Episode.objects.bulk_create(episodes, batch_size=BATCH)
        # Each rating takes its episode's new key from the object when it is inserted.
        ratings = [rating for diary in diaries for rating in diary]
        Rating.objects.bulk_create(ratings, batch_size=BATCH)
        # bulk_create sends no signal: store the readings as the app's saves would (the new
        # episodes are those without a stored reading).
        review.store(Episode.objects.filter(clinic=clinic, starts_at__isnull=True))
        analyze(Episode, Rating, User)
        return len(episodes), len(ratings)

    def episode(self, clinic, clinician, patient):
        older = self.made[clinic.pk]
        self.made[clinic.pk] += 1
        days_ago = (older + self.random.random()) / self.per_day - BOOKED_AHEAD_DAYS
        injected_at = self.now - timedelta(days=days_ago)
        baseline = self.random.choice([None, 3, 5, 6, 7, 7, 8, 8, 9, 10])
        therapeutic = self.random.random() < 0.7
        return Episode(
            clinic=clinic,
            patient=patient,
            clinician=clinician,
            scheduled_at=injected_at,
            performed_at=injected_at if days_ago > 0 else None,
            side=self.random.choice(Side.values),
            block_type=BlockType.THERAPEUTIC if therapeutic else BlockType.DIAGNOSTIC,
            anesthetic=self.random.choice(Anesthetic.values),
            steroid="triamcinolone 40 mg" if therapeutic else "",
            baseline_pain=baseline,
            provoking_activity="walking" if baseline is not None else "",
            diary_days=clinic.diary_days,
            timed_ratings=clinic.timed_ratings,
        )

    def ratings(self, episode):
        """About 15 ratings: the provocation test, hours 1–6 and daily entries that are due."""
        injected_at = episode.scheduled_at
        if injected_at > self.now:
            return []
        baseline = episode.baseline_pain or 6
        relief_level = self.random.random()  # how well this block worked
        pain_at_test = round(baseline * (1 - relief_level))
        entries = []
        for slot, minutes in [(PROVOCATION_SLOT, self.random.uniform(18, 35))] + [
            (hour, hour * 60 + self.random.uniform(0, 40)) for hour in schedule.TIMED_HOURS
        ]:
            felt_at = injected_at + timedelta(minutes=minutes)
            if felt_at > self.now:
                break
            pain = min(10, pain_at_test + round(slot * self.random.uniform(0, 1)))
            entries.append(
                Rating(
                    episode=episode,
                    kind=Kind.TIMED,
                    slot=slot,
                    felt_at=felt_at,
                    recorded_at=felt_at,
                    pain=pain,
                    analgesic=self.random.random() < 0.05,
                )
            )
        for day in range(1, episode.diary_days + 1):
            recorded_at = injected_at + timedelta(days=day, hours=self.random.uniform(0, 10))
            if recorded_at > self.now or self.random.random() < 0.1:
                continue
            trend = self.random.choice([-1, 0, 0, 1, 2])
            pain = max(0, min(10, baseline - trend * day // 3 + self.random.randint(-1, 1)))
            entries.append(
                Rating(
                    episode=episode,
                    kind=Kind.DAILY,
                    day=day,
                    recorded_at=recorded_at,
                    pain=pain,
                    fever_redness=self.random.random() < 0.01,
                )
            )
        return entries


def analyze(*models):
    """Refresh the planner's statistics of tables just filled, as autovacuum would soon after:
    PostgreSQL plans a table it has no statistics of as if it were small (a patient's ratings
    by a scan of all the ratings instead of an index)."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {tables}")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def delete_load_data():
    """The load clinics go, their people with their episodes and ratings (deleted together,
    so no rating's deletion reads its episode again)."""
    clinics = Clinic.objects.filter(name__startswith=CLINIC_PREFIX)
    Episode.objects.filter(clinic__in=clinics).delete()
    User.objects.filter(clinic__in=clinics).delete()
    clinics.delete()


def seed_load(*, clinics, patients, episodes, keep, seed, per_day):
    """Make `clinics` load clinics of `patients` patients with `episodes` episodes each;
    returns (episodes, ratings) made."""
    factory = DiaryFactory(seed, per_day=per_day)
    episode_count = rating_count = 0
    with transaction.atomic():
        if not keep:
            delete_load_data()
        first = Clinic.objects.filter(name__startswith=CLINIC_PREFIX).count() + 1
        for number in range(first, first + clinics):
            clinic, clinician = factory.clinic(f"{CLINIC_PREFIX} {number}")
            made = factory.add_patients(clinic, clinician, patients, episodes)
            episode_count += made[0]
            rating_count += made[1]
    return episode_count, rating_count
