"""Clinics full of fake diaries for benchmarks and load runs: see tools/seeding.py."""

import time

from django.core.management.base import BaseCommand, CommandError

from tools import seeding


class Command(BaseCommand):
    help = "Create load-test clinics with many patients and diaries (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--clinics", type=int, default=1)
        parser.add_argument("--patients", type=int, default=1000, help="patients per clinic")
        parser.add_argument("--episodes", type=int, default=1, help="episodes per patient")
        parser.add_argument(
            "--keep", action="store_true", help="add to earlier load clinics instead of replacing"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--per-day", type=float, default=seeding.PER_DAY, help="injections a day a clinic"
        )

    def handle(self, *args, clinics, patients, episodes, keep, seed, per_day, **options):
        if clinics < 1 or patients < 1 or episodes < 1 or per_day <= 0:
            raise CommandError(
                "--clinics, --patients and --episodes must be at least 1, --per-day above 0."
            )
        started = time.perf_counter()
        made = seeding.seed_load(
            clinics=clinics,
            patients=patients,
            episodes=episodes,
            keep=keep,
            seed=seed,
            per_day=per_day,
        )
        self.stdout.write(
            f"Created {clinics} clinic(s), {clinics * patients} patients, {made[0]} episodes, "
            f"{made[1]} ratings in {time.perf_counter() - started:.1f} s."
        )
