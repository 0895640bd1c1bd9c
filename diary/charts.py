"""The episode chart: pain over the anesthetic phase and over the diary days.

Pure on purpose, like `diagnosis`: plain ratings and a `Summary` in, a matplotlib `Figure` (or
its text alternative) out. It draws with `matplotlib.figure.Figure` only, never pyplot, whose
global figure registry would leak state between requests. Every relief figure comes from
`diagnosis.relief` or the `Summary`; this module re-implements no clinical rule.

Artists carry a `gid` (see the GID_* names) so that tests can find them and the SVG has
stable ids a stylesheet or a browser test can reach.
"""

import io

import matplotlib as mpl
from matplotlib.figure import Figure

from diary import diagnosis, display
from diary.diagnosis import Rules, latest_per_day, relief

# Ids of the drawn artists, also the ids of their groups in the SVG.
GID_TIMED_PAIN = "timed-pain"
GID_TIMED_BASELINE = "timed-baseline"
GID_POSITIVE_RELIEF = "positive-relief"
GID_PROVOCATION_WINDOW = "provocation-window"
GID_PROVOCATION = "provocation"
GID_ANALGESIC = "analgesic"
GID_DAILY_PAIN = "daily-pain"
GID_DAILY_BASELINE = "daily-baseline"
GID_IMPROVEMENT = "improvement"
GID_USUAL_ONSET = "usual-onset"
GID_NO_IMPROVEMENT_DAY = "no-improvement-day"
GID_NO_RATINGS = "no-ratings"
GID_NO_BASELINE = "no-baseline"
GID_LEGEND = "legend"

NO_RATINGS = "No ratings yet"
NO_BASELINE = "No baseline"

# Days on which improvement from the steroid usually starts (CLINICAL.md section 1).
USUAL_ONSET_DAYS = (2, 5)

# Okabe-Ito colours, safe for colour blindness; meaning is carried by line style and marker
# shape as well, so a grey-scale print still reads.
PAIN_COLOUR = "#0072B2"
REFERENCE_COLOUR = "#444444"
RELIEF_COLOUR = "#009E73"
PROVOCATION_COLOUR = "#D55E00"
ANALGESIC_COLOUR = "#E69F00"
WINDOW_COLOUR = "#BBBBBB"
ONSET_COLOUR = "#F0E442"
NOTE_COLOUR = "#333333"

# Font sizes in points: 9 pt stays legible when a 4-inch chart is shown 360 px wide.
SMALL = 9
MEDIUM = 10
LARGE = 11

# Margins in inches, turned into figure fractions for subplots_adjust: the text has a fixed
# size in points whatever the figure size, and constrained layout would double render time.
LEFT_IN = 0.55
RIGHT_IN = 0.12
TOP_IN = 0.3
TITLE_IN = 0.3
AXIS_TEXT_IN = 0.5
LEGEND_ROW_IN = 0.2
LEGEND_PAD_IN = 0.06
GAP_IN = 0.12
# Legend column width in inches, from the longest label ("Usual onset (days 2–5)") at 9 pt.
LEGEND_COLUMN_IN = 1.75

# Below this many inches per tick, labels of 9 pt would touch: then every other one is shown.
MIN_TICK_LABEL_IN = 0.17
MIN_DAY_LABEL_IN = 0.2
# The ring around the provocation rating, smaller in the legend so it does not widen a row.
PROVOCATION_SIZE = 15
PROVOCATION_LEGEND_SIZE = 10
# Legend entries in this order, read column by column: data, thresholds, shaded periods.
LEGEND_ORDER = (
    GID_TIMED_PAIN,
    GID_DAILY_PAIN,
    GID_PROVOCATION,
    GID_ANALGESIC,
    GID_TIMED_BASELINE,
    GID_DAILY_BASELINE,
    GID_POSITIVE_RELIEF,
    GID_IMPROVEMENT,
    GID_PROVOCATION_WINDOW,
    GID_USUAL_ONSET,
    GID_NO_IMPROVEMENT_DAY,
)

PAIN_LIMITS = (-0.5, 10.5)
PAIN_TICKS = range(0, 11)


def episode_figure(
    *, baseline, timed, daily, summary, rules, diary_days, title="", width=8.0, height=3.6
) -> Figure:
    """Two panels sharing the 0-10 pain axis: the first hours, then the diary days.

    No text on it is read as mathtext (a title may hold a patient's name)."""
    with mpl.rc_context({"text.parse_math": False}):
        return _episode_figure(
            baseline, timed, daily, summary, rules, diary_days, title, width, height
        )


def _episode_figure(baseline, timed, daily, summary, rules, diary_days, title, width, height):
    rules = rules or Rules()
    figure = Figure(figsize=(width, height))
    hours_axes, days_axes = figure.subplots(1, 2, sharey=True)
    for axes in (hours_axes, days_axes):
        _style(axes)
    panel_width = (width - LEFT_IN - RIGHT_IN - GAP_IN) / 2
    _draw_hours(hours_axes, baseline, timed, summary, rules, panel_width)
    steroid = summary is None or summary.steroid != diagnosis.NOT_APPLICABLE
    _draw_days(days_axes, baseline, daily, rules, diary_days, panel_width, steroid=steroid)
    hours_axes.set_ylim(*PAIN_LIMITS)
    hours_axes.set_yticks(list(PAIN_TICKS))
    hours_axes.set_ylabel("Pain (0–10)", fontsize=MEDIUM)

    rows = _legend(figure, (hours_axes, days_axes), width)
    top_in = TOP_IN + (TITLE_IN if title else 0)
    bottom_in = AXIS_TEXT_IN + rows * LEGEND_ROW_IN + LEGEND_PAD_IN
    if (height - top_in - bottom_in) / len(PAIN_TICKS) < MIN_TICK_LABEL_IN:
        # Every point keeps its tick; only the labels thin out when they would touch.
        hours_axes.set_yticklabels([str(pain) if pain % 2 == 0 else "" for pain in PAIN_TICKS])
    figure.subplots_adjust(
        left=LEFT_IN / width,
        right=1 - RIGHT_IN / width,
        top=1 - top_in / height,
        bottom=min(bottom_in / height, 0.6),
        wspace=GAP_IN / panel_width,
    )
    if title:
        figure.suptitle(title, fontsize=LARGE, y=1 - 0.06 / height, va="top")
    return figure


def render_svg(figure) -> bytes:
    """The figure as SVG bytes; the same figure gives the same bytes (ETags rely on it)."""
    buffer = io.BytesIO()
    # Without a fixed salt the SVG clip-path ids are random. rc_context touches the global
    # rcParams only for the duration of the save, and only an SVG-writer setting.
    with mpl.rc_context({"svg.hashsalt": "painlog"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def describe(*, baseline, timed, daily, summary, rules, diary_days) -> str:
    """The text alternative of the chart: its key numbers, in plain sentences."""
    rules = rules or Rules()
    timed = _timed_in_phase(timed, rules)
    days = latest_per_day(entry for entry in daily if entry.day <= diary_days)
    sentences = ["Pain chart.", _baseline_sentence(baseline)]
    if not timed and not days:
        sentences.append(f"{NO_RATINGS}.")
        return " ".join(sentences)
    sentences += _timed_sentences(baseline, timed, summary, rules)
    sentences.append(_days_sentence(baseline, days))
    return " ".join(sentences)


# The first hours


def _draw_hours(axes, baseline, timed, summary, rules, panel_width) -> None:
    hours = rules.anesthetic_hours
    axes.set_title(f"First {hours:g} hours", fontsize=MEDIUM, y=1.0)
    axes.set_xlabel("Hours after injection", fontsize=MEDIUM)
    axes.set_xlim(-hours * 0.02, hours * 1.02)
    step = 1 if panel_width / hours >= 0.25 else 2
    axes.set_xticks([tick for tick in range(0, int(hours) + 1, step)])

    start, end = rules.provocation_window
    window = axes.axvspan(start / 60, end / 60, color=WINDOW_COLOUR, alpha=0.5, linewidth=0)
    window.set(gid=GID_PROVOCATION_WINDOW, label=f"Test window ({start:g}–{end:g} min)", zorder=0)
    _draw_baseline(axes, baseline, GID_TIMED_BASELINE)
    _draw_relief(axes, baseline, rules.positive_relief, GID_POSITIVE_RELIEF, "relief", ":")

    timed = _timed_in_phase(timed, rules)
    if not timed:
        _note(axes, NO_RATINGS, GID_NO_RATINGS)
        return
    axes.plot(
        [entry.minutes / 60 for entry in timed],
        [entry.pain for entry in timed],
        **_pain_style(),
        gid=GID_TIMED_PAIN,
    )
    provocation = _provocation_entry(timed, summary)
    if provocation is not None:
        axes.plot(
            [provocation.minutes / 60],
            [provocation.pain],
            linestyle="none",
            marker="o",
            markersize=PROVOCATION_SIZE,
            markerfacecolor="none",
            markeredgewidth=2,
            color=PROVOCATION_COLOUR,
            clip_on=False,
            zorder=4,
            gid=GID_PROVOCATION,
            label="Provocation test",
        )
    medicated = [entry for entry in timed if entry.analgesic]
    if medicated:
        axes.plot(
            [entry.minutes / 60 for entry in medicated],
            [entry.pain for entry in medicated],
            linestyle="none",
            marker="X",
            markersize=10,
            markerfacecolor=ANALGESIC_COLOUR,
            markeredgecolor="black",
            markeredgewidth=0.8,
            clip_on=False,
            zorder=5,
            gid=GID_ANALGESIC,
            label="Pain medicine",
        )


def _timed_in_phase(timed, rules) -> list:
    """Timed entries from the injection to the end of the anesthetic phase, in time order."""
    end = rules.anesthetic_hours * 60
    return sorted((entry for entry in timed if entry.minutes <= end), key=lambda e: e.minutes)


def _provocation_entry(timed, summary):
    if summary is None or summary.provocation_minutes is None:
        return None
    return next((e for e in timed if float(e.minutes) == summary.provocation_minutes), None)


# The diary days


def _draw_days(axes, baseline, daily, rules, diary_days, panel_width, *, steroid) -> None:
    """The diary days; `steroid` False (a diagnostic block): no steroid onset band and no
    day-10 line, which judge a steroid's effect."""
    axes.set_title("Day 1" if diary_days == 1 else f"Days 1–{diary_days}", fontsize=MEDIUM, y=1.0)
    axes.set_xlabel("Day", fontsize=MEDIUM)
    axes.set_xlim(0.5, diary_days + 0.5)
    days = list(range(1, diary_days + 1))
    axes.set_xticks(days)
    crowded = panel_width / diary_days < MIN_DAY_LABEL_IN
    axes.set_xticklabels([str(day) if not crowded or day % 2 else "" for day in days])

    first, last = USUAL_ONSET_DAYS
    if steroid and diary_days >= first:
        onset = axes.axvspan(
            first - 0.5, min(last, diary_days) + 0.5, color=ONSET_COLOUR, alpha=0.3, linewidth=0
        )
        onset.set(gid=GID_USUAL_ONSET, label=f"Usual onset (days {first}–{last})", zorder=0)
    if steroid and rules.no_improvement_day <= diary_days:
        axes.axvline(
            rules.no_improvement_day,
            color=REFERENCE_COLOUR,
            linewidth=1.2,
            linestyle="-",
            zorder=1.5,
            gid=GID_NO_IMPROVEMENT_DAY,
            label=f"Day {rules.no_improvement_day}",
        )
    _draw_baseline(axes, baseline, GID_DAILY_BASELINE)
    _draw_relief(axes, baseline, rules.improvement_relief, GID_IMPROVEMENT, "improvement", "-.")

    days = latest_per_day(entry for entry in daily if entry.day <= diary_days)
    if not days:
        _note(axes, NO_RATINGS, GID_NO_RATINGS)
        return
    axes.plot(
        [entry.day for entry in days],
        [entry.pain for entry in days],
        **_pain_style(),
        gid=GID_DAILY_PAIN,
    )


# Shared drawing


def _draw_relief(axes, baseline, percent, gid, what, linestyle) -> None:
    """The pain level that gives `percent` relief from the baseline, labelled "75 % relief"."""
    if baseline is not None:
        pain = _pain_at_relief(baseline, percent)
        _draw_level(axes, pain, gid=gid, label=f"{percent:g} % {what}", linestyle=linestyle)


def _pain_at_relief(baseline, percent) -> float:
    """The pain that gives `percent` relief from `baseline`: where a threshold line sits."""
    return baseline * (1 - percent / 100)


def _pain_style() -> dict:
    return {
        "color": PAIN_COLOUR,
        "linewidth": 2,
        "marker": "o",
        "markersize": 6,
        "clip_on": False,
        "zorder": 3,
        "label": "Pain",
    }


def _draw_baseline(axes, baseline, gid) -> None:
    if baseline is None:
        _note(axes, NO_BASELINE, GID_NO_BASELINE, y=0.97, va="top")
        return
    _draw_level(axes, baseline, gid=gid, label="Baseline", linestyle="--", color=REFERENCE_COLOUR)


def _draw_level(axes, pain, *, gid, label, linestyle, color=RELIEF_COLOUR) -> None:
    axes.axhline(
        pain,
        color=color,
        linestyle=linestyle,
        linewidth=1.5,
        zorder=1.5,
        gid=gid,
        label=label,
    )


def _note(axes, text, gid, y=0.5, va="center") -> None:
    axes.text(
        0.5,
        y,
        text,
        transform=axes.transAxes,
        ha="center",
        va=va,
        fontsize=SMALL,
        color=NOTE_COLOUR,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
        # Under the pain line: a note must not hide a rating.
        zorder=2.5,
        gid=gid,
    )


def _style(axes) -> None:
    axes.tick_params(labelsize=SMALL)
    axes.grid(axis="y", color="#E4E4E4", linewidth=0.6, zorder=0)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _legend(figure, axes_pair, width) -> int:
    """One legend below both panels, each meaning listed once; returns its number of rows."""
    handles = [handle for axes in axes_pair for handle in axes.get_legend_handles_labels()[0]]
    handles.sort(key=lambda handle: LEGEND_ORDER.index(handle.get_gid()))
    entries = {}
    for handle in handles:
        entries.setdefault(handle.get_label(), handle)
    if not entries:
        return 0
    handles = list(entries.values())
    columns = max(1, min(len(entries), int((width - 0.2) // LEGEND_COLUMN_IN)))
    legend = figure.legend(
        handles,
        list(entries),
        loc="lower center",
        bbox_to_anchor=(0.5, 0),
        ncols=columns,
        frameon=False,
        fontsize=SMALL,
        handlelength=2.4,
        handletextpad=0.5,
        columnspacing=1.0,
        borderaxespad=0.2,
    )
    legend.set_gid(GID_LEGEND)
    for handle in legend.legend_handles:
        if handle.get_label() == "Provocation test":
            handle.set_markersize(PROVOCATION_LEGEND_SIZE)
    return -(-len(entries) // columns)


# The text alternative


def _baseline_sentence(baseline) -> str:
    return f"{NO_BASELINE}." if baseline is None else f"Baseline {baseline}/10."


def _timed_sentences(baseline, timed, summary, rules) -> list:
    hours = rules.anesthetic_hours
    if not timed:
        return [f"No ratings in the first {hours:g} hours."]
    sentences = []
    provocation = _provocation_entry(timed, summary)
    if provocation is None:
        sentences.append("No provocation test rating.")
    else:
        said = f"pain {provocation.pain}/10"
        provocation_relief = relief(baseline, provocation.pain)
        if provocation_relief is not None:
            said += f", relief {display.percent(provocation_relief)}"
        sentences.append(f"Provocation test at {provocation.minutes:.0f} min: {said}.")
    if summary is not None and summary.relief_hours is not None:
        threshold = f"{rules.positive_relief:g} %"
        if summary.relief_hours > 0:
            sentences.append(
                f"Relief at or above {threshold} for {display.hours(summary.relief_hours)}."
            )
        else:
            sentences.append(f"Relief did not reach {threshold} at the provocation test.")
    medicated = [_after(entry.minutes) for entry in timed if entry.analgesic]
    if medicated:
        sentences.append(f"Pain medicine at {', '.join(medicated)}.")
    return sentences


def _days_sentence(baseline, days) -> str:
    if not days:
        return "No daily ratings yet."
    pain_by_day = {entry.day: entry.pain for entry in days}
    last_day = days[-1].day
    pains = ", ".join(str(pain_by_day.get(day, display.MISSING)) for day in range(1, last_day + 1))
    span = "on day 1" if last_day == 1 else f"from day 1 to day {last_day}"
    sentence = f"Daily pain {span}: {pains}"
    last_relief = relief(baseline, days[-1].pain)
    if last_relief is not None:
        sentence += f"; last relief {display.percent(last_relief)} on day {last_day}"
    return sentence + "."


def _after(minutes) -> str:
    return f"{minutes:.0f} min" if minutes < 60 else display.hours(minutes / 60)
