import random
import secrets
import uuid
import zoneinfo
from datetime import timedelta
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from diary import diagnosis, prepared, review, schedule

# The schedule owns the diary's shape; the constraints below repeat it in the database.
MAX_DIARY_DAYS = schedule.MAX_DIARY_DAYS
TIMED_HOURS = schedule.TIMED_HOURS
PROVOCATION_SLOT = 0  # Rating.slot of the provocation test; hours 1–6 use their number
CORRECTION_MINUTES = 60  # a patient may correct their own rating this long after saving it


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")
    ADMIN = "admin", _("Administrator")


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


class Kind(models.TextChoices):
    TIMED = "timed", _("Timed (first hours)")
    DAILY = "daily", _("Daily")


class IceHeat(models.TextChoices):
    NONE = "none", _("Neither")
    ICE = "ice", _("Ice")
    HEAT = "heat", _("Heat")
    BOTH = "both", _("Both")


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone, e.g. Europe/London."), params={"value": value}
        )


class Clinic(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    # The clinic's rules (CLINICAL.md section 2); defaults are the published ones.
    positive_relief = models.PositiveSmallIntegerField(_("positive at relief ≥ (%)"), default=75)
    negative_below = models.PositiveSmallIntegerField(_("negative at relief < (%)"), default=50)
    min_baseline = models.PositiveSmallIntegerField(_("lowest usable baseline"), default=4)
    provocation_window_start = models.PositiveSmallIntegerField(
        _("provocation test from (min)"), default=20
    )
    provocation_window_end = models.PositiveSmallIntegerField(
        _("provocation test until (min)"), default=30
    )
    provocation_fallback_start = models.PositiveSmallIntegerField(
        _("off-time test accepted from (min)"), default=10
    )
    provocation_fallback_end = models.PositiveSmallIntegerField(
        _("off-time test accepted until (min)"), default=60
    )
    anesthetic_hours = models.PositiveSmallIntegerField(_("anesthetic phase (h)"), default=8)
    analgesic_free_hours = models.PositiveSmallIntegerField(
        _("no pain medicine for (h)"), default=6
    )
    improvement_relief = models.PositiveSmallIntegerField(_("improvement at (%)"), default=30)
    responder_relief = models.PositiveSmallIntegerField(_("steroid response at (%)"), default=50)
    flare_days = models.PositiveSmallIntegerField(_("flare counted on days 1 to"), default=3)
    no_improvement_day = models.PositiveSmallIntegerField(_("non-responder from day"), default=10)
    discrepancy_points = models.PositiveSmallIntegerField(
        _("stated vs computed relief flagged above (points)"), default=20
    )
    diary_days = models.PositiveSmallIntegerField(_("diary length (days)"), default=7)
    timed_ratings = models.BooleanField(_("hourly ratings 1–6 h"), default=True)
    # Counts the changes to what the clinic's dashboard shows (see `changed()`): a cached
    # dashboard is good while the count has not moved. A counter, not a time: two writers
    # may commit in the other order than their clocks, a count only grows.
    version = models.PositiveBigIntegerField(default=0, editable=False)
    # Counts the changes to which episodes the clinic has (one booked, deleted, moved to or
    # from it): the dashboard's count of its episodes is good while this has not moved.
    roster = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(positive_relief__gte=1, positive_relief__lte=100),
                name="clinic_positive_relief_range",
            ),
            models.CheckConstraint(
                condition=Q(negative_below__lte=models.F("positive_relief")),
                name="clinic_negative_below_not_above_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_baseline__gte=1, min_baseline__lte=10),
                name="clinic_min_baseline_range",
            ),
            models.CheckConstraint(
                condition=Q(provocation_fallback_start__lte=models.F("provocation_window_start"))
                & Q(provocation_window_start__lte=models.F("provocation_window_end"))
                & Q(provocation_window_end__lte=models.F("provocation_fallback_end")),
                name="clinic_provocation_window_inside_fallback",
            ),
            models.CheckConstraint(
                condition=Q(anesthetic_hours__gte=1, anesthetic_hours__lte=24)
                & Q(analgesic_free_hours__lte=24),
                name="clinic_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(improvement_relief__lte=models.F("responder_relief"))
                & Q(responder_relief__lte=100),
                name="clinic_improvement_not_above_response",
            ),
            models.CheckConstraint(
                condition=Q(diary_days__gte=1, diary_days__lte=MAX_DIARY_DAYS),
                name="clinic_diary_days_range",
            ),
        ]

    def __str__(self):
        return self.name

    # What its episodes' readings depend on: a change reads them all again.
    READING_FIELDS = (
        "time_zone",
        "positive_relief",
        "negative_below",
        "min_baseline",
        "provocation_window_start",
        "provocation_window_end",
        "provocation_fallback_start",
        "provocation_fallback_end",
        "anesthetic_hours",
        "analgesic_free_hours",
        "improvement_relief",
        "responder_relief",
        "flare_days",
        "no_improvement_day",
        "discrepancy_points",
    )

    def save(self, *args, **kwargs):
        before = None
        if self.pk is not None:
            before = Clinic.objects.filter(pk=self.pk).values(*self.READING_FIELDS).first()
        super().save(*args, **kwargs)
        now = {name: getattr(self, name) for name in self.READING_FIELDS}
        if before is not None and before != now:
            # Seconds for a clinic of thousands of episodes; an administrator's rare change.
            self.episodes.refresh_readings()
        Clinic.changed(self.pk)

    @staticmethod
    def changed(clinic_id, *, roster=False):
        """Say that what the clinic's dashboard shows has changed: in the writer's transaction,
        so a dashboard read after it commits is read again. `roster`: an episode joined or
        left the clinic, so its episodes are counted again too."""
        prepared.increment(Clinic, clinic_id, "version", *(["roster"] if roster else []))

    def clean(self):
        errors = {}
        if self.negative_below > self.positive_relief:
            errors["negative_below"] = _("Must not be above the positive threshold.")
        window = (self.provocation_window_start, self.provocation_window_end)
        fallback = (self.provocation_fallback_start, self.provocation_fallback_end)
        if not fallback[0] <= window[0] <= window[1] <= fallback[1]:
            errors["provocation_window_end"] = _(
                "The test window must lie inside the off-time range, start before it ends."
            )
        if self.improvement_relief > self.responder_relief:
            errors["improvement_relief"] = _("Must not be above the steroid response level.")
        if not 1 <= self.diary_days <= MAX_DIARY_DAYS:
            errors["diary_days"] = _("A diary lasts 1 to %(max)d days.") % {"max": MAX_DIARY_DAYS}
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def rules(self):
        return diagnosis.Rules(
            positive_relief=self.positive_relief,
            negative_below=self.negative_below,
            min_baseline=self.min_baseline,
            provocation_window=(self.provocation_window_start, self.provocation_window_end),
            provocation_fallback=(self.provocation_fallback_start, self.provocation_fallback_end),
            anesthetic_hours=self.anesthetic_hours,
            analgesic_free_hours=self.analgesic_free_hours,
            improvement_relief=self.improvement_relief,
            responder_relief=self.responder_relief,
            flare_days=self.flare_days,
            no_improvement_day=self.no_improvement_day,
            discrepancy_points=self.discrepancy_points,
        )


def patient_usernames(first_name, attempts=30):
    """User names to try for a new patient: the first name and a number, "maria42"."""
    base = slugify(first_name).replace("-", "")[:20] or "patient"
    for attempt in range(attempts):
        digits = 2 + attempt // 10  # widen the number as short ones turn out taken
        yield f"{base}{random.randint(10 ** (digits - 1), 10**digits - 1)}"


class PainlogUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def create_patient(self, clinic, first_name, last_name, **fields):
        """A patient with a made-up user name and no usable password yet.

        They choose the password through their set-up link, so no password is ever written
        down or told. Raises IntegrityError if every user name tried is taken.
        """
        for username in patient_usernames(first_name):
            if self.filter(username=username).exists():
                continue
            try:
                with transaction.atomic():
                    return self.create_user(
                        username,
                        password=None,
                        role=Role.PATIENT,
                        clinic=clinic,
                        first_name=first_name,
                        last_name=last_name,
                        **fields,
                    )
            except IntegrityError:
                continue  # taken by someone enrolled at the same moment
        raise IntegrityError(f"No free user name for {first_name!r}.")


def episode_clinics(patients):
    """The clinics of these patients' episodes (a patient's earlier clinic may keep some)."""
    return set(Episode.objects.filter(patient__in=patients).values_list("clinic_id", flat=True))


class User(AbstractUser):
    Role = Role

    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.PATIENT)
    clinic = models.ForeignKey(
        Clinic,
        verbose_name=_("clinic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email_reminders = models.BooleanField(
        _("e-mail reminders"),
        default=True,
        help_text=_("E-mail the patient when a diary rating is due."),
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The current set-up link dates from this moment; issuing a new one moves it, which
    # invalidates the old link (diary/tokens.py). None: no link issued.
    setup_link_issued_at = models.DateTimeField(
        _("set-up link issued at"), null=True, blank=True, editable=False
    )

    objects = PainlogUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in Role]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(role="admin") | Q(clinic__isnull=False),
                name="user_patient_or_clinician_has_clinic",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    # The clinic's dashboard shows its patients by name: a change of name changes it.
    SHOWN_FIELDS = frozenset(["first_name", "last_name", "username", "clinic"])

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        shown = update_fields is None or self.SHOWN_FIELDS & set(update_fields)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if shown and self.role == Role.PATIENT and self.clinic_id is not None:
                Clinic.changed(self.clinic_id)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            clinics = episode_clinics(User.objects.filter(pk=self.pk))
            deleted = super().delete(*args, **kwargs)  # with the patient's episodes
            for clinic_id in clinics - {self.clinic_id}:
                Clinic.changed(clinic_id, roster=True)
            if self.clinic_id is not None:
                Clinic.changed(self.clinic_id, roster=self.clinic_id in clinics)
        return deleted

    def clean(self):
        super().clean()
        if self.role != self.Role.ADMIN and self.clinic_id is None:
            raise ValidationError({"clinic": _("Patients and clinicians belong to a clinic.")})

    @property
    def is_patient(self):
        return self.role == self.Role.PATIENT

    @property
    def is_clinician(self):
        return self.role == self.Role.CLINICIAN


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
        if user.role == User.Role.PATIENT:
            return self.of_patient(user)
        if user.role == User.Role.CLINICIAN:
            return self.for_clinician(user)
        return self.none()

    def with_diary(self):
        """Everything a summary or schedule reads, in a fixed number of queries."""
        return self.select_related("clinic", "patient", "clinician").prefetch_related("ratings")

    def refresh_readings(self, chunk_size=500):
        """Store each episode's reading again (review.py), and move its `updated_at`.

        For changes that do not go through `Episode.save` or `Rating.save`: a conditional
        UPDATE, a deleted rating, a clinic's new rules, new rules in the code.
        """
        now = timezone.now()
        fields = [*review.FIELDS, "review_version", "updated_at"]
        batch = []
        clinics = set()
        for episode in self.with_diary().order_by("pk").iterator(chunk_size=chunk_size):
            clinics.add(episode.clinic_id)
            episode.apply_reading(episode.ratings.all())
            episode.updated_at = now
            batch.append(episode)
            if len(batch) == chunk_size:
                Episode.objects.bulk_update(batch, fields)
                batch = []
        if batch:
            Episode.objects.bulk_update(batch, fields)
        for clinic_id in clinics:
            Clinic.changed(clinic_id)

    def diary_may_be_open(self, now):
        """Episodes injected by `now` whose last daily rating may not have closed yet."""
        # A daily rating closes at the clinic's midnight two days after its day: a day more
        # than the longest diary covers every zone and DST change.
        return self.filter(
            starts_at__lte=now, starts_at__gt=now - timedelta(days=MAX_DIARY_DAYS + 3)
        )


def late_q(now):
    """Late while the diary runs, at `now`, for SQL: with a red flag, the condition of
    `review.Reading.needs_attention`."""
    return Q(attention_at__lte=now, complete_at__gt=now)


class Episode(models.Model):
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
        limit_choices_to={"role": User.Role.PATIENT},
    )
    clinician = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booked_episodes",
        limit_choices_to={"role": User.Role.CLINICIAN},
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
    # clinic's rules. Charts and cached page parts are keyed by it.
    updated_at = models.DateTimeField(auto_now=True)

    # The clinician's reading of the diary, stored at each write so the dashboard can sort,
    # filter and page in SQL (review.py says what each field means). Never edited by hand.
    starts_at = models.DateTimeField(editable=False, null=True)  # = injected_at
    result = models.CharField(max_length=24, blank=True, editable=False)
    red_flag = models.BooleanField(default=False, editable=False)
    attention_at = models.DateTimeField(null=True, blank=True, editable=False)
    complete_at = models.DateTimeField(null=True, editable=False)
    review = models.JSONField(default=dict, editable=False, encoder=DjangoJSONEncoder)
    review_version = models.CharField(max_length=16, blank=True, editable=False)

    objects = EpisodeQuerySet.as_manager()

    # What the reading is computed from, besides the ratings and the clinic's rules.
    READING_INPUTS = frozenset(
        ["scheduled_at", "performed_at", "baseline_pain", "diary_days", "timed_ratings", "clinic"]
    )

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
            models.CheckConstraint(
                condition=Q(side__in=[choice.value for choice in Side]), name="episode_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(block_type__in=[choice.value for choice in BlockType]),
                name="episode_block_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(anesthetic__in=[choice.value for choice in Anesthetic]),
                name="episode_anesthetic_valid",
            ),
            models.CheckConstraint(
                condition=Q(baseline_pain__isnull=True)
                | Q(baseline_pain__gte=0, baseline_pain__lte=10),
                name="episode_baseline_pain_range",
            ),
            models.CheckConstraint(
                condition=Q(diary_days__gte=1, diary_days__lte=MAX_DIARY_DAYS),
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

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.READING_INPUTS & set(update_fields):
            try:
                self.apply_reading(self.ratings.all() if self.pk else [])
            except ValueError:
                # Values the rules cannot read (a baseline of 11, a 15-day diary) break the
                # database's constraints too: the save below fails with the database's error.
                pass
            if update_fields is not None:
                kwargs["update_fields"] = {
                    *update_fields,
                    *review.FIELDS,
                    "review_version",
                    "updated_at",
                }
        adding, moved_from = self._state.adding, getattr(self, "_loaded_clinic_id", None)
        with transaction.atomic():
            super().save(*args, **kwargs)
            moved = not adding and moved_from not in (None, self.clinic_id)
            Clinic.changed(self.clinic_id, roster=adding or moved)
            if moved:
                Clinic.changed(moved_from, roster=True)
        self._loaded_clinic_id = self.clinic_id

    def get_absolute_url(self):
        return reverse("clinic:episode", args=[self.uuid])

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            Clinic.changed(self.clinic_id, roster=True)
        return deleted

    @classmethod
    def from_db(cls, db, field_names, values):
        """As loaded, remembering its clinic: a save that moves it changes both clinics."""
        episode = super().from_db(db, field_names, values)
        episode._loaded_clinic_id = episode.__dict__.get("clinic_id")
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

    # The properties below read self.ratings.all(): load episodes with `with_diary()`.

    @property
    def timed(self):
        ratings = [r for r in self.ratings.all() if r.kind == Rating.Kind.TIMED]
        return sorted(ratings, key=lambda rating: rating.felt_at)

    @property
    def daily(self):
        ratings = [r for r in self.ratings.all() if r.kind == Rating.Kind.DAILY]
        return sorted(ratings, key=lambda rating: rating.day)

    @cached_property
    def summary(self):
        return diagnosis.summarize(self.baseline_pain, self.timed, self.daily, self.clinic.rules())

    def schedule(self, now=None):
        return schedule.build(
            injected_at=self.injected_at,
            tz=self.clinic.zone,
            diary_days=self.diary_days,
            timed_ratings=self.timed_ratings,
            baseline_done=self.has_baseline,
            timed_done={rating.slot_key for rating in self.timed},
            daily_done={rating.day for rating in self.daily},
            now=now or timezone.now(),
            provocation_window=(
                self.clinic.provocation_window_start,
                self.clinic.provocation_window_end,
            ),
            provocation_close=self.clinic.provocation_fallback_end,
            daily_time=self.daily_time,
        )

    def apply_reading(self, ratings):
        for name, value in review.read(self, list(ratings), self.clinic).items():
            setattr(self, name, value)

    def new_calendar_token(self):
        """Give the calendar subscription a new secret URL; the old one stops working."""
        self.calendar_token = secrets.token_urlsafe(32)
        self.save(update_fields=["calendar_token"])

    def has_red_flag(self):
        return any(rating.fever_redness for rating in self.ratings.all())


class Rating(models.Model):
    Kind = Kind

    IceHeat = IceHeat

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    # Timed: which prompt it answered (0 = provocation test, N = hour N). The minutes after
    # the injection come from felt_at, never from the slot.
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    # Daily: the diary day (1 = the calendar day after the injection, clinic time).
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    late = models.BooleanField(_("recorded the day after"), default=False)
    # When it hurt (timed ratings) and when it was written down are kept apart.
    felt_at = models.DateTimeField(_("pain rated at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pain = models.PositiveSmallIntegerField(_("pain (0–10)"))
    relief = models.PositiveSmallIntegerField(_("relief you feel (%)"), null=True, blank=True)
    analgesic = models.BooleanField(_("pain medicine taken"), default=False)
    analgesic_name = models.CharField(_("which medicine"), max_length=100, blank=True)
    numbness = models.BooleanField(_("numbness"), default=False)
    weakness = models.BooleanField(_("weakness"), default=False)
    leg_odd_feeling = models.BooleanField(_("odd feeling in the leg"), default=False)
    more_pain = models.BooleanField(_("more pain"), default=False)
    site_soreness = models.BooleanField(_("soreness at the injection site"), default=False)
    fever_redness = models.BooleanField(_("fever, redness or drainage at the site"), default=False)
    ice_heat = models.CharField(
        _("ice or heat"), max_length=8, choices=IceHeat, default=IceHeat.NONE
    )
    note = models.TextField(_("note"), max_length=1000, blank=True)

    SIDE_EFFECTS = (
        "numbness",
        "weakness",
        "leg_odd_feeling",
        "more_pain",
        "site_soreness",
        "fever_redness",
    )

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pain__gte=0, pain__lte=10), name="rating_pain_range"
            ),
            models.CheckConstraint(
                condition=Q(relief__isnull=True)
                | (Q(relief__gte=0, relief__lte=100) & Q(relief__in=range(0, 101, 10))),
                name="rating_relief_in_tens",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="timed", slot__isnull=False, slot__lte=max(TIMED_HOURS))
                    & Q(day__isnull=True, felt_at__isnull=False)
                )
                | Q(
                    kind="daily",
                    slot__isnull=True,
                    day__isnull=False,
                    day__gte=1,
                    day__lte=MAX_DIARY_DAYS,
                ),
                name="rating_kind_fields",
            ),
            models.CheckConstraint(
                condition=Q(analgesic=True) | Q(analgesic_name=""),
                name="rating_medicine_name_only_when_taken",
            ),
            models.CheckConstraint(
                condition=Q(ice_heat__in=[choice.value for choice in IceHeat]),
                name="rating_ice_heat_valid",
            ),
            models.UniqueConstraint(fields=["episode", "day"], name="rating_one_per_day"),
            models.UniqueConstraint(fields=["episode", "slot"], name="rating_one_per_slot"),
        ]

    def __str__(self):
        return f"{self.episode} · {self.label} · {self.pain}/10"

    def save(self, *args, **kwargs):
        if self._state.adding and not args and not kwargs and self.pk is None:
            self.save_new()
            return
        with transaction.atomic():
            super().save(*args, **kwargs)
            prepared.write_together(self.reading_writes())

    def save_new(self, audit=None):
        """INSERT this new rating (a patient's every rating: no query to build) with what
        follows from it, and `audit`, its entry in the audit log, when given: all or none, on
        PostgreSQL in one statement."""
        writes = [prepared.insert_of(self), *self.reading_writes()]
        if audit is not None:
            writes.append(prepared.insert_of(audit))
        prepared.write_together(writes)

    def reading_writes(self):
        """The episode's reading changes with this rating, and its charts and cached page
        parts follow its updated_at; the clinic's dashboard follows its version. The episode
        usually comes with its ratings loaded (the views load it with_diary()): then this
        costs two UPDATEs and no SELECT."""
        episode = self.episode
        ratings = [r for r in episode.ratings.all() if r.pk is None or r.pk != self.pk] + [self]
        episode.apply_reading(ratings)
        episode.updated_at = timezone.now()
        return [
            prepared.update_of(episode, [*review.FIELDS, "review_version", "updated_at"]),
            prepared.increment_of(Clinic, episode.clinic_id, "version"),
        ]

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        # QuerySet.delete() skips this: RatingAdmin.delete_queryset reads its episodes again.
        Episode.objects.filter(pk=self.episode_id).refresh_readings()
        return deleted

    def clean(self):
        if self.kind == self.Kind.DAILY and self.day is not None and self.episode_id:
            if not 1 <= self.day <= self.episode.diary_days:
                raise ValidationError(
                    {
                        "day": _("This diary has days 1 to %(days)d.")
                        % {"days": self.episode.diary_days}
                    }
                )

    def correctable_by(self, user, now):
        return self.recorded_by_id == user.pk and now - self.recorded_at <= timedelta(
            minutes=CORRECTION_MINUTES
        )

    @property
    def slot_key(self):
        """The schedule's key for what this rating answers ("provocation", "hour-3", "day-2")."""
        if self.kind == self.Kind.DAILY:
            return f"day-{self.day}"
        return "provocation" if self.slot == PROVOCATION_SLOT else f"hour-{self.slot}"

    @property
    def label(self):
        if self.kind == self.Kind.DAILY:
            return _("Day %(day)d") % {"day": self.day}
        if self.slot == PROVOCATION_SLOT:
            return _("Provocation test")
        return _("Hour %(hour)d") % {"hour": self.slot}

    @property
    def minutes(self):
        """Minutes after the injection at which the pain was rated (timed ratings)."""
        if self.felt_at is None:
            return None
        return (self.felt_at - self.episode.injected_at).total_seconds() / 60

    @property
    def side_effects(self):
        return [name for name in self.SIDE_EFFECTS if getattr(self, name)]

    def side_effect_labels(self):
        return [self._meta.get_field(name).verbose_name for name in self.side_effects]


class Reminder(models.Model):
    """An e-mail reminder for one rating of an episode, claimed before it is sent.

    The unique constraint is the lock: of two overlapping runs, only one can insert the row,
    so a rating is never reminded twice.
    """

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="reminders")
    item_key = models.CharField(_("rating"), max_length=16)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "item_key"], name="reminder_once_per_item")
        ]

    def __str__(self):
        return f"{self.episode_id} · {self.item_key} · {self.sent_at:%Y-%m-%d %H:%M}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    def scrub_health_data(self):
        """Erasure only: drop the diary values entries hold, keep who did what when."""
        return models.QuerySet.update(self, before=None, after=None)


class AuditEvent(models.Model):
    """Who looked at or changed which patient data, when, from where: append-only.

    It names episodes and patients by their public ids and keeps the actor's user name, so an
    entry still says who and what after an account is deactivated.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        ERASE = "erase", _("Erased")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        User,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    actor_username = models.CharField(_("user name"), max_length=150, editable=False)
    action = models.CharField(_("action"), max_length=8, choices=Action, editable=False)
    what = models.CharField(_("what"), max_length=100, editable=False)
    episode_uuid = models.UUIDField(
        _("episode"), null=True, blank=True, db_index=True, editable=False
    )
    patient_public_id = models.UUIDField(
        _("patient"), null=True, blank=True, db_index=True, editable=False
    )
    ip_address = models.GenericIPAddressField(
        _("from address"), null=True, blank=True, editable=False
    )
    before = models.JSONField(
        _("before"), null=True, blank=True, editable=False, encoder=DjangoJSONEncoder
    )
    after = models.JSONField(
        _("after"), null=True, blank=True, editable=False, encoder=DjangoJSONEncoder
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["view", "export", "create", "change", "delete", "erase"]),
                name="audit_action_valid",
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.what}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    @classmethod
    def entry(
        cls,
        request,
        action,
        what,
        *,
        episode=None,
        patient=None,
        before=None,
        after=None,
        episode_uuid=None,
        patient_public_id=None,
    ):
        """An entry of `action` on `what`, not yet saved, naming the episode and patient by
        `episode` and `patient`, or by their public ids when the view has no model of them
        (the chart)."""
        user = request.user if request.user.is_authenticated else None
        if episode is not None:
            episode_uuid = episode.uuid
            patient = patient or episode.patient
        if patient is not None:
            patient_public_id = patient.public_id
        event = cls(
            actor=user,
            actor_username=user.get_username() if user else "",
            action=action,
            what=what,
            episode_uuid=episode_uuid,
            patient_public_id=patient_public_id,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            before=before,
            after=after,
        )
        return event

    @classmethod
    def record(cls, request, action, what, **about):
        """Log `action` on `what` (`about`: as for `entry`)."""
        event = cls.entry(request, action, what, **about)
        prepared.insert(event)  # an entry at nearly every request: no query to build
        return event


def snapshot(instance, fields=None):
    """The audit log's picture of a row: its editable field values, JSON-ready."""
    names = fields or [
        field.attname for field in instance._meta.concrete_fields if not field.primary_key
    ]
    return {name: getattr(instance, name) for name in names}
