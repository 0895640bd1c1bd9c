import uuid
from datetime import UTC, datetime, timedelta
from functools import cached_property

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Q
from django.forms.fields import BaseTemporalField
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from diary import review, schedule, tokens, wording
from diary.models import AuditEvent, Episode, Rating, User, snapshot
from diary.schedule import MAX_DIARY_DAYS

PAIN_CHOICES = [(value, str(value)) for value in range(11)]
RELIEF_CHOICES = [(value, f"{value} %") for value in range(0, 101, 10)]
PAIN_ANCHORS = {0: _("No pain"), 10: _("Worst pain imaginable")}


class PainField(forms.TypedChoiceField):
    """The 11-point Numeric Rating Scale, as one group of eleven large radio buttons."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Tap a number from 0 to 10 for your pain."),
                "invalid_choice": _("Pain is a whole number from 0 (no pain) to 10."),
            },
        )
        super().__init__(choices=PAIN_CHOICES, coerce=int, **kwargs)


def pain_scale(name):
    return Field(name, template="diary/forms/pain_scale.html")


def relief_scale(name):
    return Field(name, template="diary/forms/relief_scale.html")


class BaselineForm(forms.ModelForm):
    baseline_pain = PainField(
        label=_("Your usual pain during that activity"),
        help_text=_("0 = No pain, 10 = Worst pain imaginable"),
    )

    class Meta:
        model = Episode
        fields = ["provoking_activity", "baseline_pain"]
        labels = {"provoking_activity": _("Which activity usually brings on your pain?")}
        help_texts = {
            "provoking_activity": _("For example: standing up from a chair, walking, bending.")
        }

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provoking_activity"].required = True
        self.fields["provoking_activity"].widget.attrs["autocomplete"] = "off"
        self.helper = FormHelper()
        # painlog.js keeps what was typed across a lost connection and a retry.
        self.helper.attrs = {"data-keep-draft": ""}
        self.helper.layout = Layout(
            "provoking_activity",
            pain_scale("baseline_pain"),
            Submit("save", submit_label or _("Save my usual pain"), css_class="btn-lg w-100 mt-2"),
        )

    def clean_provoking_activity(self):
        activity = self.cleaned_data["provoking_activity"].strip()
        if not activity:
            raise forms.ValidationError(_("Say which activity brings on the pain."))
        return activity

    def record(self, request):
        """Save the baseline unless one is already there; True when this answer was saved.

        The episode's row is locked first (on SQLite, the transaction takes the write lock at
        its start): a double tap, a second tab, or the clinician and the patient at the same
        moment cannot overwrite the first answer.
        """
        answer = {
            "baseline_pain": self.cleaned_data["baseline_pain"],
            "provoking_activity": self.cleaned_data["provoking_activity"],
        }
        with transaction.atomic():
            episode = Episode.objects.select_for_update().get(pk=self.instance.pk)
            if episode.has_baseline:
                return False
            for name, value in answer.items():
                setattr(episode, name, value)
            episode.baseline_recorded_at = timezone.now()
            episode.baseline_recorded_by = request.user
            episode.save()
            AuditEvent.record(
                request,
                AuditEvent.Action.CHANGE,
                "baseline",
                episode=episode,
                before={"baseline_pain": None},
                after=answer,
            )
        return True


class RatingForm(forms.ModelForm):
    """A diary entry; which prompt it answers and when it was felt are set by the view."""

    pain = PainField(label=_("Your pain right now"))
    relief = forms.TypedChoiceField(
        label=_("How much relief do you feel?"),
        help_text=_("Compared with your usual pain before the injection."),
        choices=RELIEF_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        # Django formats this message with %(value)s: a bare "%" would raise, so it is doubled.
        error_messages={"invalid_choice": _("Relief is 0 to 100 %% in steps of 10.")},
    )

    class Meta:
        model = Rating
        fields = [
            "pain",
            "relief",
            "analgesic",
            "analgesic_name",
            *Rating.SIDE_EFFECTS,
            "ice_heat",
            "note",
        ]
        labels = {
            "analgesic": _("I took pain medicine since my last entry"),
            "fever_redness": _("Fever, redness or drainage at the injection site"),
        }
        widgets = {
            "ice_heat": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, daily=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pain"].label = _("Your pain today") if daily else _("Your pain right now")
        self.fields["note"].required = False
        self.fields["analgesic_name"].widget.attrs["autocomplete"] = "off"
        self.daily = daily
        if not daily:
            del self.fields["ice_heat"]

    @cached_property
    def helper(self):
        """The layout, built when the form is shown: a saved rating never needs it."""
        fields = [
            pain_scale("pain"),
            relief_scale("relief"),
            Field("analgesic", wrapper_class="big-check"),
            "analgesic_name",
            Fieldset(
                _("Anything else? (tick all that apply)"),
                *[
                    Field(name, wrapper_class="big-check")
                    for name in Rating.SIDE_EFFECTS
                    if name != "fever_redness"
                ],
                Field(
                    "fever_redness",
                    wrapper_class="big-check red-flag",
                    template="diary/forms/red_flag.html",
                ),
            ),
        ]
        if self.daily:
            fields.append(Field("ice_heat", wrapper_class="big-check"))
        fields.append("note")
        fields.append(Submit("save", _("Save"), css_class="btn-lg w-100 mt-3"))
        helper = FormHelper()
        helper.attrs = {"data-keep-draft": ""}
        helper.layout = Layout(*fields)
        return helper

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("analgesic_name", "").strip() and not cleaned.get("analgesic"):
            # Naming a medicine says it was taken.
            cleaned["analgesic"] = True
        if not cleaned.get("analgesic"):
            cleaned["analgesic_name"] = ""
        return cleaned

    def record(self, request, before=None):
        """Save the rating and its entry in the audit log, together or not at all; `before`:
        a corrected rating's earlier values, which its entry keeps."""
        action = AuditEvent.Action.CHANGE if before else AuditEvent.Action.CREATE
        with transaction.atomic():
            rating = self.save()
            AuditEvent.record(
                request,
                action,
                "rating",
                episode=rating.episode,
                before=before,
                after=snapshot(rating),
            )
        return rating


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.widget.attrs.update(autocapitalize="none", autocorrect="off")
        # AuthenticationForm sets max_length after the field is built, so it is never checked:
        # an over-long name reached authenticate() and django-axes' 255-character column.
        username.validators.append(MaxLengthValidator(username.max_length))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "username", "password", Submit("sign_in", _("Sign in"), css_class="btn-lg w-100")
        )


# Booking and the injection day (the clinician's side).

# How far back a booking or a corrected injection time may lie: older, its diary would be over.
EARLIEST = timedelta(days=MAX_DIARY_DAYS)
# Bookings further ahead than this are typing mistakes ("2062" for "2026").
LATEST_BOOKING = timedelta(days=366)
# Clocks disagree by a little; a time this far ahead of now still counts as "now".
CLOCK_SLACK = timedelta(minutes=5)


def clinic_moment(wall_clock, zone):
    """The aware moment a clinic's wall clock shows, or ValueError when it shows it twice or
    never (the hour the clocks go back, the hour they skip)."""
    moment = wall_clock.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall_clock:
        raise ValueError("missing")
    if wall_clock.replace(tzinfo=zone, fold=1).utcoffset() != moment.utcoffset():
        raise ValueError("ambiguous")
    return moment


def clinic_time_text(moment, zone):
    return formats.date_format(timezone.localtime(moment, zone), "j M Y, H:i")


class ClinicDateTimeField(forms.DateTimeField):
    """A date and time on the clinic's wall clock (`zone`), typed in a datetime-local input.

    Django would read it in the server's zone; the clinic's is the one the clinician means.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {
        "invalid": _("Enter a date and time, for example 2026-03-14 09:30."),
        "missing": _(
            "%(moment)s does not exist in %(zone)s: the clocks go forward then. "
            "Enter the time the clocks showed."
        ),
        "ambiguous": _(
            "%(moment)s happens twice in %(zone)s: the clocks go back then. "
            "Enter a time outside that hour."
        ),
    }
    zone = UTC

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            wall_clock = value
        else:
            try:
                wall_clock = parse_datetime(value.strip())
            except ValueError:
                wall_clock = None
            # Anything else the browser or a person may type, in the configured formats.
            wall_clock = wall_clock or BaseTemporalField.to_python(self, value)
        if timezone.is_aware(wall_clock):
            return wall_clock
        try:
            return clinic_moment(wall_clock, self.zone)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        except ValueError as problem:
            code = str(problem)
            raise forms.ValidationError(
                self.error_messages[code],
                code=code,
                params={"moment": f"{wall_clock:%Y-%m-%d %H:%M}", "zone": str(self.zone)},
            ) from None

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value, self.zone)
        return value


class BookingForm(forms.ModelForm):
    """An injection episode booked by a clinician for a patient of their clinic."""

    # A fresh key per form shown: sent twice, it books one episode (Episode.booking_token).
    booking_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Episode
        fields = ["scheduled_at", "side", "block_type", "anesthetic", "steroid"]
        field_classes = {"scheduled_at": ClinicDateTimeField}
        labels = {"scheduled_at": _("Injection date and time")}
        widgets = {"side": forms.RadioSelect, "block_type": forms.RadioSelect}
        error_messages = {
            "scheduled_at": {"required": _("Enter the date and time of the injection.")},
            "side": {"required": _("Choose the side: left, right or bilateral.")},
            "block_type": {"required": _("Choose diagnostic or therapeutic.")},
            "anesthetic": {"required": _("Choose the anesthetic.")},
        }

    submit_label = _("Book the injection")

    def __init__(self, *args, clinician, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinician = clinician
        self.clinic = clinician.clinic
        scheduled_at = self.fields["scheduled_at"]
        scheduled_at.zone = self.clinic.zone
        scheduled_at.help_text = _("Clinic time (%(zone)s).") % {"zone": self.clinic.time_zone}
        for name in ["side", "block_type"]:
            # Radio buttons need no "---------" choice: nothing ticked says the same.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        self.fields["anesthetic"].choices = [("", _("Choose…")), *Episode.Anesthetic.choices]
        self.fields["booking_token"].initial = uuid.uuid4()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *self.patient_layout(),
            Fieldset(
                _("Injection"),
                "scheduled_at",
                Row(
                    Column(Field("side", wrapper_class="big-check"), css_class="col-sm-4"),
                    Column(Field("block_type", wrapper_class="big-check"), css_class="col-sm-8"),
                ),
                Row(Column("anesthetic", css_class="col-sm-5"), Column("steroid")),
            ),
            "booking_token",
            Submit("book", self.submit_label, css_class="btn-lg mt-2"),
        )

    def patient_layout(self):
        return []

    def clean_scheduled_at(self):
        moment = self.cleaned_data["scheduled_at"]
        now = timezone.now()
        if moment < now - EARLIEST:
            raise forms.ValidationError(
                _("That is more than %(days)d days ago: the diary would already be over."),
                params={"days": EARLIEST.days},
            )
        if moment > now + LATEST_BOOKING:
            raise forms.ValidationError(_("That is more than a year ahead. Check the year."))
        return moment

    def save(self, patient):
        episode = super().save(commit=False)
        episode.clinic = self.clinic
        episode.patient = patient
        episode.clinician = self.clinician
        # The clinic's diary settings at booking time (see Episode.diary_days).
        episode.diary_days = self.clinic.diary_days
        episode.timed_ratings = self.clinic.timed_ratings
        episode.booking_token = self.cleaned_data.get("booking_token") or uuid.uuid4()
        episode.save()
        return episode


class EnrollForm(BookingForm):
    """A new patient of the clinician's clinic and their first injection, in one go."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Optional: to send the set-up link.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    submit_label = _("Enroll and book")

    def patient_layout(self):
        for name, autocomplete in [("first_name", "off"), ("last_name", "off"), ("phone", "off")]:
            self.fields[name].widget.attrs["autocomplete"] = autocomplete
        return [
            Fieldset(
                _("Patient"),
                Row(Column("first_name"), Column("last_name")),
                Row(Column("email"), Column("phone")),
            )
        ]

    def save(self):
        """The patient, their first set-up link and the episode: all saved, or nothing."""
        with transaction.atomic():
            patient = User.objects.create_patient(
                self.clinic,
                self.cleaned_data["first_name"],
                self.cleaned_data["last_name"],
                email=self.cleaned_data["email"],
                phone=self.cleaned_data["phone"],
            )
            tokens.issue(patient)
            return super().save(patient)


class InjectionTimeForm(forms.Form):
    """The actual injection time; the diary clock runs from it.

    Pressing "now" (a submit button named `now`) takes the current moment instead of the field.
    """

    performed_at = ClinicDateTimeField(label=_("Actual injection time"), required=False)

    def __init__(self, *args, episode, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.now = now
        self.zone = episode.clinic.zone
        field = self.fields["performed_at"]
        field.zone = self.zone
        field.help_text = _("Clinic time (%(zone)s).") % {"zone": episode.clinic.time_zone}
        self.initial.setdefault("performed_at", episode.injected_at)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "performed_at", Submit("save", _("Save this time"), css_class="btn-lg")
        )

    @property
    def pressed_now(self):
        return "now" in self.data

    def clean(self):
        cleaned = super().clean()
        if self.pressed_now:
            moment, field = self.now, None
        else:
            moment, field = cleaned.get("performed_at"), "performed_at"
            if moment is None:
                if "performed_at" not in self.errors:
                    self.add_error(
                        field, _("Enter the injection time, or press “Injected just now”.")
                    )
                return cleaned
        problem = self.problem_with(moment)
        if problem:
            self.add_error(field, problem)
        else:
            cleaned["performed_at"] = moment
        return cleaned

    def problem_with(self, moment):
        if moment > self.now + CLOCK_SLACK:
            return _("That time is still to come. Enter the time the injection was given.")
        if moment < self.now - EARLIEST:
            return _("That is more than %(days)d days ago.") % {"days": EARLIEST.days}
        first = min((rating.felt_at for rating in self.episode.timed), default=None)
        if first and moment > first:
            return _(
                "The patient rated their pain at %(time)s, before that time. The injection "
                "came before its first rating; enter that time or earlier."
            ) % {"time": clinic_time_text(first, self.zone)}
        if self.episode.daily and self.local_date(moment) != self.local_date(
            self.episode.injected_at
        ):
            return _(
                "The diary already has daily ratings: the injection cannot move to another day."
            )
        return None

    def local_date(self, moment):
        return timezone.localtime(moment, self.zone).date()

    def record(self, request):
        """Save the time; False when the patient has meanwhile rated their pain before it.

        The episode's row is locked and its ratings looked at again in the same transaction:
        a rating recorded meanwhile must not end up before the injection.
        """
        moment = self.cleaned_data["performed_at"]
        with transaction.atomic():
            episode = Episode.objects.select_for_update().get(pk=self.episode.pk)
            if episode.ratings.filter(kind=Rating.Kind.TIMED, felt_at__lt=moment).exists():
                self.add_error(
                    None, _("The patient has just recorded a rating. Check the time again.")
                )
                return False
            before = {"performed_at": episode.performed_at}
            episode.performed_at = moment
            episode.save()
            AuditEvent.record(
                request,
                AuditEvent.Action.CHANGE,
                "injection time",
                episode=episode,
                before=before,
                after={"performed_at": moment},
            )
        return True


class ClinicBaselineForm(BaselineForm):
    """The usual pain the patient told the clinician on arrival."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, submit_label=_("Save baseline"), **kwargs)
        self.fields["provoking_activity"].label = _("Activity that usually brings on the pain")
        self.fields["baseline_pain"].label = _("Pain the patient reports during it")
        self.fields["baseline_pain"].error_messages["required"] = _(
            "Choose the pain the patient reports, 0 to 10."
        )


class SetupPasswordForm(SetPasswordForm):
    """The patient's first password, chosen through their set-up link."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password2"].label = _("Type the same password again")
        self.fields["new_password2"].help_text = ""
        self.helper = FormHelper()
        self.helper.layout = Layout(
            # Lets a password manager store the password under the right user name.
            HTML(
                format_html(
                    '<input type="text" name="username" value="{}" autocomplete="username" '
                    'hidden aria-hidden="true">',
                    user.username if user else "",
                )
            ),
            "new_password1",
            "new_password2",
            Submit("save", _("Save my password"), css_class="btn-lg w-100 mt-2"),
        )


class ReminderSettingsForm(forms.Form):
    """When each daily rating is due (clinic time), and whether painlog e-mails the patient."""

    daily_time = forms.TimeField(
        label=_("Time for your daily rating"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={
            "required": _("Choose a time of day, for example 19:00."),
            "invalid": _("Enter a time of day as hours and minutes, for example 19:00."),
        },
    )
    email_reminders = forms.BooleanField(label=_("E-mail me when a rating is due"), required=False)

    def __init__(self, *args, episode, patient, **kwargs):
        kwargs.setdefault(
            "initial",
            {"daily_time": episode.daily_time, "email_reminders": patient.email_reminders},
        )
        super().__init__(*args, **kwargs)
        self.episode, self.patient = episode, patient
        self.fields["daily_time"].help_text = _(
            "Your calendar and e-mail remind you at this time, clinic time (%(zone)s)."
        ) % {"zone": episode.clinic.time_zone}
        if not patient.email:
            self.fields["email_reminders"].disabled = True
            self.fields["email_reminders"].help_text = _(
                "Your clinic has no e-mail address for you. Ask them to add it."
            )
        self.helper = FormHelper()
        self.helper.form_action = reverse("patient:reminders", args=[episode.uuid])
        self.helper.form_id = "reminder-settings"
        self.helper.layout = Layout(
            "daily_time",
            Field("email_reminders", wrapper_class="big-check"),  # a 44 px tick box
            Submit("save", _("Save my reminder settings"), css_class="btn-lg w-100"),
        )

    def clean_daily_time(self):
        return self.cleaned_data["daily_time"].replace(second=0, microsecond=0)

    def save(self):
        self.episode.daily_time = self.cleaned_data["daily_time"]
        self.patient.email_reminders = self.cleaned_data["email_reminders"]
        with transaction.atomic():
            self.episode.save(update_fields=["daily_time", "updated_at"])
            self.patient.save(update_fields=["email_reminders"])


NEEDS_ATTENTION, RED_FLAG = "needs_attention", "red_flag"


class DashboardFilter(forms.Form):
    """The dashboard's search: a patient's name, a status, a result, those needing attention
    or with a red flag; any may be left empty."""

    q = forms.CharField(label=_("Patient"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *wording.STATUS.items()],
    )
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("Any result")), *wording.RESULTS.items()],
    )
    attention = forms.ChoiceField(
        label=_("Attention"),
        required=False,
        choices=[
            ("", _("All episodes")),
            (NEEDS_ATTENTION, _("Needs attention")),
            (RED_FLAG, _("Red flags")),
        ],
    )

    def narrow(self, episodes, now):
        """The episodes that match, from their stored readings (review.py). Fields that are
        not valid are left out; the valid ones still filter."""
        self.is_valid()
        data = self.cleaned_data
        for term in data.get("q", "").split():
            episodes = episodes.filter(
                Q(patient__first_name__icontains=term)
                | Q(patient__last_name__icontains=term)
                | Q(patient__username__icontains=term)
            )
        status = data.get("status")
        if status == schedule.STATUS_UPCOMING:
            episodes = episodes.filter(starts_at__gt=now)
        elif status == schedule.STATUS_IN_PROGRESS:
            episodes = episodes.filter(starts_at__lte=now, complete_at__gt=now)
        elif status == schedule.STATUS_COMPLETE:
            episodes = episodes.filter(starts_at__lte=now, complete_at__lte=now)
        if data.get("result"):
            episodes = episodes.filter(result=data["result"])
        if data.get("attention") == NEEDS_ATTENTION:
            episodes = episodes.filter(Q(red_flag=True) | review.late_q(now))
        elif data.get("attention") == RED_FLAG:
            episodes = episodes.filter(red_flag=True)
        return episodes
