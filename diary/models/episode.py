"""An injection and its diary."""

import secrets
import uuid
from datetime import timedelta
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary import diagnosis, schedule
from diary.models.base import SavedWithFollowers
from diary.models.clinic import Clinic, Role, User


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BILATERAL = "bilateral", _("Bilateral")


class BlockType(models.TextChoices):
    DIAGNOSTIC = "diagnostic", _("Diagnostic (anesthetic only)")
    THERAPEUTIC = "therapeutic", _("Therapeutic (anesthetic and steroid)")


class Anesthetic(models.TextChoices):
    LIDOCAINE = "lidocaine", _("Lidocaine")
    BUPIVACAINE = "bupivacaine", _("Bupivacaine")
    ROPIVACAINE = "ropivacaine", _("Ropivacaine")
    OTHER = "other", _("Other")


class EpisodeQuerySet(models.QuerySet):
    def of_patient(self, patient):
        return self.filter(patient=patient)

    def for_clinician(self, clinician):
        if clinician.clinic_id is None:
            return self.none()
        return self.filter(clinic_id=clinician.clinic_id)

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.PATIENT:
            return self.of_patient(user)
        if user.role == Role.CLINICIAN:
            return self.for_clinician(user)
        return self.none()

    def with_diary(self):
        """Everything a summary or schedule reads, in a fixed number of queries."""
        return self.select_related("clinic", "patient", "clinician").prefetch_related("ratings")

    def diary_may_be_open(self, now):
        """Episodes injected by `now` whose last daily rating may not have closed yet."""
        # A daily rating closes at the clinic's midnight two days after its day: a day more
        # than the longest diary covers every zone and DST change.
        return self.filter(
            starts_at__lte=now, starts_at__gt=now - timedelta(days=schedule.MAX_DIARY_DAYS + 3)
        )


class Episode(SavedWithFollowers):
    Side = Side
    BlockType = BlockType
    Anesthetic = Anesthetic

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The one-time key of the form that booked it: a form sent twice books one episode.
    booking_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="episodes")
    patient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="episodes",
        limit_choices_to={"role": Role.PATIENT},
    )
    clinician = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booked_episodes",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    scheduled_at = models.DateTimeField(_("booked injection time"))
    performed_at = models.DateTimeField(_("actual injection time"), null=True, blank=True)
    side = models.CharField(_("side"), max_length=16, choices=Side)
    block_type = models.CharField(_("block type"), max_length=16, choices=BlockType)
    anesthetic = models.CharField(_("anesthetic"), max_length=16, choices=Anesthetic)
    steroid = models.CharField(
        _("steroid"),
        max_length=100,
        blank=True,
        help_text=_("Agent and dose, e.g. triamcinolone 40 mg. Empty for a diagnostic block."),
    )
    baseline_pain = models.PositiveSmallIntegerField(
        _("baseline pain (0–10)"), null=True, blank=True
    )
    provoking_activity = models.CharField(
        _("activity that provokes the pain"), max_length=200, blank=True
    )
    baseline_recorded_at = models.DateTimeField(null=True, blank=True)
    baseline_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Copied from the clinic at booking, so a later change of the clinic's rules does not
    # move an ongoing diary's schedule.
    diary_days = models.PositiveSmallIntegerField(_("diary length (days)"), default=7)
    timed_ratings = models.BooleanField(_("hourly ratings 1–6 h"), default=True)
    # The patient's choice, in the clinic's zone: when each daily rating is due.
    daily_time = models.TimeField(_("daily rating time"), default=schedule.DAILY_DUE_TIME)
    # The secret of the patient's calendar subscription URL; None until they ask for one.
    calendar_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves with every change the episode's pages show: its own fields, its ratings, its
    # people's names, its clinic's rules (review.store). Its pages and charts are keyed by it.
    updated_at = models.DateTimeField(auto_now=True)

    # The clinician's reading of the diary, stored by review.store so that the dashboard can
    # sort, filter and page in SQL (review.py says what each field means). Never edited.
    starts_at = models.DateTimeField(editable=False, null=True)  # = injected_at
    result = models.CharField(max_length=24, blank=True, editable=False)
    red_flag = models.BooleanField(default=False, editable=False)
    attention_at = models.DateTimeField(null=True, blank=True, editable=False)
    complete_at = models.DateTimeField(null=True, editable=False)
    review = models.JSONField(default=dict, editable=False, encoder=DjangoJSONEncoder)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            # The dashboard: newest injection first, and those needing attention.
            models.Index(fields=["clinic", "-starts_at", "-id"], name="episode_clinic_starts"),
            models.Index(
                fields=["clinic", "-starts_at", "-id"],
                condition=Q(red_flag=True),
                name="episode_clinic_red_flag",
            ),
            models.Index(fields=["clinic", "complete_at"], name="episode_clinic_complete"),
            # Late while the diary runs: all the dashboard reads of them is in the index.
            models.Index(
                fields=["clinic", "complete_at", "attention_at", "starts_at", "id"],
                condition=Q(red_flag=False),
                name="episode_clinic_late",
            ),
            # A patient's own episodes (Today, History).
            models.Index(fields=["patient", "-starts_at"], name="episode_patient_starts"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(side__in=Side.values), name="episode_side_valid"),
            models.CheckConstraint(
                condition=Q(block_type__in=BlockType.values),
                name="episode_block_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(anesthetic__in=Anesthetic.values),
                name="episode_anesthetic_valid",
            ),
            models.CheckConstraint(
                condition=Q(baseline_pain__isnull=True)
                | Q(baseline_pain__gte=0, baseline_pain__lte=10),
                name="episode_baseline_pain_range",
            ),
            models.CheckConstraint(
                condition=Q(diary_days__gte=1, diary_days__lte=schedule.MAX_DIARY_DAYS),
                name="episode_diary_days_range",
            ),
            models.CheckConstraint(
                condition=Q(block_type="diagnostic", steroid="")
                | (Q(block_type="therapeutic") & ~Q(steroid="")),
                name="episode_steroid_matches_block_type",
            ),
        ]

    def __str__(self):
        return f"{self.patient} · {self.get_side_display()} · {self.scheduled_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("clinic:episode", args=[self.uuid])

    @classmethod
    def from_db(cls, db, field_names, values):
        """As loaded, remembering its clinic: a save that moves it changes both clinics."""
        episode = super().from_db(db, field_names, values)
        episode.loaded_clinic_id = episode.__dict__.get("clinic_id")
        return episode

    def clean(self):
        if self.block_type == self.BlockType.THERAPEUTIC and not self.steroid.strip():
            raise ValidationError({"steroid": _("A therapeutic block names its steroid.")})
        if self.block_type == self.BlockType.DIAGNOSTIC and self.steroid.strip():
            raise ValidationError(
                {"steroid": _("A diagnostic block has no steroid; choose therapeutic.")}
            )

    @property
    def injected_at(self):
        """The moment the diary clock runs from: the actual time once corrected, else booked."""
        return self.performed_at or self.scheduled_at

    @property
    def local_injected_at(self):
        return timezone.localtime(self.injected_at, self.clinic.zone)

    @property
    def has_baseline(self):
        return self.baseline_pain is not None

    # The properties below read self.ratings.all(): load episodes with `with_diary()`, or
    # one episode with `load_ratings()`.

    def load_ratings(self):
        """Load this episode's ratings in one query, unless they are loaded already."""
        if not getattr(self, "ratings_loaded", False):
            prefetch_related_objects([self], "ratings")
            self.ratings_loaded = True
        return self

    @property
    def timed(self):
        return timed_of(self.ratings.all())

    @property
    def daily(self):
        return daily_of(self.ratings.all())

    @cached_property
    def summary(self):
        return self.summarize(self.ratings.all())

    def summarize(self, ratings):
        """The diary's reading (diagnosis.Summary) from `ratings`, all of this episode's: a
        diagnostic block has no steroid phase, and the relief is held against its agent's."""
        return diagnosis.summarize(
            self.baseline_pain,
            timed_of(ratings),
            daily_of(ratings),
            self.clinic.rules(),
            steroid=self.block_type == BlockType.THERAPEUTIC,
            anesthetic=self.anesthetic,
        )

    def schedule(self, now=None, *, ratings=True):
        """The diary at `now`; `ratings` False: its windows alone, as if nothing were done."""
        return schedule.build(
            injected_at=self.injected_at,
            tz=self.clinic.zone,
            diary_days=self.diary_days,
            timed_ratings=self.timed_ratings,
            baseline_done=self.has_baseline,
            timed_done={rating.slot_key for rating in self.timed} if ratings else (),
            daily_done={rating.day for rating in self.daily} if ratings else (),
            now=now or timezone.now(),
            provocation_window=(
                self.clinic.provocation_window_start,
                self.clinic.provocation_window_end,
            ),
            provocation_close=self.clinic.provocation_fallback_end,
            daily_time=self.daily_time,
        )

    def new_calendar_token(self):
        """Give the calendar subscription a new secret URL; the old one stops working."""
        self.calendar_token = secrets.token_urlsafe(32)
        self.save(update_fields=["calendar_token"])


def timed_of(ratings):
    """The timed ratings among `ratings`, in the order they were felt."""
    return sorted((r for r in ratings if r.kind == "timed"), key=lambda rating: rating.felt_at)


def daily_of(ratings):
    """The daily ratings among `ratings`, in day order."""
    return sorted((r for r in ratings if r.kind == "daily"), key=lambda rating: rating.day)
