"""Clinics and the people who use painlog: patients, clinicians and administrators."""

import dataclasses
import random
import uuid
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from diary import diagnosis, schedule
from diary.models.base import SavedWithFollowers


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")
    ADMIN = "admin", _("Administrator")


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone, e.g. Europe/London."), params={"value": value}
        )


def rule_field(label, default):
    return models.PositiveSmallIntegerField(label, default=default)


def relief_hours_field(label, agent):
    """The shortest relief `agent` explains, in hours (CLINICAL.md section 5)."""
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=1,
        default=dict(diagnosis.EXPECTED_RELIEF_HOURS)[agent],
        help_text=_("Shorter relief after a positive test is pointed out to the physician."),
    )


def emergency_number_for(time_zone):
    """The emergency number where a clinic is, from its time zone: 999 in the UK, 112 in the
    rest of Europe, 911 elsewhere (North America)."""
    if time_zone in ("Europe/London", "Europe/Belfast", "Europe/Guernsey", "Europe/Jersey"):
        return "999"
    if time_zone.startswith(("Europe/", "Atlantic/Canary", "Atlantic/Madeira")):
        return "112"
    return "911"


phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{1,28}$", _("A phone number: digits, spaces, +, ( ) and - only.")
)


class Clinic(SavedWithFollowers):
    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    # Where a patient with a symptom that needs a doctor is sent (CLINICAL.md section 6).
    phone = models.CharField(
        _("phone"),
        max_length=30,
        validators=[phone_validator],
        help_text=_("Patients with an urgent symptom are told to call this number today."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"),
        help_text=_("Told at once of each red flag, with a link and no health data."),
    )
    emergency_number = models.CharField(
        _("emergency number"),
        max_length=10,
        blank=True,
        validators=[phone_validator],
        help_text=_("Left empty: 999 in the UK, 112 elsewhere in Europe, 911 elsewhere."),
    )
    # The clinic's rules (CLINICAL.md section 2); defaults are the published ones.
    positive_relief = rule_field(_("positive at relief ≥ (%)"), 75)
    negative_below = rule_field(_("negative at relief < (%)"), 50)
    min_baseline = rule_field(_("lowest usable baseline"), 4)
    provocation_window_start = rule_field(_("provocation test from (min)"), 20)
    provocation_window_end = rule_field(_("provocation test until (min)"), 30)
    provocation_fallback_start = rule_field(_("off-time test accepted from (min)"), 10)
    provocation_fallback_end = rule_field(_("off-time test accepted until (min)"), 60)
    anesthetic_hours = rule_field(_("anesthetic phase (h)"), 8)
    analgesic_free_hours = rule_field(_("no pain medicine for (h)"), 6)
    improvement_relief = rule_field(_("improvement at (%)"), 30)
    responder_relief = rule_field(_("steroid response at (%)"), 50)
    flare_days = rule_field(_("flare counted on days 1 to"), 3)
    no_improvement_day = rule_field(_("non-responder from day"), 10)
    discrepancy_points = rule_field(_("stated vs computed relief flagged above (points)"), 20)
    lidocaine_relief_hours = relief_hours_field(_("lidocaine relief at least (h)"), "lidocaine")
    bupivacaine_relief_hours = relief_hours_field(
        _("bupivacaine relief at least (h)"), "bupivacaine"
    )
    ropivacaine_relief_hours = relief_hours_field(
        _("ropivacaine relief at least (h)"), "ropivacaine"
    )
    diary_days = rule_field(_("diary length (days)"), 7)
    timed_ratings = models.BooleanField(_("hourly ratings 1–6 h"), default=True)
    # Names what the clinic's dashboard shows: review.store gives it a new value with every
    # change to the clinic's episodes, their patients or its rules. Random, so that a value
    # never comes back, not even after a restore from a backup.
    version = models.UUIDField(default=uuid.uuid4, editable=False)

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
                condition=Q(diary_days__gte=1, diary_days__lte=schedule.MAX_DIARY_DAYS),
                name="clinic_diary_days_range",
            ),
            models.CheckConstraint(
                condition=Q(lidocaine_relief_hours__gt=0, lidocaine_relief_hours__lte=24)
                & Q(bupivacaine_relief_hours__gt=0, bupivacaine_relief_hours__lte=24)
                & Q(ropivacaine_relief_hours__gt=0, ropivacaine_relief_hours__lte=24),
                name="clinic_relief_hours_range",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.emergency_number:
            self.emergency_number = emergency_number_for(self.time_zone)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "emergency_number"}
        super().save(*args, **kwargs)

    @property
    def phone_href(self):
        """The phone number as a tel: link."""
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")

    @property
    def emergency_href(self):
        return "tel:" + self.emergency_number

    # What its episodes' readings and pages depend on: a change reads them all again.
    READING_FIELDS = (
        "time_zone",
        "phone",
        "emergency_number",
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
        "lidocaine_relief_hours",
        "bupivacaine_relief_hours",
        "ropivacaine_relief_hours",
    )

    @classmethod
    def from_db(cls, db, field_names, values):
        """As loaded, remembering its rules: a save that changes them reads its episodes again."""
        clinic = super().from_db(db, field_names, values)
        clinic.loaded_rules = clinic.reading_inputs()
        return clinic

    def reading_inputs(self):
        return {name: self.__dict__.get(name) for name in self.READING_FIELDS}

    def rules_changed(self):
        """Whether its episodes are read by other rules than when it was loaded."""
        return getattr(self, "loaded_rules", None) not in (None, self.reading_inputs())

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
        if not 1 <= self.diary_days <= schedule.MAX_DIARY_DAYS:
            errors["diary_days"] = _("A diary lasts 1 to %(max)d days.") % {
                "max": schedule.MAX_DIARY_DAYS
            }
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def rules(self):
        """The clinic's `diagnosis.Rules`: each of its rule fields by the same name, the
        provocation test's window and fallback range as (start, end) pairs, and each agent's
        expected relief as (agent, hours)."""
        pairs = {
            "provocation_window": (self.provocation_window_start, self.provocation_window_end),
            "provocation_fallback": (
                self.provocation_fallback_start,
                self.provocation_fallback_end,
            ),
            "expected_relief_hours": tuple(
                (agent, float(getattr(self, f"{agent}_relief_hours")))
                for agent, _hours in diagnosis.EXPECTED_RELIEF_HOURS
            ),
        }
        names = [field.name for field in dataclasses.fields(diagnosis.Rules)]
        same = {name: getattr(self, name) for name in names if name not in pairs}
        return diagnosis.Rules(**same, **pairs)


def patient_usernames(first_name, attempts=30):
    """User names to try for a new patient: the first name and a number, "maria42"."""
    base = slugify(first_name).replace("-", "")[:20] or "patient"
    for attempt in range(attempts):
        digits = 2 + attempt // 10  # widen the number as short ones turn out taken
        yield f"{base}{random.randint(10 ** (digits - 1), 10**digits - 1)}"


class PainlogUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
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


class User(SavedWithFollowers, AbstractUser):
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
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=Q(role="admin") | Q(clinic__isnull=False),
                name="user_patient_or_clinician_has_clinic",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    # What the clinic's pages show of a person: a change shows on their episodes' pages.
    SHOWN_FIELDS = frozenset(["first_name", "last_name", "username"])

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
