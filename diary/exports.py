"""Downloads: CSV of ratings (a patient's own, or one episode's) and of a clinic's episodes."""

import csv
import dataclasses
import io
import textwrap
from datetime import datetime

import matplotlib as mpl
from django.http import StreamingHttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diary import charts, diagnosis, display, review
from diary.models import Rating

RATING_COLUMNS = [
    "episode",
    "injection_at",
    "side",
    "block_type",
    "anesthetic",
    "steroid",
    "baseline_pain",
    "provoking_activity",
    "entry",
    "kind",
    "day",
    "late",
    "minutes_after_injection",
    "pain_felt_at",
    "recorded_at",
    "pain",
    "relief_computed",
    "relief_stated",
    "pain_medicine",
    "which_medicine",
    "side_effects",
    "ice_heat",
    "note",
]

# A cell starting with one of these is a formula to a spreadsheet; a note could be one.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        # One format for every row, whole seconds with the offset: a default pandas or
        # spreadsheet parse reads the column as one type.
        return value.isoformat(timespec="seconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    # Spreadsheets skip leading blanks before reading a formula.
    if text.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


# Tells a spreadsheet the file is UTF-8: without it Excel reads "é" as two characters.
BOM = "\ufeff"


def csv_lines(rows):
    """The CSV text of `rows`, a line at a time, the first behind the byte order mark."""
    writer = csv.writer(Echo())
    for number, row in enumerate(rows):
        line = writer.writerow([safe_cell(cell) for cell in row])
        yield BOM + line if number == 0 else line


def csv_response(rows, filename):
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def rating_rows(episodes):
    yield RATING_COLUMNS
    for episode in episodes:
        zone = episode.clinic.zone
        for rating in sorted(
            episode.ratings.all(), key=lambda r: (r.kind == "daily", r.recorded_at)
        ):
            yield [
                episode.uuid,
                timezone.localtime(episode.injected_at, zone),
                episode.side,
                episode.block_type,
                episode.anesthetic,
                episode.steroid,
                episode.baseline_pain,
                episode.provoking_activity,
                rating.slot_key,
                rating.kind,
                rating.day,
                rating.late,
                rating.minutes,
                rating.felt_at and timezone.localtime(rating.felt_at, zone),
                timezone.localtime(rating.recorded_at, zone),
                rating.pain,
                diagnosis.relief(episode.baseline_pain, rating.pain),
                rating.relief,
                rating.analgesic,
                rating.analgesic_name,
                "; ".join(rating.side_effects),
                rating.ice_heat if rating.kind == "daily" else "",
                rating.note,
            ]


def ratings_csv_response(episodes, filename):
    return csv_response(rating_rows(episodes), filename)


# One row per episode of a clinic: what the episode is, then every field of its Summary, so
# that a new field of the contract reaches the export without anyone remembering to add it.
SUMMARY_COLUMNS = [field.name for field in dataclasses.fields(diagnosis.Summary)]
EPISODE_COLUMNS = [
    "episode",
    "patient",
    "patient_id",
    "injection_at",
    "side",
    "block_type",
    "anesthetic",
    "steroid_agent",  # "steroid" is the Summary's steroid response
    "baseline_pain",
    "status",  # upcoming, in_progress or complete at the moment of the export
    "ratings_made",
    "ratings_asked",
    "ratings_missed",  # their window closed unrecorded
    "ratings_overdue",  # due, and they can still be made
    "red_flags",  # ratings that reported one
    "red_flag_latest_at",
    "short_relief",
    *SUMMARY_COLUMNS,
]


def summary_cell(value):
    # Reasons and warnings are tuples of codes: one cell, codes apart.
    return "; ".join(value) if isinstance(value, tuple) else value


def episode_rows(episodes, now):
    """`episodes`: (episode, its ratings) pairs; their status and counts at `now`."""
    yield EPISODE_COLUMNS
    for episode, ratings in episodes:
        summary = episode.summarize(ratings)
        reading = review.Reading.at(episode, now)
        flagged = [rating.recorded_at for rating in ratings if rating.fever_redness]
        zone = episode.clinic.zone
        yield [
            episode.uuid,
            episode.patient,
            episode.patient.public_id,
            timezone.localtime(episode.injected_at, zone),
            episode.side,
            episode.block_type,
            episode.anesthetic,
            episode.steroid,
            episode.baseline_pain,
            reading.status,
            reading.done,
            reading.total,
            reading.missed,
            reading.overdue,
            len(flagged),
            timezone.localtime(max(flagged), zone) if flagged else None,
            diagnosis.SHORT_RELIEF in summary.warnings,
            *(summary_cell(getattr(summary, name)) for name in SUMMARY_COLUMNS),
        ]


def episodes_csv_response(episodes, filename, now):
    return csv_response(episode_rows(episodes, now), filename)


EXPORT_CHUNK = 500


def with_ratings(episodes):
    """(episode, its ratings) for each of `episodes`, newest injection first, in two queries
    whatever their number, read as the CSV streams: memory holds a chunk, not the clinic.

    The episodes and all their ratings come in the same order from two cursors and are
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
        yield episode, own


def file_stem(episode):
    """No name in the file name: downloads lie around in folders and mail attachments."""
    date = episode.local_injected_at.strftime("%Y-%m-%d")
    return f"painlog-{date}-{episode.side}-{str(episode.uuid)[:8]}"


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
    """The keyword arguments of `report_pdf` for `episode` (loaded with_diary()) at `now`."""
    reading = review.EpisodeReview(episode, now)
    return {
        "title": _("Pain diary after SI joint injection: %(name)s") % {"name": episode.patient},
        "header": report_header(episode, now),
        "conclusion": reading.conclusion,
        "notes": report_notes(reading),
        "chart": review.chart_inputs(episode),
        "columns": [str(label) for label, _width in REPORT_COLUMNS],
        "column_widths": [width for _label, width in REPORT_COLUMNS],
        "rows": [report_row(row) for row in reading.ratings],
        "rules": reading.rule_lines,
    }


def report_header(episode, now):
    zone = episode.clinic.zone
    return [
        _("Patient: %(name)s (%(username)s)")
        % {"name": episode.patient, "username": episode.patient.username},
        _("Injection: %(when)s, %(side)s side, %(block)s")
        % {
            "when": formats.date_format(episode.local_injected_at, "j M Y, H:i"),
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
            "now": formats.date_format(timezone.localtime(now, zone), "j M Y, H:i"),
        },
    ]


def report_row(row):
    return [
        row["label"] + (" *" if row["late"] else ""),
        formats.date_format(row["recorded_at"], "j M H:i"),
        row["after"],
        row["pain"],
        display.percent(row["relief"]),
        "" if row["stated_relief"] is None else f"{row['stated_relief']} %",
        row["medicine"],
        row["side_effects"],
        row["note"],
    ]


def report_notes(reading):
    notes = [*reading.reasons, *reading.warnings]
    if reading.summary.flare:
        notes.append(_("Flare: pain above the baseline in the first days."))
    if any(row["late"] for row in reading.ratings):
        notes.append(_("* recorded the day after."))
    return notes


def baseline_words(episode):
    if episode.baseline_pain is None:
        return _("Baseline: not recorded")
    if episode.provoking_activity:
        return _("Baseline: %(pain)d/10 (%(activity)s)") % {
            "pain": episode.baseline_pain,
            "activity": episode.provoking_activity,
        }
    return _("Baseline: %(pain)d/10") % {"pain": episode.baseline_pain}


# The one-page PDF report. Sizes in inches from the top of an A4 page, font sizes in points.
A4 = (8.27, 11.69)
MARGIN_IN = 0.55
CHART_IN = 3.3
# Space in the chart's block for the panel titles above and for the axis labels and a legend
# of up to three rows below (charts.py lays its legend out in rows of 0.2 in).
CHART_TOP_IN = 0.3
CHART_BOTTOM_IN = 0.5 + 3 * 0.2
ROW_IN = 0.17
MIN_ROW_IN = 0.12
# An average glyph of DejaVu Sans is about 0.55 em wide: lines and cells cut at that width
# stay inside the page (capitals and "m"s run wider, but rarely a whole line of them).
GLYPH_EM = 0.55
GREY = "#555555"
RULE_GREY = "#BBBBBB"


def report_pdf(*, title, header, conclusion, notes, chart, columns, column_widths, rows, rules):
    """One episode on one A4 page: who and what, the conclusion, the chart, ratings, rules.

    Pure: words and numbers in, PDF bytes out. `header` and `notes` are lines of text, `chart`
    the keyword arguments of `charts.episode_figure`, `columns` and `rows` the ratings table
    (with `column_widths` as fractions of the page's text width), `rules` (label, value) pairs.
    The page is the chart's own figure, so the chart stays vector graphics; the text stays text
    (TrueType) so that the report can be searched and copied.
    """
    # Patient text (a name, a note) is printed as typed: never read as mathtext, where "$x$"
    # would change and "$\\frac{$" fail. Text takes the setting when it is made.
    with mpl.rc_context({"text.parse_math": False}):
        return _report_pdf(
            title, header, conclusion, notes, chart, columns, column_widths, rows, rules
        )


def _report_pdf(title, header, conclusion, notes, chart, columns, column_widths, rows, rules):
    page = _Page(charts.episode_figure(width=A4[0], height=A4[1], **chart))
    page.line(title, size=14, weight="bold", space=0.32)
    for line in header:
        page.paragraph(line, size=9, space=0.18)
    page.skip(0.08)
    page.paragraph(conclusion, size=10.5, weight="bold", space=0.2)
    for note in notes:
        page.paragraph(f"• {note}", size=8.5, space=0.16)
    page.place_chart(CHART_IN)
    page.line(_("Ratings"), size=10, weight="bold", space=0.22)
    rules_text = " · ".join(f"{label} {value}" for label, value in rules)
    rules_in = 0.25 + 0.14 * len(page.wrap(rules_text, 7.5))
    page.table(columns, column_widths, rows, bottom_space=rules_in)
    page.line(_("Rules used"), size=10, weight="bold", space=0.22)
    page.paragraph(rules_text, size=7.5, space=0.14, color=GREY)

    buffer = io.BytesIO()
    # Type 42 embeds TrueType, keeping the words as text; only for the duration of the save.
    with mpl.rc_context({"pdf.fonttype": 42}):
        page.figure.savefig(buffer, format="pdf", metadata={"Title": title, "Creator": "painlog"})
    return buffer.getvalue()


class _Page:
    """Lays text out down the page from the top, as a word processor would."""

    def __init__(self, figure):
        self.figure = figure
        self.width, self.height = figure.get_size_inches()
        self.text_width = self.width - 2 * MARGIN_IN
        self.top = MARGIN_IN

    def _y(self, inches_from_top):
        return 1 - inches_from_top / self.height

    def skip(self, inches):
        self.top += inches

    def wrap(self, text, size):
        return textwrap.wrap(text, max(20, int(self.text_width * 72 / (size * GLYPH_EM))))

    def line(self, text, *, size, space, weight="normal", color="black"):
        self.figure.text(
            MARGIN_IN / self.width,
            self._y(self.top),
            text,
            fontsize=size,
            fontweight=weight,
            color=color,
            va="top",
        )
        self.top += space

    def paragraph(self, text, *, size, space, **style):
        for line in self.wrap(text, size) or [""]:
            self.line(line, size=size, space=space, **style)

    def place_chart(self, inches):
        """Move the chart's panels and legend into the next `inches` of the page."""
        top, bottom = self.top + 0.1 + CHART_TOP_IN, self.top + inches
        self.figure.subplots_adjust(
            left=(MARGIN_IN + 0.1) / self.width,
            right=1 - MARGIN_IN / self.width,
            top=self._y(top),
            bottom=self._y(bottom - CHART_BOTTOM_IN),
        )
        for legend in self.figure.legends:
            legend.set_bbox_to_anchor((0.5, self._y(bottom)), transform=self.figure.transFigure)
        self.top = bottom + 0.15

    def table(self, columns, column_widths, rows, *, bottom_space):
        available = self.height - MARGIN_IN - bottom_space - self.top
        if not rows:
            self.paragraph(_("No ratings yet."), size=9, space=0.3)
            return
        row_in = max(MIN_ROW_IN, min(ROW_IN, available / (len(rows) + 1)))
        size = 7 if row_in >= 0.15 else 6
        height = row_in * (len(rows) + 1)
        axes = self.figure.add_axes(
            (
                MARGIN_IN / self.width,
                self._y(self.top + height),
                self.text_width / self.width,
                height / self.height,
            )
        )
        axes.axis("off")
        table = axes.table(
            cellText=[self._fit_row(row, column_widths, size) for row in rows],
            colLabels=self._fit_row(columns, column_widths, size),
            colWidths=column_widths,
            cellLoc="left",
            colLoc="left",
            bbox=(0, 0, 1, 1),
        )
        table.auto_set_font_size(False)
        table.set_fontsize(size)
        for (row, _column), cell in table.get_celld().items():
            cell.set_edgecolor(RULE_GREY)
            cell.set_linewidth(0.4)
            cell.PAD = 0.03
            if row == 0:
                cell.set_facecolor("#EEEEEE")
                cell.get_text().set_fontweight("bold")
        self.top += height + 0.2

    def _fit_row(self, cells, column_widths, size):
        return [
            _fit(str(cell), fraction * self.text_width, size)
            for cell, fraction in zip(cells, column_widths, strict=True)
        ]


def _fit(text, width_in, size):
    """Cut `text` to what fits in `width_in` at `size` points, marking the cut with "…"."""
    room = max(3, int(width_in * 72 / (size * GLYPH_EM)) - 1)
    text = " ".join(text.split())
    return text if len(text) <= room else text[: room - 1] + "…"
