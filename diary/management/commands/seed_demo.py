"""Demo data: two clinics, their clinicians and patients with realistic, clearly fake diaries.

Times are relative to when it runs. A second run duplicates nothing: the demo accounts are
kept (their password reset) and the demo episodes are made anew, so the demo patient's
provocation test is due right away after every run.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

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

PASSWORD = "painlog-demo"


@dataclass
class Diary:
    """One demo episode: when, what, and the pain the patient reports."""

    days_ago: float  # injection this many days before now (negative: booked ahead)
    baseline: int | None = 7
    activity: str = "standing up from a chair"
    side: str = Side.RIGHT
    block_type: str = BlockType.THERAPEUTIC
    anesthetic: str = Anesthetic.BUPIVACAINE
    diary_days: int = 7
    timed: dict = field(default_factory=dict)  # minutes: pain
    analgesic_at: tuple = ()  # minutes at which pain medicine is reported
    daily: dict = field(default_factory=dict)  # day: pain
    red_flag_day: int | None = None
    late_day: int | None = None


def diagnostic(days_ago, anesthetic, timed, daily, **more):
    """A diagnostic (anesthetic-only) block with a baseline of 8 unless `more` says."""
    fields = {"baseline": 8, "block_type": BlockType.DIAGNOSTIC, **more}
    return Diary(days_ago=days_ago, anesthetic=anesthetic, timed=timed, daily=daily, **fields)


# Clinic 1's patients: (username, first name, last name, [diaries]).
CLINIC_1_PATIENTS = [
    (
        "patient",
        "Pat",
        "Demo",
        [
            Diary(days_ago=25 / 1440, baseline=7, activity="getting out of the car"),
            Diary(
                days_ago=31,
                baseline=8,
                side=Side.LEFT,
                timed={24: 1, 62: 1, 121: 2, 183: 2, 240: 3, 302: 5, 361: 6},
                daily={1: 9, 2: 7, 3: 6, 4: 4, 5: 3, 6: 3, 7: 3},
            ),
        ],
    ),
    (
        "alex",
        "Alex",
        "Example",
        [
            Diary(
                days_ago=3.6,
                baseline=6,
                activity="walking upstairs",
                timed={22: 1, 65: 1, 122: 2, 185: 3, 243: 4, 300: 5, 365: 6},
                daily={1: 7, 2: 6, 3: 5},
                red_flag_day=2,
            )
        ],
    ),
    (
        "sam",
        "Sam",
        "Sample",
        [
            Diary(
                days_ago=16,
                baseline=7,
                activity="bending forward",
                side=Side.BILATERAL,
                diary_days=14,
                anesthetic=Anesthetic.LIDOCAINE,
                timed={27: 5, 64: 6, 125: 6, 181: 7, 244: 7, 303: 7, 362: 7},
                daily={
                    1: 8,
                    2: 7,
                    3: 7,
                    4: 7,
                    5: 6,
                    6: 7,
                    7: 6,
                    8: 7,
                    9: 6,
                    10: 6,
                    11: 7,
                    12: 6,
                    13: 6,
                    14: 6,
                },
            )
        ],
    ),
    (
        "robin",
        "Robin",
        "Testperson",
        [
            Diary(
                days_ago=2.4,
                baseline=None,
                block_type=BlockType.DIAGNOSTIC,
                anesthetic=Anesthetic.LIDOCAINE,
                timed={26: 2, 70: 3},
                daily={1: 6},
            ),
        ],
    ),
    (
        "jo",
        "Jo",
        "Placeholder",
        [
            Diary(
                days_ago=9,
                baseline=6,
                activity="sitting for 20 minutes",
                timed={21: 2, 63: 2, 124: 3, 186: 4},
                analgesic_at=(21,),
                daily={1: 6, 2: 6, 4: 5, 5: 4, 6: 4, 7: 3},
                late_day=6,
            )
        ],
    ),
    (
        "kim",
        "Kim",
        "Fictional",
        [
            Diary(
                days_ago=5.5,
                baseline=8,
                block_type=BlockType.DIAGNOSTIC,
                anesthetic=Anesthetic.ROPIVACAINE,
                side=Side.LEFT,
                timed={25: 4, 61: 4, 125: 5},
                daily={1: 7, 2: 8},
            ),
        ],
    ),
    ("lee", "Lee", "Madeup", [Diary(days_ago=-3, baseline=None, side=Side.LEFT)]),
    # Dual comparative blocks on one side: lidocaine's relief ends at 40 minutes,
    # bupivacaine's lasts 3 hours: concordant.
    (
        "dana",
        "Dana",
        "Dualblock",
        [
            diagnostic(35, Anesthetic.LIDOCAINE, {40: 1, 62: 6, 121: 7, 182: 7}, {1: 8, 2: 8}),
            diagnostic(12, Anesthetic.BUPIVACAINE, {25: 1, 61: 1, 122: 2, 181: 2, 242: 6}, {}),
        ],
    ),
    # Two blocks on different sides (no verdict), the second's relief shorter than
    # bupivacaine explains (the short_relief warning).
    (
        "eli",
        "Eli",
        "Twosides",
        [
            diagnostic(40, Anesthetic.LIDOCAINE, {24: 1, 63: 5}, {1: 7}, side=Side.LEFT),
            diagnostic(14, Anesthetic.BUPIVACAINE, {26: 0, 62: 5, 123: 6, 184: 7}, {1: 7, 2: 6}),
        ],
    ),
]

CLINIC_2_PATIENTS = [
    (
        "patient2",
        "Pat",
        "Demo-Two",
        [
            Diary(
                days_ago=2.2,
                baseline=6,
                activity="lifting a shopping bag",
                timed={23: 1, 60: 1, 122: 2},
                daily={1: 5},
            ),
        ],
    ),
]


class Command(BaseCommand):
    help = "Create demo clinics, accounts and diaries (password: painlog-demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anywhere",
            action="store_true",
            help="Run although debug is off. The demo logins have a published password.",
        )

    def handle(self, *args, anywhere=False, **options):
        if not settings.DEBUG and not anywhere:
            raise CommandError(
                "Demo accounts have a published password: run with DJANGO_DEBUG=1, or pass "
                "--anywhere if this really is not a production database."
            )
        now = timezone.now()
        self.random = random.Random(20261127)
        with transaction.atomic():
            # Fictional numbers: Ofcom's range for drama, and the US 555-01xx range.
            clinic1, _ = Clinic.objects.update_or_create(
                name="Riverside Spine Clinic (demo)",
                defaults={
                    "time_zone": "Europe/London",
                    "phone": "020 7946 0321",
                    "contact_email": "riverside@example.invalid",
                },
            )
            clinic2, _ = Clinic.objects.update_or_create(
                name="Harbour Pain Centre (demo)",
                defaults={
                    "time_zone": "America/New_York",
                    "phone": "+1 212 555 0187",
                    "contact_email": "harbour@example.invalid",
                },
            )
            self.account(
                "admin", "Ada", "Admin", Role.ADMIN, None, is_staff=True, is_superuser=True
            )
            clinician1 = self.account("clinician", "Casey", "Clinician", Role.CLINICIAN, clinic1)
            clinician2 = self.account(
                "clinician2", "Chris", "Clinician-Two", Role.CLINICIAN, clinic2
            )
            for clinic, clinician, patients in [
                (clinic1, clinician1, CLINIC_1_PATIENTS),
                (clinic2, clinician2, CLINIC_2_PATIENTS),
            ]:
                for username, first, last, diaries in patients:
                    patient = self.account(username, first, last, Role.PATIENT, clinic)
                    patient.episodes.all().delete()
                    for diary in diaries:
                        self.episode(clinic, clinician, patient, diary, now)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password painlog-demo):"))
        for username, who in [
            ("patient", "patient, clinic 1 — provocation test due now"),
            ("clinician", "clinician, clinic 1"),
            ("admin", "administrator (/admin/)"),
            ("patient2", "patient, clinic 2"),
            ("clinician2", "clinician, clinic 2"),
        ]:
            self.stdout.write(f"  {username:<11} {who}")

    def account(self, username, first, last, role, clinic, **flags):
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "clinic": clinic,
                "email": f"{username}@example.invalid",
                "is_active": True,
                **flags,
            },
        )
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    def episode(self, clinic, clinician, patient, diary, now):
        injected_at = (now - timedelta(days=diary.days_ago)).replace(second=0, microsecond=0)
        booked = diary.days_ago < 0
        episode = Episode.objects.create(
            clinic=clinic,
            patient=patient,
            clinician=clinician,
            scheduled_at=injected_at if booked else injected_at - timedelta(minutes=10),
            performed_at=None if booked else injected_at,
            side=diary.side,
            block_type=diary.block_type,
            anesthetic=diary.anesthetic,
            steroid="triamcinolone 40 mg" if diary.block_type == BlockType.THERAPEUTIC else "",
            baseline_pain=diary.baseline,
            provoking_activity=diary.activity if diary.baseline is not None else "",
            baseline_recorded_at=injected_at - timedelta(minutes=40) if diary.baseline else None,
            baseline_recorded_by=patient if diary.baseline is not None else None,
            diary_days=diary.diary_days,
            timed_ratings=clinic.timed_ratings,
        )
        for rating in [*self.timed(episode, diary, now), *self.daily(episode, diary, now)]:
            rating.save()  # as the app saves them: the episode's reading follows
        return episode

    def timed(self, episode, diary, now):
        for minutes, pain in diary.timed.items():
            felt_at = episode.injected_at + timedelta(
                minutes=minutes, seconds=self.random.randint(0, 50)
            )
            if felt_at > now:
                continue
            medicine = minutes in diary.analgesic_at
            yield self.rating(
                episode,
                diary,
                pain,
                kind=Kind.TIMED,
                slot=PROVOCATION_SLOT if minutes < 60 else round(minutes / 60),
                felt_at=felt_at,
                recorded_at=felt_at,
                analgesic=medicine,
                analgesic_name="paracetamol" if medicine else "",
                numbness=minutes < 120 and self.random.random() < 0.4,
            )

    def daily(self, episode, diary, now):
        zone = episode.clinic.zone
        injection_day = timezone.localtime(episode.injected_at, zone).date()
        for day, pain in diary.daily.items():
            late = day == diary.late_day
            date = injection_day + timedelta(days=day + (1 if late else 0))
            recorded_at = datetime.combine(date, time(19, 30), tzinfo=zone) + timedelta(
                minutes=self.random.randint(0, 90)
            )
            if recorded_at > now:
                continue
            red_flag = day == diary.red_flag_day
            yield self.rating(
                episode,
                diary,
                pain,
                kind=Kind.DAILY,
                day=day,
                late=late,
                recorded_at=recorded_at,
                site_soreness=day <= 2,
                fever_redness=red_flag,
                ice_heat=Rating.IceHeat.ICE if day <= 3 else Rating.IceHeat.NONE,
                note="Site a bit red and warm." if red_flag else "",
            )

    def rating(self, episode, diary, pain, **fields):
        relief = self.stated_relief(diary.baseline, pain)
        return Rating(
            episode=episode, recorded_by=episode.patient, pain=pain, relief=relief, **fields
        )

    def stated_relief(self, baseline, pain):
        """What a patient might say: near the computed relief, in tens, sometimes left out."""
        if not baseline or self.random.random() < 0.2:
            return None
        felt = 100 * (baseline - pain) / baseline + self.random.choice([-10, 0, 0, 10])
        return int(min(100, max(0, round(felt, -1))))
