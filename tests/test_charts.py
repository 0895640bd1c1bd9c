"""The episode chart and its text alternative, without Django or a database."""

import ast
import itertools
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from diary import charts
from diary.diagnosis import Rules, summarize


def at(minutes, pain, relief=None, analgesic=False):
    """A timed rating: `minutes` after the injection."""
    return SimpleNamespace(minutes=minutes, pain=pain, relief=relief, analgesic=analgesic)


def on(day, pain, relief=None):
    """A daily rating."""
    return SimpleNamespace(day=day, pain=pain, relief=relief)


# A realistic diary: positive test at 24 min, medicine at 4 h, a steroid responder by day 4.
TIMED = [
    at(24, 1),
    at(60, 1),
    at(120, 2),
    at(180, 2),
    at(240, 3, analgesic=True),
    at(300, 6),
    at(360, 7),
]
DAILY = [on(1, 9), on(2, 8), on(3, 7), on(4, 4), on(5, 3), on(6, 3), on(7, 3)]


def diary(baseline=8, timed=(), daily=(), rules=None, diary_days=7, steroid=True):
    """The keyword arguments of the chart functions, with the summary diagnosis reads."""
    rules = rules or Rules()
    return {
        "baseline": baseline,
        "timed": list(timed),
        "daily": list(daily),
        "summary": summarize(baseline, timed, daily, rules, steroid=steroid),
        "rules": rules,
        "diary_days": diary_days,
    }


def figure_of(**kwargs):
    return charts.episode_figure(**diary(**kwargs))


def described(**kwargs):
    return charts.describe(**diary(**kwargs))


def by_gid(axes, gid):
    """The artists of one panel that carry `gid`."""
    return [artist for artist in axes.get_children() if artist.get_gid() == gid]


def line(axes, gid):
    (found,) = by_gid(axes, gid)
    return found


def level(axes, gid):
    """The pain at which a horizontal reference line is drawn."""
    ys = set(line(axes, gid).get_ydata())
    assert len(ys) == 1
    return ys.pop()


def legend_labels(figure):
    return [text.get_text() for text in figure.legends[0].get_texts()] if figure.legends else []


def notes(axes):
    return [
        text.get_text()
        for text in axes.texts
        if text.get_gid() in (charts.GID_NO_RATINGS, charts.GID_NO_BASELINE)
    ]


def drawn(figure):
    """Draw the figure once with Agg and return the renderer that measures its text."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    return renderer


def visible_texts(figure):
    return [text for text in figure.findobj(Text) if text.get_visible() and text.get_text()]


def shown_tick_labels(labels):
    return [label for label in labels if label.get_visible() and label.get_text()]


EDGE_CASES = [
    pytest.param({"timed": TIMED, "daily": DAILY}, id="full-diary"),
    pytest.param({}, id="baseline-only"),
    pytest.param({"baseline": None}, id="nothing-at-all"),
    pytest.param({"baseline": None, "timed": TIMED, "daily": DAILY}, id="no-baseline"),
    pytest.param({"baseline": 0, "timed": TIMED, "daily": DAILY}, id="baseline-0"),
    pytest.param({"timed": TIMED}, id="only-timed"),
    pytest.param({"daily": DAILY}, id="only-daily"),
    pytest.param({"timed": [at(25, 2)]}, id="single-timed-point"),
    pytest.param({"daily": [on(3, 5)]}, id="single-daily-point"),
    pytest.param({"baseline": 10, "timed": [at(0, 10), at(25, 0)]}, id="pain-0-and-10"),
    pytest.param({"daily": [on(1, 0)], "diary_days": 1}, id="one-day-diary"),
    pytest.param(
        {"daily": [on(day, (day * 3) % 11) for day in range(1, 15)], "diary_days": 14},
        id="14-day-diary",
    ),
    pytest.param({"timed": [at(25, 1), at(600, 9, analgesic=True)]}, id="after-anesthetic-phase"),
]

SIZES = [pytest.param(8.0, 3.6, id="desktop"), pytest.param(4.0, 3.2, id="phone")]


# Drawing every kind of diary


@pytest.mark.parametrize("case", EDGE_CASES)
def test_it_draws_two_panels_and_renders_svg_for_every_kind_of_diary(case):
    figure = figure_of(**case)

    assert isinstance(figure, Figure)
    assert len(figure.axes) == 2
    svg = charts.render_svg(figure)
    assert svg.startswith(b"<?xml")
    assert b"<svg" in svg


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("case", EDGE_CASES)
def test_it_keeps_every_text_inside_the_figure_and_at_least_9_points(case, width, height):
    figure = charts.episode_figure(
        **diary(**case), title="Left SI joint", width=width, height=height
    )
    renderer = drawn(figure)

    for text in visible_texts(figure):
        box = text.get_window_extent(renderer)
        assert text.get_fontsize() >= 9, text.get_text()
        assert figure.bbox.x0 - 1 <= box.x0 and box.x1 <= figure.bbox.x1 + 1, text.get_text()
        assert figure.bbox.y0 - 1 <= box.y0 and box.y1 <= figure.bbox.y1 + 1, text.get_text()


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("diary_days", [7, 14])
def test_it_keeps_labels_and_legend_apart(width, height, diary_days):
    daily = [on(day, 5) for day in range(1, diary_days + 1)]
    figure = charts.episode_figure(
        **diary(timed=TIMED, daily=daily, diary_days=diary_days),
        title="Left SI joint",
        width=width,
        height=height,
    )
    renderer = drawn(figure)
    hours, days = figure.axes
    legend = figure.legends[0].get_window_extent(renderer)

    for axes in (hours, days):
        assert not legend.overlaps(axes.xaxis.label.get_window_extent(renderer))
        assert not legend.overlaps(axes.get_window_extent(renderer))
        assert not figure._suptitle.get_window_extent(renderer).overlaps(
            axes.title.get_window_extent(renderer)
        )
    tick_label_rows = [
        shown_tick_labels(hours.get_xticklabels()),
        shown_tick_labels(days.get_xticklabels()),
        shown_tick_labels(hours.get_yticklabels()),
    ]
    for labels in tick_label_rows:
        boxes = [label.get_window_extent(renderer) for label in labels]
        for first, second in itertools.pairwise(boxes):
            assert not first.overlaps(second)


def test_it_shares_the_pain_axis_from_0_to_10():
    hours, days = figure_of(timed=TIMED, daily=DAILY).axes

    assert hours.get_shared_y_axes().joined(hours, days)
    assert list(hours.get_yticks()) == list(range(11))
    bottom, top = days.get_ylim()
    assert bottom < 0 and top > 10
    assert hours.get_ylabel() == "Pain (0–10)"


def test_it_titles_the_figure_only_when_asked():
    titled = charts.episode_figure(**diary(), title="Left SI joint, 12 March")
    untitled = charts.episode_figure(**diary())

    assert titled.get_suptitle() == "Left SI joint, 12 March"
    assert untitled.get_suptitle() == ""


# The first hours


def test_it_draws_timed_pain_in_hours_in_time_order():
    shuffled = [TIMED[3], TIMED[0], TIMED[6], TIMED[1], TIMED[5], TIMED[2], TIMED[4]]
    hours, _ = figure_of(timed=shuffled).axes
    pain = line(hours, charts.GID_TIMED_PAIN)

    assert list(pain.get_xdata()) == [0.4, 1, 2, 3, 4, 5, 6]
    assert list(pain.get_ydata()) == [1, 1, 2, 2, 3, 6, 7]
    assert hours.get_title() == "First 8 hours"


def test_it_leaves_out_timed_ratings_after_the_anesthetic_phase():
    hours, _ = figure_of(timed=[at(25, 1), at(480, 4), at(600, 9, analgesic=True)]).axes

    assert list(line(hours, charts.GID_TIMED_PAIN).get_xdata()) == [25 / 60, 8]
    assert by_gid(hours, charts.GID_ANALGESIC) == []
    left, right = hours.get_xlim()
    assert left <= 0 and 8 <= right < 9


@pytest.mark.parametrize(
    "timed, minutes, pain",
    [
        pytest.param([at(25, 2), at(60, 3)], 25, 2, id="in-the-window"),
        pytest.param([at(45, 1), at(120, 3)], 45, 1, id="off-time"),
        pytest.param([at(20, 9, analgesic=True)], 20, 9, id="with-medicine"),
    ],
)
def test_it_rings_the_provocation_rating(timed, minutes, pain):
    hours, _ = figure_of(timed=timed).axes
    ring = line(hours, charts.GID_PROVOCATION)

    assert list(ring.get_xdata()) == [minutes / 60]
    assert list(ring.get_ydata()) == [pain]
    assert ring.get_label() == "Provocation test"
    assert ring.get_marker() != line(hours, charts.GID_TIMED_PAIN).get_marker() or (
        ring.get_markersize() > line(hours, charts.GID_TIMED_PAIN).get_markersize()
    )


@pytest.mark.parametrize(
    "case",
    [
        pytest.param({"timed": [at(90, 2), at(120, 3)]}, id="no-rating-near-the-test"),
        pytest.param({"timed": []}, id="no-timed-ratings"),
        pytest.param({"daily": DAILY}, id="only-daily"),
    ],
)
def test_it_draws_no_provocation_ring_without_a_provocation_rating(case):
    figure = figure_of(**case)
    hours, _ = figure.axes

    assert by_gid(hours, charts.GID_PROVOCATION) == []
    assert "Provocation test" not in legend_labels(figure)


def test_it_marks_pain_medicine_where_it_was_taken():
    figure = figure_of(timed=TIMED)
    hours, _ = figure.axes
    medicine = line(hours, charts.GID_ANALGESIC)

    assert list(medicine.get_xdata()) == [4]
    assert list(medicine.get_ydata()) == [3]
    assert medicine.get_marker() != line(hours, charts.GID_TIMED_PAIN).get_marker()
    assert "Pain medicine" in legend_labels(figure)


def test_it_marks_no_pain_medicine_when_none_was_taken():
    figure = figure_of(timed=[at(25, 1), at(60, 2)])
    hours, _ = figure.axes

    assert by_gid(hours, charts.GID_ANALGESIC) == []
    assert "Pain medicine" not in legend_labels(figure)


def test_it_shades_the_provocation_window():
    rules = Rules(provocation_window=(15, 45))
    hours, _ = figure_of(timed=TIMED, rules=rules).axes
    window = line(hours, charts.GID_PROVOCATION_WINDOW)

    assert window.get_x() == pytest.approx(0.25)
    assert window.get_x() + window.get_width() == pytest.approx(0.75)
    assert window.get_label() == "Test window (15–45 min)"


@pytest.mark.parametrize(
    "baseline, rules, expected",
    [
        pytest.param(8, Rules(), 2.0, id="75-percent"),
        pytest.param(8, Rules(positive_relief=50), 4.0, id="50-percent"),
        pytest.param(6, Rules(positive_relief=100), 0.0, id="100-percent"),
        pytest.param(0, Rules(), 0.0, id="baseline-0"),
    ],
)
def test_it_draws_the_positive_relief_level(baseline, rules, expected):
    figure = figure_of(baseline=baseline, timed=TIMED, rules=rules)
    hours, _ = figure.axes

    assert level(hours, charts.GID_POSITIVE_RELIEF) == pytest.approx(expected)
    assert f"{rules.positive_relief:g} % relief" in legend_labels(figure)


@pytest.mark.parametrize("baseline", [0, 4, 8, 10])
def test_it_draws_the_baseline_in_both_panels(baseline):
    hours, days = figure_of(baseline=baseline, timed=TIMED, daily=DAILY).axes

    assert level(hours, charts.GID_TIMED_BASELINE) == baseline
    assert level(days, charts.GID_DAILY_BASELINE) == baseline
    assert notes(hours) == notes(days) == []


# The diary days


@pytest.mark.parametrize("diary_days", [1, 7, 14])
def test_it_spans_the_days_axis_over_the_diary(diary_days):
    _, days = figure_of(daily=[on(1, 5)], diary_days=diary_days).axes

    assert list(days.get_xticks()) == list(range(1, diary_days + 1))
    left, right = days.get_xlim()
    assert left < 1 and diary_days < right < diary_days + 1
    expected_title = "Day 1" if diary_days == 1 else f"Days 1–{diary_days}"
    assert days.get_title() == expected_title


def test_it_draws_daily_pain_by_day_in_day_order_and_within_the_diary():
    shuffled = [on(4, 4), on(1, 9), on(9, 2), on(2, 7)]
    _, days = figure_of(daily=shuffled, diary_days=7).axes
    pain = line(days, charts.GID_DAILY_PAIN)

    assert list(pain.get_xdata()) == [1, 2, 4]
    assert list(pain.get_ydata()) == [9, 7, 4]


@pytest.mark.parametrize(
    "diary_days, rules, expected_day",
    [
        pytest.param(7, Rules(), None, id="7-day-diary"),
        pytest.param(10, Rules(), 10, id="10-day-diary"),
        pytest.param(14, Rules(), 10, id="14-day-diary"),
        pytest.param(7, Rules(no_improvement_day=7), 7, id="clinic-sets-day-7"),
    ],
)
def test_it_marks_the_no_improvement_day_only_within_the_diary(diary_days, rules, expected_day):
    figure = figure_of(daily=DAILY, rules=rules, diary_days=diary_days)
    _, days = figure.axes
    found = by_gid(days, charts.GID_NO_IMPROVEMENT_DAY)

    if expected_day is None:
        assert found == []
    else:
        assert set(found[0].get_xdata()) == {expected_day}
        assert f"Day {expected_day}" in legend_labels(figure)


@pytest.mark.parametrize(
    "baseline, rules, expected",
    [
        pytest.param(8, Rules(), 5.6, id="30-percent"),
        pytest.param(10, Rules(improvement_relief=50), 5.0, id="50-percent"),
        pytest.param(0, Rules(), 0.0, id="baseline-0"),
    ],
)
def test_it_draws_the_improvement_level(baseline, rules, expected):
    figure = figure_of(baseline=baseline, daily=DAILY, rules=rules)
    _, days = figure.axes

    assert level(days, charts.GID_IMPROVEMENT) == pytest.approx(expected)
    assert f"{rules.improvement_relief:g} % improvement" in legend_labels(figure)


@pytest.mark.parametrize(
    "diary_days, span",
    [(1, None), (3, (1.5, 3.5)), (7, (1.5, 5.5)), (14, (1.5, 5.5))],
)
def test_it_shades_the_days_of_usual_onset(diary_days, span):
    _, days = figure_of(daily=DAILY, diary_days=diary_days).axes
    found = by_gid(days, charts.GID_USUAL_ONSET)

    if span is None:
        assert found == []
    else:
        (onset,) = found
        assert (onset.get_x(), onset.get_x() + onset.get_width()) == pytest.approx(span)


def test_a_diagnostic_block_has_no_steroid_band_and_no_day_10_line():
    figure = figure_of(daily=DAILY, diary_days=14, steroid=False)
    _, days = figure.axes

    assert by_gid(days, charts.GID_USUAL_ONSET) == []
    assert by_gid(days, charts.GID_NO_IMPROVEMENT_DAY) == []
    assert not any("onset" in label or "Day 10" in label for label in legend_labels(figure))
    assert line(days, charts.GID_DAILY_PAIN) is not None  # the week is still drawn


def test_a_therapeutic_block_has_both():
    _, days = figure_of(daily=DAILY, diary_days=14).axes

    assert by_gid(days, charts.GID_USUAL_ONSET) != []
    assert by_gid(days, charts.GID_NO_IMPROVEMENT_DAY) != []


# Missing data


def test_it_says_no_baseline_and_draws_no_baseline_lines_without_one():
    figure = figure_of(baseline=None, timed=TIMED, daily=DAILY)
    hours, days = figure.axes

    for axes, gids in [
        (hours, (charts.GID_TIMED_BASELINE, charts.GID_POSITIVE_RELIEF)),
        (days, (charts.GID_DAILY_BASELINE, charts.GID_IMPROVEMENT)),
    ]:
        assert notes(axes) == ["No baseline"]
        assert [by_gid(axes, gid) for gid in gids] == [[], []]
    assert "Baseline" not in legend_labels(figure)
    assert line(hours, charts.GID_TIMED_PAIN) and line(days, charts.GID_DAILY_PAIN)


@pytest.mark.parametrize(
    "case, hours_notes, days_notes",
    [
        pytest.param({}, ["No ratings yet"], ["No ratings yet"], id="baseline-only"),
        pytest.param(
            {"baseline": None},
            ["No baseline", "No ratings yet"],
            ["No baseline", "No ratings yet"],
            id="nothing",
        ),
        pytest.param({"timed": TIMED}, [], ["No ratings yet"], id="only-timed"),
        pytest.param({"daily": DAILY}, ["No ratings yet"], [], id="only-daily"),
        pytest.param(
            {"timed": [at(600, 3)], "daily": [on(8, 3)]},
            ["No ratings yet"],
            ["No ratings yet"],
            id="only-ratings-outside-the-chart",
        ),
    ],
)
def test_it_says_no_ratings_yet_in_an_empty_panel(case, hours_notes, days_notes):
    hours, days = figure_of(**case).axes

    assert sorted(notes(hours)) == hours_notes
    assert sorted(notes(days)) == days_notes
    assert by_gid(hours, charts.GID_TIMED_PAIN) == [] or hours_notes == []
    assert by_gid(days, charts.GID_DAILY_PAIN) == [] or days_notes == []


# Legend and output


def test_it_lists_each_meaning_once_in_the_legend():
    labels = legend_labels(figure_of(timed=TIMED, daily=DAILY, diary_days=14))

    assert sorted(labels) == sorted(
        [
            "Pain",
            "Provocation test",
            "Pain medicine",
            "Baseline",
            "75 % relief",
            "30 % improvement",
            "Test window (20–30 min)",
            "Usual onset (days 2–5)",
            "Day 10",
        ]
    )


def test_it_gives_every_line_its_own_style_not_only_a_colour():
    hours, days = figure_of(timed=TIMED, daily=DAILY, diary_days=14).axes
    lines = [
        line(hours, charts.GID_TIMED_PAIN),
        line(hours, charts.GID_TIMED_BASELINE),
        line(hours, charts.GID_POSITIVE_RELIEF),
        line(days, charts.GID_IMPROVEMENT),
        line(days, charts.GID_NO_IMPROVEMENT_DAY),
    ]
    styles = {(drawn_line.get_linestyle(), drawn_line.get_marker()) for drawn_line in lines}

    assert len(styles) == len(lines)


def test_it_renders_the_same_svg_for_the_same_diary():
    first = charts.render_svg(figure_of(timed=TIMED, daily=DAILY))
    second = charts.render_svg(figure_of(timed=TIMED, daily=DAILY))
    other = charts.render_svg(figure_of(timed=TIMED, daily=DAILY[:-1]))

    assert first == second
    assert first != other


def test_it_names_the_drawn_parts_in_the_svg():
    svg = charts.render_svg(figure_of(timed=TIMED, daily=DAILY))

    for gid in (charts.GID_PROVOCATION, charts.GID_ANALGESIC, charts.GID_TIMED_BASELINE):
        assert f'id="{gid}"'.encode() in svg


def test_it_does_not_depend_on_pyplot_or_django():
    source = Path(charts.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)

    assert not any("pyplot" in name or name.startswith("django") for name in imported)
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, diary.charts; "
            "print(sorted(m for m in sys.modules if m == 'matplotlib.pyplot' or "
            "m.split('.')[0] == 'django'))",
        ],
        cwd=Path(charts.__file__).parents[1],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


# The text alternative


@pytest.mark.parametrize(
    "case, expected",
    [
        pytest.param(
            {"timed": TIMED, "daily": DAILY},
            "Pain chart. Baseline 8/10. Provocation test at 24 min: pain 1/10, relief 88 %. "
            "Relief at or above 75 % for 3.0 h. Pain medicine at 4.0 h. "
            "Daily pain from day 1 to day 7: 9, 8, 7, 4, 3, 3, 3; last relief 62 % on day 7.",
            id="full-diary",
        ),
        pytest.param({}, "Pain chart. Baseline 8/10. No ratings yet.", id="baseline-only"),
        pytest.param({"baseline": None}, "Pain chart. No baseline. No ratings yet.", id="nothing"),
        pytest.param(
            {"baseline": None, "timed": [at(25, 2)], "daily": [on(1, 6)]},
            "Pain chart. No baseline. Provocation test at 25 min: pain 2/10. "
            "Daily pain on day 1: 6.",
            id="no-baseline",
        ),
        pytest.param(
            {"baseline": 0, "timed": [at(25, 0)], "daily": [on(2, 1)]},
            "Pain chart. Baseline 0/10. Provocation test at 25 min: pain 0/10. "
            "Daily pain from day 1 to day 2: –, 1.",
            id="baseline-0",
        ),
        pytest.param(
            {"timed": [at(25, 4), at(60, 2)]},
            "Pain chart. Baseline 8/10. Provocation test at 25 min: pain 4/10, relief 50 %. "
            "Relief did not reach 75 % at the provocation test. No daily ratings yet.",
            id="partial-relief-only-timed",
        ),
        pytest.param(
            {"daily": [on(1, 9), on(2, 7), on(4, 4)]},
            "Pain chart. Baseline 8/10. No ratings in the first 8 hours. "
            "Daily pain from day 1 to day 4: 9, 7, –, 4; last relief 50 % on day 4.",
            id="only-daily-with-a-gap",
        ),
        pytest.param(
            {"timed": [at(90, 2), at(120, 3)]},
            "Pain chart. Baseline 8/10. No provocation test rating. No daily ratings yet.",
            id="no-provocation-rating",
        ),
    ],
)
def test_it_describes_the_key_numbers_in_plain_sentences(case, expected):
    assert described(**case) == expected


@pytest.mark.parametrize(
    "baseline, pain, shown",
    [(8, 1, "relief 88 %"), (8, 3, "relief 62 %"), (6, 1, "relief 83 %"), (4, 6, "relief -50 %")],
)
def test_it_rounds_relief_only_for_display(baseline, pain, shown):
    assert shown in described(baseline=baseline, timed=[at(25, pain)])


def test_it_describes_relief_against_the_clinics_threshold():
    text = described(timed=[at(25, 4), at(60, 4), at(120, 5)], rules=Rules(positive_relief=50))

    assert "Relief at or above 50 % for 1.0 h." in text


def test_it_describes_only_the_days_within_the_diary():
    text = described(daily=[on(1, 8), on(2, 6), on(12, 2)], diary_days=7)

    assert "Daily pain from day 1 to day 2: 8, 6; last relief 25 % on day 2." in text
