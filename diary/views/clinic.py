"""The clinician's review: the dashboard, an episode, a patient's blocks side by side, the PDF
report and the CSV exports.

Clinicians only. Episodes and patients come through `episode_for` and `patient_for`, so
another clinic's data answers 404. Every number comes from `diagnosis` (through
`Episode.summary`) and every word from `wording`.
"""

from dataclasses import dataclass

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from diary import comparison, diagnosis, exports, pagecache, review, schedule, wording
from diary.access import clinic_episode, clinician_required, episode_for, patient_for
from diary.models import AuditEvent, Clinic, Episode, Rating, late_q
from diary.prepared import Prepared
from diary.views.charts import chart_inputs, chart_text

PAGE_SIZE = 25
EXPORT_CHUNK = 500

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
        """The episodes that match, from their stored readings (review.py); after is_valid()."""
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
        return episodes


# What a dashboard row shows: a third of the columns of an episode, its patient and clinic.
ROW_FIELDS = (
    "uuid",
    "updated_at",
    "scheduled_at",
    "performed_at",
    "side",
    "block_type",
    "steroid",
    *review.FIELDS,
    "patient__username",
    "patient__first_name",
    "patient__last_name",
    "clinic__time_zone",
)


class ReviewList:
    """The dashboard's rows: those needing attention first, then the newest injection first.

    The order and the filters read each episode's stored reading (review.py), so SQL sorts
    and pages a clinic of any size, and only the rows shown are read. Those needing attention
    are the episodes with a red flag (a partial index) and those late while their diary runs
    (an index on `complete_at` reaches only recent ones); the others come in injection order
    (an index). Paginator counts it and slices it like a list.

    `count_key`: the cache key of the count, for a list whose count only changes with the
    clinic's roster (all its episodes, unfiltered). Counting reads an entry of every episode
    the clinic ever had (3.6 ms at 30,000 on PostgreSQL), and the list is read afresh after
    every rating.
    """

    ORDER = ("-starts_at", "-pk")

    def __init__(self, episodes, now, count_key=None):
        late = late_q(now)
        self.now = now
        self.episodes = episodes
        self.count_key = count_key
        self.red = episodes.filter(red_flag=True)
        self.late = episodes.filter(late, red_flag=False)
        self.others = episodes.filter(red_flag=False).exclude(late)

    def count(self):
        if self.count_key is None:
            return self.episodes.count()
        count = cache.get(self.count_key)
        if count is None:
            count = self.episodes.count()
            cache.set(self.count_key, count, DASHBOARD_CACHE_SECONDS)
        return count

    def keys(self, episodes, start, stop):
        return list(episodes.order_by(*self.ORDER).values_list("starts_at", "pk")[start:stop])

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        # Each list of those needing attention up to the page's end, merged in page order. The
        # late ones are only among diaries still running (the complete_at index finds them):
        # sorted here, as an ORDER BY would make SQLite walk the whole clinic in date order.
        red = self.keys(self.red, 0, stop)
        late = sorted(self.late.order_by().values_list("starts_at", "pk"), reverse=True)[:stop]
        attention = sorted(red + late, reverse=True)
        page = attention[start:stop]
        if len(red) < stop and len(late) < stop and len(page) < stop - start:
            # Both lists are whole: the others fill the page from where they end.
            first = max(0, start - len(attention))
            page += self.keys(self.others, first, first + stop - start - len(page))
        pks = [pk for _starts_at, pk in page]
        # Unordered: the page's order is `pks`; an ORDER BY would walk the clinic's episodes
        # in date order to find these 25.
        episodes = self.episodes.filter(pk__in=pks).order_by().select_related("patient", "clinic")
        by_pk = {episode.pk: episode for episode in episodes.only(*ROW_FIELDS)}
        return [review.Reading.at(by_pk[pk], self.now) for pk in pks if pk in by_pk]

    def valid_until(self, rows):
        """The next moment the clock alone changes this list: an episode starts, turns
        late or completes, or a rating shown turns overdue. A cached page is good until then.
        """
        moments = [row.next_change for row in rows]
        upcoming = {
            "starts_at": self.episodes,
            "complete_at": self.episodes,
            # Turning late matters while the diary runs, and not to a red flag (already first).
            "attention_at": self.episodes.filter(complete_at__gt=self.now, red_flag=False),
        }
        for field, episodes in upcoming.items():
            later = episodes.filter(**{f"{field}__gt": self.now}).order_by(field)
            moments.append(later.values_list(field, flat=True).first())
        return min((moment for moment in moments if moment is not None), default=None)


# The clinic whose version keys the dashboard, in a query compiled once.
CLINIC = Prepared(Clinic, lambda pk: Clinic.objects.filter(pk=pk), pk=-7011)

# A cached dashboard lives until its clinic changes, the clock changes it, or this long.
DASHBOARD_CACHE_SECONDS = 3600


@clinician_required
@require_safe
def dashboard(request):
    """The clinic's episodes for review, from a cache while nothing they show has changed.

    The key holds the clinic's version (models.Clinic.changed), read before the episodes: a
    write committed after this read makes a new key. The entry holds the moment the clock
    alone would change the page.
    """
    now = timezone.now()
    form = DashboardFilter(request.GET)
    form.is_valid()  # an invalid field is left out; the valid ones still filter
    (clinic,) = CLINIC(pk=request.user.clinic_id)
    parts = [
        request.user.clinic_id,
        clinic.version,
        get_language(),
        sorted(form.cleaned_data.items()),
        request.GET.get("page", ""),
    ]
    # All the clinic's episodes are as many as when its roster last moved.
    filtered = any(form.cleaned_data.values())
    count_key = None if filtered else pagecache.key("count", [clinic.pk, clinic.roster])
    content = pagecache.cached_until(
        pagecache.key("dashboard", parts),
        now,
        lambda: dashboard_content(
            request,
            form,
            ReviewList(
                form.narrow(Episode.objects.for_clinician(request.user), now), now, count_key
            ),
            now,
        ),
        DASHBOARD_CACHE_SECONDS,
    )
    AuditEvent.record(request, AuditEvent.Action.VIEW, "dashboard")
    return render(request, "diary/clinic/dashboard.html", {"content": content})


def rows_html(rows):
    """The table rows' HTML, each from the cache while what it shows is the same.

    After a rating, the dashboard is read afresh, but only that episode's row changed: the
    others come from one cache read instead of being rendered again.
    """
    language = get_language()
    keys = [
        pagecache.key(
            "row",
            [
                row.episode.uuid,
                row.episode.updated_at,
                str(row.episode.patient),
                row.episode.clinic.time_zone,
                row.status,
                row.flags,
                row.needs_attention,
                language,
            ],
        )
        for row in rows
    ]
    found = cache.get_many(keys)
    missing = {}
    labels = row_labels()
    for key, row in zip(keys, rows, strict=True):
        if key not in found:
            html = render_to_string(
                "diary/clinic/_dashboard_row.html", {"row": row, "labels": labels}
            )
            found[key] = missing[key] = mark_safe(html)
    if missing:
        cache.set_many(missing, DASHBOARD_CACHE_SECONDS)
    return [found[key] for key in keys]


def row_labels():
    return {
        "patient": _("Patient"),
        "injection": _("Injection"),
        "side": _("Side"),
        "block": _("Block"),
        "status": _("Status"),
        "result": _("Result"),
        "steroid": _("Steroid"),
        "flags": _("Flags"),
        "diary": _("Diary"),
        "needs_attention": _("Needs attention"),
        "therapeutic": _("Therapeutic"),
        "diagnostic": _("Diagnostic"),
        "no_steroid": _("no steroid"),
        "none": _("none"),
    }


def dashboard_content(request, form, reviews, now):
    """The dashboard's HTML inside the page's frame, and until when the clock keeps it."""
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "chosen": {name: form.data.get(name, "") for name in form.fields},
        "status_choices": [(value, str(label)) for value, label in form.fields["status"].choices],
        "result_choices": [(value, str(label)) for value, label in form.fields["result"].choices],
        "rows_html": rows_html(page.object_list),
        "page_numbers": page.paginator.get_elided_page_range(page.number),
        "ellipsis": Paginator.ELLIPSIS,
        "filtered": form.has_changed(),
    }
    content = render_to_string("diary/clinic/_dashboard_content.html", context, request)
    return mark_safe(content), reviews.valid_until(page.object_list)


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


EPISODE_CACHE_SECONDS = 3600


@clinician_required
@require_safe
def episode(request, episode_uuid):
    """One episode, its page cached while nothing it shows has changed.

    `updated_at` moves with any change to the episode, its ratings or its clinic's rules
    (models.py); the patient's name and the language are in the key besides, and the stored
    reading says when the clock alone changes the page (a rating turning overdue).
    """
    now = timezone.now()
    episode = clinic_episode(request.user, episode_uuid)
    AuditEvent.record(request, AuditEvent.Action.VIEW, "episode", episode=episode)
    parts = [
        episode.updated_at,
        str(episode.patient),
        episode.clinic.time_zone,
        get_language(),
    ]
    content = pagecache.cached_until(
        pagecache.key(f"episode:{episode.uuid}", parts),
        now,
        lambda: episode_content(request, episode_uuid, now),
        EPISODE_CACHE_SECONDS,
    )
    return render(request, "diary/clinic/episode.html", {"episode": episode, "content": content})


def episode_content(request, episode_uuid, now):
    """The episode page inside its frame, and the next moment the clock alone changes it."""
    whole = episode_for(request.user, episode_uuid)
    content = render_to_string("diary/clinic/_episode_content.html", reading(whole, now), request)
    return mark_safe(content), review.Reading.at(whole, now).changes_at


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
    episodes = Episode.objects.for_clinician(request.user)
    filename = f"painlog-episodes-{timezone.localdate():%Y-%m-%d}.csv"
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "clinic episodes CSV")
    return exports.episodes_csv_response(with_ratings(episodes), filename=filename)


def with_ratings(episodes):
    """The episodes, newest injection first, each with its ratings, in two queries whatever
    their number, read as the CSV streams: memory holds one chunk of each, not the clinic.

    The episodes and all their ratings come in the same order from two cursors, and are
    matched up as they go, as a merge of two sorted files would be.
    """
    episodes = episodes.select_related("clinic", "patient").order_by("-starts_at", "-pk")
    ratings = Rating.objects.filter(episode__in=episodes.values("pk")).order_by(
        "-episode__starts_at", "-episode_id", "pk"
    )
    ratings = iter(ratings.iterator(chunk_size=EXPORT_CHUNK))
    rating = next(ratings, None)
    for episode in episodes.iterator(chunk_size=EXPORT_CHUNK):
        own = []
        while rating is not None and rating.episode_id == episode.pk:
            rating.episode = episode
            own.append(rating)
            rating = next(ratings, None)
        episode._prefetched_objects_cache = {"ratings": own}
        yield episode
        # Written: break the episode-rating cycle, or the chunks would wait for a full GC.
        episode._prefetched_objects_cache = {}


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
