"""The clinician's review: the dashboard, an episode, a patient's blocks side by side, the PDF
report and the CSV exports.

Clinicians only. Episodes and patients come through `episode_for` and `patient_for`, so
another clinic's data answers 404. Every number comes from `diagnosis` (through
`Episode.summary`) and every word from `wording`.
"""

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from diary import comparison, diagnosis, exports, schedule, wording
from diary.access import clinician_required, episode_for, patient_for
from diary.models import MAX_DIARY_DAYS, AuditEvent, Episode, Rating
from diary.views.charts import chart_inputs, chart_text

PAGE_SIZE = 25
EXPORT_CHUNK = 200

# The last daily rating closes at local midnight two days after its day: after the longest
# diary, plus a day for the hours up to midnight and a DST shift, no episode is in progress.
IN_PROGRESS_AT_MOST = timedelta(days=MAX_DIARY_DAYS + 3)

NEEDS_ATTENTION = {wording.FLAG_RED, wording.FLAG_NO_BASELINE, wording.FLAG_OVERDUE}


class DashboardFilter(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Patient"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"class": "form-control"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *wording.STATUS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        required=False,
        choices=[("", gettext_lazy("Any result")), *wording.RESULTS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def narrow(self, episodes, now):
        """What SQL can do: the search, and the status as far as the injection time tells."""
        self.is_valid()  # an invalid field is left out; the valid ones still filter
        data = self.cleaned_data
        for term in data.get("q", "").split():
            episodes = episodes.filter(
                Q(patient__first_name__icontains=term)
                | Q(patient__last_name__icontains=term)
                | Q(patient__username__icontains=term)
            )
        status = data.get("status")
        if status:
            episodes = episodes.alias(injected=Coalesce("performed_at", "scheduled_at"))
        if status == schedule.STATUS_UPCOMING:
            episodes = episodes.filter(injected__gt=now)
        elif status == schedule.STATUS_IN_PROGRESS:
            episodes = episodes.filter(injected__lte=now, injected__gt=now - IN_PROGRESS_AT_MOST)
        elif status == schedule.STATUS_COMPLETE:
            episodes = episodes.filter(injected__lte=now)
        return episodes

    def keeps(self, row):
        """What only the diary's reading can tell: the exact status and the result."""
        data = self.cleaned_data
        if data.get("status") and row.plan.status != data["status"]:
            return False
        return not data.get("result") or row.summary.diagnostic == data["result"]


@dataclass(frozen=True)
class EpisodeRow:
    """An episode as the clinician reads it: its summary, its schedule now and its flags."""

    episode: Episode
    summary: diagnosis.Summary
    plan: schedule.Schedule
    flags: tuple  # (code, words)

    @classmethod
    def of(cls, episode, now):
        plan = episode.schedule(now)
        summary = episode.summary
        return cls(episode, summary, plan, episode_flags(episode, summary, plan))

    @property
    def needs_attention(self):
        """A red flag always; a missing baseline or overdue ratings while the diary runs."""
        if self.plan.status == schedule.STATUS_COMPLETE:
            return any(code == wording.FLAG_RED for code, _words in self.flags)
        return any(code in NEEDS_ATTENTION for code, _words in self.flags)

    @property
    def conclusion(self):
        return wording.conclusion(
            self.summary, self.episode.clinic.rules(), therapeutic=bool(self.episode.steroid)
        )


def episode_flags(episode, summary, plan):
    overdue = [item for item in plan.missed if item.kind != schedule.BASELINE]
    codes = [
        (wording.FLAG_RED, episode.has_red_flag()),
        (wording.FLAG_NO_BASELINE, plan.item("baseline").state == schedule.MISSED),
        (wording.FLAG_OVERDUE, bool(overdue)),
        (wording.FLAG_ANALGESIC, diagnosis.ANALGESIC_BEFORE_TEST in summary.reasons),
    ]
    return tuple((code, wording.flag_text(code, len(overdue))) for code, raised in codes if raised)


def sort_for_review(rows):
    """Needs attention first, then by injection time, newest first."""
    rows = sorted(rows, key=lambda row: row.episode.injected_at, reverse=True)
    return sorted(rows, key=lambda row: not row.needs_attention)


class ReviewList:
    """The dashboard's rows: recent episodes sorted for review, then older ones, newest first.

    Needs-attention ordering depends on each episode's summary and schedule, which only Python
    computes (diagnosis.py and schedule.py are the one place of those rules). Only recent
    episodes (upcoming, in progress or finished within IN_PROGRESS_AT_MOST) can be overdue or
    miss a baseline now, and there are as many of those as a clinic injects in a couple of
    weeks, whatever its history; a red-flag symptom is found in SQL at any age. The rest are
    complete and stay in injection order, so SQL pages them and only the page shown is read.
    Paginator slices this like a list; every slice runs a fixed number of queries.
    """

    def __init__(self, episodes, form, now):
        self.form, self.now = form, now
        red_flag = Rating.objects.filter(episode=OuterRef("pk"), fever_redness=True)
        episodes = episodes.alias(
            injected=Coalesce("performed_at", "scheduled_at"), red_flag=Exists(red_flag)
        )
        # Recent episodes, and older ones with a red-flag symptom, are read and sorted.
        watch = Q(injected__gt=now - IN_PROGRESS_AT_MOST) | Q(red_flag=True)
        self.recent = sort_for_review(self.rows(episodes.filter(watch).with_diary()))
        self.older = episodes.exclude(watch).order_by("-injected", "-pk")
        self.older_count = None
        if form.cleaned_data.get("result"):
            # A result is only known from the reading: read every older episode.
            self.older = self.rows(self.older.with_diary())
            self.older_count = len(self.older)

    def rows(self, episodes):
        rows = (EpisodeRow.of(episode, self.now) for episode in episodes)
        return [row for row in rows if self.form.keeps(row)]

    def __len__(self):
        if self.older_count is None:
            self.older_count = self.older.count()
        return len(self.recent) + self.older_count

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        recent = self.recent[start:stop]
        older_stop = stop - len(self.recent)
        if older_stop <= 0:
            return recent
        older = self.older[max(0, start - len(self.recent)) : older_stop]
        if isinstance(older, list):
            return recent + older
        return recent + self.rows(older.with_diary())


@clinician_required
@require_safe
def dashboard(request):
    now = timezone.now()
    form = DashboardFilter(request.GET)
    episodes = form.narrow(Episode.objects.for_clinician(request.user), now)
    page = Paginator(ReviewList(episodes, form, now), PAGE_SIZE).get_page(request.GET.get("page"))
    AuditEvent.record(request, AuditEvent.Action.VIEW, "dashboard")
    context = {
        "form": form,
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number),
        "ellipsis": Paginator.ELLIPSIS,
        "filtered": form.has_changed(),
    }
    return render(request, "diary/clinic/dashboard.html", context)


@dataclass(frozen=True)
class RatingRow:
    """One rating as a row of the episode's table (page and PDF alike)."""

    label: str
    recorded_at: object  # aware datetime, in the clinic's zone
    after: str  # "24 min" or "day 3"
    pain: int
    relief: float | None  # computed from the baseline
    stated_relief: int | None
    medicine: str
    side_effects: str
    ice_heat: str
    note: str
    late: bool
    red_flag: bool


def rating_table(episode):
    zone = episode.clinic.zone
    rows = []
    for rating in [*episode.timed, *episode.daily]:
        if rating.kind == rating.Kind.TIMED:
            after = _("%(minutes)d min") % {"minutes": round(rating.minutes)}
        else:
            after = _("day %(day)d") % {"day": rating.day}
        medicine = ""
        if rating.analgesic:
            medicine = rating.analgesic_name or _("yes")
        rows.append(
            RatingRow(
                label=str(rating.label),
                recorded_at=timezone.localtime(rating.recorded_at, zone),
                after=after,
                pain=rating.pain,
                relief=diagnosis.relief(episode.baseline_pain, rating.pain),
                stated_relief=rating.relief,
                medicine=medicine,
                side_effects=", ".join(str(label) for label in rating.side_effect_labels()),
                ice_heat=rating.get_ice_heat_display() if rating.kind == rating.Kind.DAILY else "",
                note=rating.note,
                late=rating.late,
                red_flag=rating.fever_redness,
            )
        )
    return rows


def reading(episode, now):
    """Everything the episode page and the PDF say about one episode."""
    row = EpisodeRow.of(episode, now)
    rules = episode.clinic.rules()
    return {
        "episode": episode,
        "row": row,
        "summary": row.summary,
        "conclusion": row.conclusion,
        "reasons": [wording.reason_text(code, rules) for code in row.summary.reasons],
        "warnings": [wording.warning_text(code, rules) for code in row.summary.warnings],
        "chart_text": chart_text(episode),
        "ratings": rating_table(episode),
        "rules": wording.rule_lines(rules),
        "tz": episode.clinic.zone,
        "now": now,
    }


@clinician_required
@require_safe
def episode(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    AuditEvent.record(request, AuditEvent.Action.VIEW, "episode", episode=episode)
    return render(request, "diary/clinic/episode.html", reading(episode, timezone.now()))


@dataclass(frozen=True)
class Block:
    """One episode as a column of the compare page."""

    episode: Episode
    summary: diagnosis.Summary

    @property
    def anesthetic(self):
        return self.episode.anesthetic

    @property
    def relief_hours(self):
        return self.summary.relief_hours

    def __str__(self):
        return _("%(agent)s on %(date)s: %(hours)s") % {
            "agent": self.episode.get_anesthetic_display(),
            "date": formats.date_format(self.episode.local_injected_at, "j M Y"),
            "hours": hours(self.relief_hours),
        }


def hours(value):
    return "–" if value is None else _("%(hours).1f h") % {"hours": value}


@clinician_required
@require_safe
def compare(request, public_id):
    patient = patient_for(request.user, public_id)
    episodes = Episode.objects.for_clinician(request.user).of_patient(patient).with_diary()
    blocks = [
        Block(episode, episode.summary)
        for episode in sorted(episodes, key=lambda episode: episode.injected_at)
    ]
    pairs = [
        (first, second, wording.CONCORDANCE[result])
        for first, second, result in comparison.comparable_pairs(blocks)
    ]
    AuditEvent.record(request, AuditEvent.Action.VIEW, "comparison", patient=patient)
    # The episodes bring their clinic along; the patient's would cost a query.
    zone = blocks[0].episode.clinic.zone if blocks else request.user.clinic.zone
    return render(
        request,
        "diary/clinic/compare.html",
        {"patient": patient, "blocks": blocks, "pairs": pairs, "tz": zone},
    )


@clinician_required
@require_safe
def episode_csv(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "ratings CSV", episode=episode)
    return exports.ratings_csv_response([episode], filename=f"{file_stem(episode)}.csv")


@clinician_required
@require_safe
def export(request):
    # In chunks, each with its ratings prefetched: memory and queries stay bounded however
    # large the clinic.
    episodes = (
        Episode.objects.for_clinician(request.user)
        .with_diary()
        .alias(injected=Coalesce("performed_at", "scheduled_at"))
        .order_by(F("injected").desc(), "pk")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    filename = f"painlog-episodes-{timezone.localdate():%Y-%m-%d}.csv"
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "clinic episodes CSV")
    return exports.episodes_csv_response(episodes, filename=filename)


@clinician_required
@require_safe
def report(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    pdf = exports.report_pdf(**report_content(episode, timezone.now()))
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "PDF report", episode=episode)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_stem(episode)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# The PDF's ratings table; the widths are fractions of the page's text width.
REPORT_COLUMNS = (
    (gettext_lazy("Rating"), 0.15),
    (gettext_lazy("Recorded"), 0.12),
    (gettext_lazy("After"), 0.07),
    (gettext_lazy("Pain"), 0.05),
    (gettext_lazy("Relief"), 0.06),
    (gettext_lazy("Stated"), 0.06),
    (gettext_lazy("Medicine"), 0.12),
    (gettext_lazy("Side effects"), 0.20),
    (gettext_lazy("Note"), 0.17),
)


def report_content(episode, now):
    content = reading(episode, now)
    summary = content["summary"]
    local = episode.local_injected_at
    header = [
        _("Patient: %(name)s (%(username)s)")
        % {"name": episode.patient, "username": episode.patient.username},
        _("Injection: %(when)s, %(side)s side, %(block)s")
        % {
            "when": formats.date_format(local, "j M Y, H:i"),
            "side": episode.get_side_display().lower(),
            "block": episode.get_block_type_display().lower(),
        },
        _("Anesthetic: %(anesthetic)s · Steroid: %(steroid)s")
        % {
            "anesthetic": episode.get_anesthetic_display(),
            "steroid": episode.steroid or _("none"),
        },
        baseline_words(episode),
        _("%(clinic)s · report of %(now)s")
        % {
            "clinic": episode.clinic,
            "now": formats.date_format(timezone.localtime(now, episode.clinic.zone), "j M Y, H:i"),
        },
    ]
    rows = [
        [
            row.label + (" *" if row.late else ""),
            formats.date_format(row.recorded_at, "j M H:i"),
            row.after,
            row.pain,
            wording.percent(row.relief),
            "" if row.stated_relief is None else f"{row.stated_relief} %",
            row.medicine,
            row.side_effects,
            row.note,
        ]
        for row in content["ratings"]
    ]
    notes = [*content["reasons"], *content["warnings"]]
    if summary.flare:
        notes.append(_("Flare: pain above the baseline in the first days."))
    if any(row.late for row in content["ratings"]):
        notes.append(_("* recorded the day after."))
    return {
        "title": _("Pain diary after SI joint injection: %(name)s") % {"name": episode.patient},
        "header": header,
        "conclusion": content["conclusion"],
        "notes": notes,
        "chart": chart_inputs(episode),
        "columns": [str(label) for label, _width in REPORT_COLUMNS],
        "column_widths": [width for _label, width in REPORT_COLUMNS],
        "rows": rows,
        "rules": content["rules"],
    }


def baseline_words(episode):
    if episode.baseline_pain is None:
        return _("Baseline: not recorded")
    if episode.provoking_activity:
        return _("Baseline: %(pain)d/10 (%(activity)s)") % {
            "pain": episode.baseline_pain,
            "activity": episode.provoking_activity,
        }
    return _("Baseline: %(pain)d/10") % {"pain": episode.baseline_pain}


def file_stem(episode):
    """No name in the file name: downloads lie around in folders and mail attachments."""
    date = episode.local_injected_at.strftime("%Y-%m-%d")
    return f"painlog-{date}-{episode.side}-{str(episode.uuid)[:8]}"
