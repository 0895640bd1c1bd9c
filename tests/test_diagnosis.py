"""The reading rules of CLINICAL.md sections 2, 3 and 5, without Django or a database."""

import dataclasses
import json
from types import SimpleNamespace

import pytest

from diary import diagnosis
from diary.diagnosis import Rules, Summary, relief, summarize


def at(minutes, pain, relief=None, analgesic=False):
    """A timed rating: `minutes` after the injection."""
    return SimpleNamespace(minutes=minutes, pain=pain, relief=relief, analgesic=analgesic)


def on(day, pain, relief=None):
    """A daily rating."""
    return SimpleNamespace(day=day, pain=pain, relief=relief)


def assert_fields(summary, expected):
    actual = {name: getattr(summary, name) for name in expected}
    assert actual == expected


# The worked examples of CLINICAL.md section 3, with every field they state.
WORKED_EXAMPLES = [
    pytest.param(
        8,
        [at(25, 0)],
        [],
        {"diagnostic": "positive", "provocation_relief": 100.0, "steroid": "pending"},
        id="complete-relief",
    ),
    pytest.param(
        8,
        [at(25, 2)],
        [on(1, 9), on(2, 7), on(4, 4), on(7, 3)],
        {
            "diagnostic": "positive",
            "provocation_relief": 75.0,
            "flare": True,
            "onset_day": 4,
            "last_relief": 62.5,
            "steroid": "responder",
        },
        id="positive-with-flare-and-response",
    ),
    pytest.param(
        8,
        [at(25, 4)],
        [],
        {"diagnostic": "indeterminate", "reasons": ("partial_relief",)},
        id="partial-relief",
    ),
    pytest.param(
        3,
        [at(25, 0)],
        [],
        {"diagnostic": "indeterminate", "reasons": ("low_baseline",)},
        id="low-baseline",
    ),
    pytest.param(
        6,
        [at(45, 1)],
        [],
        {"diagnostic": "positive", "warnings": ("provocation_off_time",)},
        id="off-time",
    ),
    pytest.param(
        7,
        [at(20, 1, analgesic=True)],
        [],
        {"diagnostic": "indeterminate", "reasons": ("analgesic_before_test",)},
        id="analgesic-before-test",
    ),
    pytest.param(
        5,
        [],
        [on(1, 5)],
        {"diagnostic": "incomplete", "reasons": ("no_provocation",)},
        id="no-provocation",
    ),
]


@pytest.mark.parametrize("baseline, timed, daily, expected", WORKED_EXAMPLES)
def test_it_reads_the_worked_examples(baseline, timed, daily, expected):
    assert_fields(summarize(baseline, timed, daily), expected)


def test_it_reads_the_second_worked_example_in_full():
    summary = summarize(8, [at(25, 2)], [on(1, 9), on(2, 7), on(4, 4), on(7, 3)])

    assert summary == Summary(
        diagnostic="positive",
        reasons=(),
        warnings=(),
        provocation_minutes=25.0,
        provocation_relief=75.0,
        peak_relief=75.0,
        relief_hours=25 / 60,
        flare=True,
        onset_day=4,
        last_day=7,
        last_relief=62.5,
        steroid="responder",
    )


@pytest.mark.parametrize(
    "baseline, pain, expected",
    [
        (8, 2, 75.0),
        (8, 0, 100.0),
        (10, 5, 50.0),
        (4, 4, 0.0),
        (6, 8, -100 / 3),
        (None, 3, None),
        (0, 0, None),
    ],
)
def test_it_computes_relief_from_the_numbers(baseline, pain, expected):
    assert relief(baseline, pain) == expected


def test_it_computes_relief_as_a_float():
    assert type(relief(4, 4)) is float


@pytest.mark.parametrize(
    "baseline, pain, diagnostic, reasons, provocation_relief",
    [
        pytest.param(8, 2, "positive", (), 75.0, id="exactly-75-is-positive"),
        pytest.param(7, 2, "indeterminate", ("partial_relief",), 500 / 7, id="71-is-partial"),
        pytest.param(8, 4, "indeterminate", ("partial_relief",), 50.0, id="exactly-50-is-partial"),
        pytest.param(9, 5, "negative", (), 400 / 9, id="44-is-negative"),
        pytest.param(10, 10, "negative", (), 0.0, id="no-relief-is-negative"),
        pytest.param(6, 8, "negative", (), -100 / 3, id="worse-is-negative"),
        pytest.param(4, 0, "positive", (), 100.0, id="baseline-4-is-enough"),
        pytest.param(3, 0, "indeterminate", ("low_baseline",), 100.0, id="baseline-3-is-low"),
        pytest.param(3, 3, "indeterminate", ("low_baseline",), 0.0, id="low-even-if-negative"),
        pytest.param(0, 0, "indeterminate", ("low_baseline",), None, id="baseline-0-no-relief"),
    ],
)
def test_it_grades_the_provocation_relief_at_each_threshold(
    baseline, pain, diagnostic, reasons, provocation_relief
):
    summary = summarize(baseline, [at(25, pain)], [])

    assert summary.diagnostic == diagnostic
    assert summary.reasons == reasons
    assert summary.provocation_relief == pytest.approx(provocation_relief)


def test_it_never_rounds_relief_before_comparing():
    # 100 × 5 / 7 = 71.428…, which would reach 71.43 if it were rounded to two decimals.
    summary = summarize(7, [at(25, 2)], [], Rules(positive_relief=71.43))

    assert summary.diagnostic == "indeterminate"
    assert summary.reasons == ("partial_relief",)


@pytest.mark.parametrize(
    "timed, minutes, off_time",
    [
        pytest.param([at(20, 0)], 20.0, False, id="window-start"),
        pytest.param([at(30, 0)], 30.0, False, id="window-end"),
        pytest.param([at(22.5, 0)], 22.5, False, id="fractional-minutes"),
        pytest.param([at(19, 0)], 19.0, True, id="just-before-window"),
        pytest.param([at(31, 0)], 31.0, True, id="just-after-window"),
        pytest.param([at(10, 0)], 10.0, True, id="fallback-start"),
        pytest.param([at(60, 0)], 60.0, True, id="fallback-end"),
        pytest.param([at(15, 0), at(35, 8)], 15.0, True, id="fallback-tie-takes-earlier"),
        pytest.param([at(35, 8), at(15, 0)], 15.0, True, id="fallback-tie-unsorted"),
        pytest.param([at(12, 0), at(40, 8)], 12.0, True, id="fallback-closest-to-middle"),
        pytest.param([at(10, 0), at(45, 8)], 10.0, True, id="fallback-closest-before"),
        pytest.param([at(5, 8), at(60, 0)], 60.0, True, id="fallback-ignores-outside"),
        pytest.param([at(19, 8), at(30, 0)], 30.0, False, id="window-beats-earlier-fallback"),
        pytest.param([at(28, 8), at(22, 0), at(25, 8)], 22.0, False, id="earliest-in-window"),
        pytest.param(
            [at(240, 8), at(60, 8), at(25, 0), at(0, 8), at(120, 8)],
            25.0,
            False,
            id="unsorted",
        ),
    ],
)
def test_it_finds_the_provocation_rating(timed, minutes, off_time):
    summary = summarize(8, timed, [])

    assert summary.provocation_minutes == minutes
    # Every case puts pain 0 on the entry that should be chosen.
    assert summary.provocation_relief == 100.0
    assert ("provocation_off_time" in summary.warnings) is off_time


@pytest.mark.parametrize(
    "timed, diagnostic",
    [
        pytest.param([at(25, 0), at(25, 8)], "positive", id="first-given-first"),
        pytest.param([at(25, 8), at(25, 0)], "negative", id="first-given-last"),
    ],
)
def test_it_takes_the_first_given_of_entries_at_the_same_minutes(timed, diagnostic):
    assert summarize(8, timed, []).diagnostic == diagnostic


@pytest.mark.parametrize(
    "timed",
    [
        pytest.param([], id="no-timed-entries"),
        pytest.param([at(9, 0)], id="just-before-fallback"),
        pytest.param([at(61, 0)], id="just-after-fallback"),
        pytest.param([at(0, 0), at(5, 0), at(120, 0)], id="only-outside-fallback"),
    ],
)
def test_it_is_incomplete_without_a_provocation_rating(timed):
    summary = summarize(8, timed, [])

    assert summary.diagnostic == "incomplete"
    assert summary.reasons == ("no_provocation",)
    assert summary.provocation_minutes is None
    assert summary.provocation_relief is None
    assert summary.relief_hours is None
    assert "provocation_off_time" not in summary.warnings


@pytest.mark.parametrize(
    "timed, warnings",
    [
        pytest.param([at(25, 0)], (), id="on-time"),
        pytest.param([at(45, 0)], ("provocation_off_time",), id="off-time"),
        pytest.param([], (), id="no-provocation"),
    ],
)
def test_it_is_incomplete_without_a_baseline_but_still_finds_the_provocation(timed, warnings):
    summary = summarize(None, timed, [])

    assert summary.diagnostic == "incomplete"
    assert summary.reasons == ("no_baseline",)
    assert summary.provocation_minutes == (float(timed[0].minutes) if timed else None)
    assert summary.provocation_relief is None
    assert summary.peak_relief is None
    assert summary.relief_hours is None
    assert summary.warnings == warnings


@pytest.mark.parametrize(
    "baseline, timed, diagnostic, reasons, warnings",
    [
        pytest.param(
            8,
            [at(25, 0, analgesic=True)],
            "indeterminate",
            ("analgesic_before_test",),
            ("analgesic_in_window",),
            id="spoils-positive",
        ),
        pytest.param(
            8,
            [at(10, 6, analgesic=True), at(25, 0)],
            "indeterminate",
            ("analgesic_before_test",),
            ("analgesic_in_window",),
            id="earlier-entry-spoils-positive",
        ),
        pytest.param(
            8,
            [at(25, 0), at(25, 1, analgesic=True)],
            "indeterminate",
            ("analgesic_before_test",),
            ("analgesic_in_window",),
            id="entry-at-the-same-minutes-spoils",
        ),
        pytest.param(
            8,
            [at(25, 4, analgesic=True)],
            "indeterminate",
            ("partial_relief", "analgesic_before_test"),
            ("analgesic_in_window",),
            id="spoils-partial",
        ),
        pytest.param(
            8,
            [at(25, 6, analgesic=True)],
            "negative",
            (),
            ("analgesic_in_window",),
            id="never-spoils-negative",
        ),
        pytest.param(
            8,
            [at(25, 0), at(120, 2, analgesic=True)],
            "positive",
            (),
            ("analgesic_in_window",),
            id="after-the-test-only-warns",
        ),
        pytest.param(
            8,
            [at(25, 0), at(360, 2, analgesic=True)],
            "positive",
            (),
            ("analgesic_in_window",),
            id="at-6-hours-warns",
        ),
        pytest.param(
            8,
            [at(25, 0), at(361, 2, analgesic=True)],
            "positive",
            (),
            (),
            id="after-6-hours-is-allowed",
        ),
        pytest.param(
            3,
            [at(25, 0, analgesic=True)],
            "indeterminate",
            ("low_baseline",),
            ("analgesic_in_window",),
            id="low-baseline-comes-first",
        ),
        pytest.param(
            None,
            [at(60, 5, analgesic=True)],
            "incomplete",
            ("no_baseline",),
            ("provocation_off_time", "analgesic_in_window"),
            id="warns-without-baseline",
        ),
    ],
)
def test_it_weighs_pain_medicine(baseline, timed, diagnostic, reasons, warnings):
    summary = summarize(baseline, timed, [])

    assert summary.diagnostic == diagnostic
    assert summary.reasons == reasons
    assert summary.warnings == warnings


@pytest.mark.parametrize(
    "baseline, provocation, warnings",
    [
        pytest.param(10, at(25, 5, relief=70), (), id="discrepancy-of-exactly-20"),
        pytest.param(10, at(25, 5, relief=30), (), id="understated-by-exactly-20"),
        pytest.param(10, at(25, 5, relief=80), ("relief_discrepancy",), id="discrepancy-of-30"),
        pytest.param(10, at(25, 5, relief=20), ("relief_discrepancy",), id="understated-by-30"),
        pytest.param(10, at(25, 5, relief=None), (), id="no-stated-relief"),
        pytest.param(0, at(25, 0, relief=100), (), id="no-computed-relief"),
        pytest.param(6, at(25, 8), ("pain_worse",), id="pain-worse"),
        pytest.param(6, at(25, 6), (), id="pain-unchanged"),
        pytest.param(
            6, at(25, 8, relief=0), ("pain_worse", "relief_discrepancy"), id="worse-and-stated-0"
        ),
        pytest.param(
            5,
            at(40, 7, relief=50, analgesic=True),
            ("provocation_off_time", "pain_worse", "relief_discrepancy", "analgesic_in_window"),
            id="all-warnings-in-order",
        ),
    ],
)
def test_it_warns_about_the_provocation_rating(baseline, provocation, warnings):
    assert summarize(baseline, [provocation], []).warnings == warnings


def test_it_never_lets_warnings_change_the_result():
    summary = summarize(5, [at(40, 7, relief=50, analgesic=True)], [])

    assert summary.diagnostic == "negative"
    assert summary.reasons == ()


@pytest.mark.parametrize(
    "baseline, timed, relief_hours",
    [
        pytest.param(
            8,
            [at(25, 0), at(60, 1), at(120, 2), at(180, 1), at(240, 2), at(300, 5), at(360, 0)],
            4.0,
            id="positive-to-4-hours-then-drops",
        ),
        pytest.param(8, [at(25, 0), at(60, 6)], 25 / 60, id="drops-right-after"),
        pytest.param(8, [at(25, 0)], 25 / 60, id="only-the-provocation"),
        pytest.param(
            8, [at(25, 0), at(60, 0), at(480, 0), at(540, 0)], 8.0, id="ignores-past-8-hours"
        ),
        pytest.param(8, [at(10, 8), at(25, 0), at(60, 0)], 1.0, id="ignores-before-the-test"),
        pytest.param(8, [at(120, 0), at(25, 0), at(60, 6)], 25 / 60, id="unsorted"),
        pytest.param(8, [at(45, 0), at(90, 0)], 1.5, id="from-an-off-time-provocation"),
        pytest.param(8, [at(25, 0), at(25, 8), at(60, 0)], 25 / 60, id="same-minutes-drop"),
        pytest.param(8, [at(25, 3), at(60, 0)], 0.0, id="partial-is-zero"),
        pytest.param(8, [at(25, 8), at(60, 0)], 0.0, id="negative-is-zero"),
        pytest.param(3, [at(25, 0), at(60, 0)], 1.0, id="computed-with-low-baseline"),
        pytest.param(8, [at(25, 0, analgesic=True), at(60, 0)], 1.0, id="computed-with-analgesic"),
        pytest.param(0, [at(25, 0), at(60, 0)], None, id="none-with-baseline-0"),
        pytest.param(None, [at(25, 0), at(60, 0)], None, id="none-without-baseline"),
        pytest.param(8, [at(120, 0)], None, id="none-without-provocation"),
    ],
)
def test_it_measures_how_long_relief_lasted(baseline, timed, relief_hours):
    assert summarize(baseline, timed, []).relief_hours == relief_hours


@pytest.mark.parametrize(
    "baseline, timed, peak_relief",
    [
        pytest.param(8, [at(25, 2), at(60, 0), at(120, 4)], 100.0, id="highest"),
        pytest.param(8, [at(0, 0), at(25, 4)], 50.0, id="ignores-minute-0"),
        pytest.param(8, [at(25, 4), at(480, 2)], 75.0, id="includes-8-hours"),
        pytest.param(8, [at(25, 4), at(481, 0)], 50.0, id="ignores-past-8-hours"),
        pytest.param(6, [at(25, 9)], -50.0, id="negative-when-worse"),
        pytest.param(8, [at(120, 4)], 50.0, id="without-provocation"),
        pytest.param(3, [at(25, 0)], 100.0, id="with-low-baseline"),
        pytest.param(8, [], None, id="no-entries"),
        pytest.param(8, [at(600, 0)], None, id="no-entries-in-phase"),
        pytest.param(0, [at(25, 0)], None, id="baseline-0"),
        pytest.param(None, [at(25, 0)], None, id="no-baseline"),
    ],
)
def test_it_finds_the_peak_relief_of_the_anesthetic_phase(baseline, timed, peak_relief):
    assert summarize(baseline, timed, []).peak_relief == peak_relief


@pytest.mark.parametrize(
    "daily, flare",
    [
        pytest.param([on(3, 9)], True, id="day-3-above-baseline"),
        pytest.param([on(1, 10), on(2, 4)], True, id="day-1-above-baseline"),
        pytest.param([on(4, 9)], False, id="day-4-is-past-the-flare-days"),
        pytest.param([on(1, 8), on(2, 8), on(3, 8)], False, id="equal-to-baseline"),
        pytest.param([], False, id="no-entries"),
    ],
)
def test_it_notices_a_flare(daily, flare):
    assert summarize(8, [], daily).flare is flare


@pytest.mark.parametrize(
    "baseline, daily, onset_day",
    [
        pytest.param(8, [on(1, 4), on(2, 4), on(3, 7), on(4, 5), on(5, 4)], 4, id="dip-after"),
        pytest.param(8, [on(1, 5), on(2, 4)], 1, id="from-day-1"),
        pytest.param(10, [on(1, 9), on(2, 7)], 2, id="exactly-30"),
        pytest.param(7, [on(1, 7), on(2, 5)], None, id="just-below-30"),
        pytest.param(8, [on(1, 4), on(2, 4), on(3, 8)], None, id="lost-on-the-last-day"),
        pytest.param(8, [on(7, 2), on(1, 8), on(3, 4), on(2, 9)], 3, id="unsorted"),
        pytest.param(8, [on(1, 8), on(5, 4)], 5, id="days-skipped"),
        pytest.param(8, [], None, id="no-entries"),
    ],
)
def test_it_finds_the_day_improvement_began(baseline, daily, onset_day):
    assert summarize(baseline, [], daily).onset_day == onset_day


@pytest.mark.parametrize(
    "baseline, daily, last_day, last_relief, steroid",
    [
        pytest.param(8, [], None, None, "pending", id="pending-without-entries"),
        pytest.param(10, [on(1, 5)], 1, 50.0, "responder", id="responder-at-exactly-50"),
        pytest.param(10, [on(3, 8), on(7, 2)], 7, 80.0, "responder", id="responder"),
        pytest.param(9, [on(2, 5)], 2, 400 / 9, "partial", id="partial-just-below-50"),
        pytest.param(10, [on(5, 7)], 5, 30.0, "partial", id="partial-at-exactly-30"),
        pytest.param(7, [on(5, 5)], 5, 200 / 7, "no_improvement_yet", id="just-below-30"),
        pytest.param(10, [on(9, 8)], 9, 20.0, "no_improvement_yet", id="not-yet-at-day-9"),
        pytest.param(10, [on(10, 8)], 10, 20.0, "non_responder", id="non-responder-at-day-10"),
        pytest.param(10, [on(14, 10)], 14, 0.0, "non_responder", id="non-responder-at-day-14"),
        pytest.param(6, [on(1, 9)], 1, -50.0, "no_improvement_yet", id="worse-on-day-1"),
        pytest.param(8, [on(7, 2), on(2, 8)], 7, 75.0, "responder", id="unsorted"),
        pytest.param(3, [on(7, 1)], 7, 200 / 3, "responder", id="low-baseline-still-counts"),
    ],
)
def test_it_classifies_the_steroid_response(baseline, daily, last_day, last_relief, steroid):
    summary = summarize(baseline, [], daily)

    assert summary.last_day == last_day
    assert summary.last_relief == pytest.approx(last_relief)
    assert summary.steroid == steroid


@pytest.mark.parametrize("baseline", [None, 0])
def test_it_leaves_the_steroid_phase_pending_without_a_baseline_above_0(baseline):
    summary = summarize(baseline, [at(25, 0)], [on(1, 9), on(5, 0), on(10, 0)])

    assert summary.flare is False
    assert summary.onset_day is None
    assert summary.last_day is None
    assert summary.last_relief is None
    assert summary.steroid == "pending"


def test_it_takes_the_last_given_entry_of_a_day_recorded_twice():
    summary = summarize(8, [], [on(1, 9), on(5, 2), on(5, 7), on(1, 8)])

    # Any entry above baseline in the flare days is a flare, even if the day was re-rated.
    assert summary.flare is True
    assert summary.last_relief == 12.5
    assert summary.onset_day is None
    assert summary.steroid == "no_improvement_yet"


@pytest.mark.parametrize(
    "rules, baseline, timed, daily, expected",
    [
        pytest.param(
            Rules(positive_relief=100),
            8,
            [at(25, 0), at(60, 0), at(120, 1)],
            [],
            {"diagnostic": "positive", "relief_hours": 1.0},
            id="complete-relief-required-and-reached",
        ),
        pytest.param(
            Rules(positive_relief=100),
            8,
            [at(25, 1)],
            [],
            {"diagnostic": "indeterminate", "reasons": ("partial_relief",), "relief_hours": 0.0},
            id="complete-relief-required-87-is-partial",
        ),
        pytest.param(
            Rules(positive_relief=50, negative_below=30),
            8,
            [at(25, 4), at(60, 4), at(120, 5)],
            [],
            {"diagnostic": "positive", "relief_hours": 1.0},
            id="50-percent-is-positive",
        ),
        pytest.param(
            Rules(positive_relief=50, negative_below=30),
            10,
            [at(25, 7)],
            [],
            {"diagnostic": "indeterminate", "reasons": ("partial_relief",)},
            id="50-percent-rule-30-is-partial",
        ),
        pytest.param(
            Rules(positive_relief=50, negative_below=30),
            9,
            [at(25, 7)],
            [],
            {"diagnostic": "negative", "reasons": ()},
            id="50-percent-rule-22-is-negative",
        ),
        pytest.param(
            Rules(min_baseline=6),
            5,
            [at(25, 0)],
            [],
            {"diagnostic": "indeterminate", "reasons": ("low_baseline",)},
            id="higher-minimum-baseline",
        ),
        pytest.param(
            Rules(min_baseline=0),
            0,
            [at(25, 0)],
            [],
            {"diagnostic": "indeterminate", "reasons": ("low_baseline",)},
            id="baseline-0-is-always-low",
        ),
        pytest.param(
            Rules(provocation_window=(15, 20), provocation_fallback=(5, 40)),
            8,
            [at(25, 8), at(10, 0)],
            [],
            {"provocation_minutes": 10.0, "warnings": ("provocation_off_time",)},
            id="own-window-tie-around-17.5",
        ),
        pytest.param(
            Rules(anesthetic_hours=4),
            8,
            [at(25, 4), at(300, 0)],
            [],
            {"peak_relief": 50.0},
            id="shorter-anesthetic-phase",
        ),
        pytest.param(
            Rules(analgesic_free_hours=2),
            8,
            [at(25, 0), at(150, 0, analgesic=True)],
            [],
            {"warnings": ()},
            id="shorter-analgesic-free-time",
        ),
        pytest.param(
            Rules(discrepancy_points=10),
            10,
            [at(25, 5, relief=70)],
            [],
            {"warnings": ("relief_discrepancy",)},
            id="stricter-discrepancy",
        ),
        pytest.param(
            Rules(flare_days=5, improvement_relief=50, responder_relief=75),
            8,
            [],
            [on(5, 9), on(6, 4), on(7, 3)],
            {"flare": True, "onset_day": 6, "steroid": "partial"},
            id="own-steroid-thresholds",
        ),
        pytest.param(
            Rules(no_improvement_day=14),
            8,
            [],
            [on(10, 8)],
            {"steroid": "no_improvement_yet"},
            id="later-no-improvement-day",
        ),
    ],
)
def test_it_follows_a_clinics_own_rules(rules, baseline, timed, daily, expected):
    assert_fields(summarize(baseline, timed, daily, rules), expected)


def test_it_uses_the_default_rules_when_given_none():
    timed = [at(25, 2), at(60, 2)]
    daily = [on(1, 9), on(4, 4)]

    assert summarize(8, timed, daily, None) == summarize(8, timed, daily, Rules())


def test_it_defaults_the_rules_to_the_clinical_table():
    assert dataclasses.asdict(Rules()) == {
        "positive_relief": 75,
        "negative_below": 50,
        "min_baseline": 4,
        "provocation_window": (20, 30),
        "provocation_fallback": (10, 60),
        "anesthetic_hours": 8,
        "analgesic_free_hours": 6,
        "improvement_relief": 30,
        "responder_relief": 50,
        "flare_days": 3,
        "no_improvement_day": 10,
        "discrepancy_points": 20,
        "expected_relief_hours": (("lidocaine", 1), ("bupivacaine", 2), ("ropivacaine", 2)),
    }


@pytest.mark.parametrize(
    "baseline, timed, daily",
    [
        pytest.param(11, [], [], id="baseline-above-10"),
        pytest.param(-1, [], [], id="baseline-below-0"),
        pytest.param(3.5, [], [], id="baseline-not-an-integer"),
        pytest.param(True, [], [], id="baseline-bool"),
        pytest.param("5", [], [], id="baseline-text"),
        pytest.param(8, [at(25, 11)], [], id="timed-pain-above-10"),
        pytest.param(8, [at(25, -1)], [], id="timed-pain-below-0"),
        pytest.param(8, [at(25, 3.5)], [], id="timed-pain-not-an-integer"),
        pytest.param(8, [at(25, None)], [], id="timed-pain-missing"),
        pytest.param(8, [at(25, False)], [], id="timed-pain-bool"),
        pytest.param(8, [at(600, 11)], [], id="timed-pain-out-of-any-phase"),
        pytest.param(8, [at(-1, 0)], [], id="negative-minutes"),
        pytest.param(8, [at(-0.5, 0)], [], id="negative-fractional-minutes"),
        pytest.param(8, [at(float("nan"), 0)], [], id="minutes-not-a-number"),
        pytest.param(8, [at(None, 0)], [], id="minutes-missing"),
        pytest.param(8, [], [on(1, 11)], id="daily-pain-above-10"),
        pytest.param(8, [], [on(1, -1)], id="daily-pain-below-0"),
        pytest.param(8, [], [on(0, 5)], id="day-0"),
        pytest.param(8, [], [on(-1, 5)], id="day-negative"),
        pytest.param(8, [], [on(1.5, 5)], id="day-not-an-integer"),
        pytest.param(None, [at(25, 11)], [on(1, 11)], id="checked-without-baseline"),
    ],
)
def test_it_rejects_out_of_range_input(baseline, timed, daily):
    with pytest.raises(ValueError):
        summarize(baseline, timed, daily)


@pytest.mark.parametrize("minutes", [0, 0.0])
def test_it_accepts_a_rating_at_minute_0(minutes):
    assert summarize(8, [at(minutes, 8), at(25, 0)], []).diagnostic == "positive"


def test_it_reads_generators_like_lists():
    timed = [at(120, 0), at(25, 2, relief=90), at(60, 1), at(10, 6, analgesic=False)]
    daily = [on(7, 3), on(1, 9), on(4, 4), on(2, 7)]

    from_generators = summarize(8, (entry for entry in timed), (entry for entry in daily))

    assert from_generators == summarize(8, timed, daily)
    assert from_generators.relief_hours == 2.0
    assert from_generators.onset_day == 4


def test_it_accepts_any_object_with_the_attributes():
    @dataclasses.dataclass
    class TimedRating:
        minutes: int
        pain: int
        relief: int | None
        analgesic: bool

    @dataclasses.dataclass
    class DailyRating:
        day: int
        pain: int
        relief: int | None

    summary = summarize(8, [TimedRating(25, 0, 100, False)], [DailyRating(1, 2, None)])

    assert summary.diagnostic == "positive"
    assert summary.steroid == "responder"


def test_it_lists_exactly_the_summary_fields_of_the_contract():
    assert [field.name for field in dataclasses.fields(Summary)] == [
        "diagnostic",
        "reasons",
        "warnings",
        "provocation_minutes",
        "provocation_relief",
        "peak_relief",
        "relief_hours",
        "flare",
        "onset_day",
        "last_day",
        "last_relief",
        "steroid",
    ]


@pytest.mark.parametrize(
    "instance, field",
    [
        pytest.param(summarize(8, [at(25, 0)], []), "diagnostic", id="summary"),
        pytest.param(Rules(), "positive_relief", id="rules"),
    ],
)
def test_it_freezes_summaries_and_rules(instance, field):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, field, None)


@pytest.mark.parametrize(
    "summary",
    [
        pytest.param(
            summarize(8, [at(25, 2), at(60, 2), at(120, 6)], [on(1, 9), on(4, 4), on(7, 3)]),
            id="complete-diary",
        ),
        pytest.param(summarize(8, [at(25, 0), at(60, 8)], [on(3, 3)]), id="integer-reliefs"),
        pytest.param(summarize(3, [at(25, 3), at(30, 0)], [on(10, 1)]), id="low-baseline"),
    ],
)
def test_it_gives_summary_fields_their_contract_types(summary):
    assert type(summary.diagnostic) is str
    assert type(summary.reasons) is tuple
    assert all(type(code) is str for code in summary.reasons)
    assert type(summary.warnings) is tuple
    assert all(type(code) is str for code in summary.warnings)
    for name in ["provocation_minutes", "provocation_relief", "peak_relief", "relief_hours"]:
        assert type(getattr(summary, name)) is float, name
    assert type(summary.last_relief) is float
    assert type(summary.flare) is bool
    assert type(summary.onset_day) is int
    assert type(summary.last_day) is int
    assert type(summary.steroid) is str


def test_it_serializes_a_summary_to_json():
    summary = summarize(6, [at(45, 1, relief=50)], [on(2, 8)])

    assert json.loads(json.dumps(dataclasses.asdict(summary))) == {
        "diagnostic": "positive",
        "reasons": [],
        "warnings": ["provocation_off_time", "relief_discrepancy"],
        "provocation_minutes": 45.0,
        "provocation_relief": pytest.approx(250 / 3),
        "peak_relief": pytest.approx(250 / 3),
        "relief_hours": 0.75,
        "flare": True,
        "onset_day": None,
        "last_day": 2,
        "last_relief": pytest.approx(-100 / 3),
        "steroid": "no_improvement_yet",
    }


@pytest.mark.parametrize(
    "codes, values",
    [
        (
            diagnosis.DIAGNOSTIC_RESULTS,
            ["positive", "negative", "indeterminate", "incomplete"],
        ),
        (
            diagnosis.REASONS,
            [
                "no_baseline",
                "no_provocation",
                "low_baseline",
                "partial_relief",
                "analgesic_before_test",
            ],
        ),
        (
            diagnosis.WARNINGS,
            [
                "provocation_off_time",
                "pain_worse",
                "relief_discrepancy",
                "analgesic_in_window",
                "short_relief",
            ],
        ),
        (
            diagnosis.STEROID_RESULTS,
            [
                "pending",
                "responder",
                "partial",
                "non_responder",
                "no_improvement_yet",
                "not_applicable",
            ],
        ),
    ],
)
def test_it_names_its_codes_as_the_contract_does(codes, values):
    assert list(codes) == values
    assert all(getattr(diagnosis, value.upper()) == value for value in values)


def test_it_needs_every_entry_of_a_day_to_improve_for_the_onset():
    summary = summarize(8, [], [on(3, 7), on(4, 2), on(4, 6), on(5, 2), on(6, 1)])

    assert summary.onset_day == 5


# CLINICAL.md section 5: the block type and the anesthetic's duration.


def test_a_diagnostic_block_has_no_steroid_result_but_still_describes_its_week():
    summary = summarize(8, [at(25, 2)], [on(1, 9), on(2, 7), on(4, 4), on(7, 3)], steroid=False)

    assert summary.steroid == "not_applicable"
    assert_fields(summary, {"flare": True, "onset_day": 4, "last_day": 7, "last_relief": 62.5})


@pytest.mark.parametrize("baseline", [None, 0, 8])
def test_a_diagnostic_block_is_not_applicable_with_or_without_a_baseline(baseline):
    assert summarize(baseline, [], [], steroid=False).steroid == "not_applicable"


def test_a_therapeutic_block_is_read_as_before():
    daily = [on(1, 9), on(2, 7), on(4, 4), on(7, 3)]

    assert summarize(8, [at(25, 2)], daily).steroid == "responder"
    assert summarize(8, [at(25, 2)], daily, steroid=True).steroid == "responder"


# The worked examples of section 5.
SHORT_RELIEF_EXAMPLES = [
    pytest.param("bupivacaine", [at(25, 0), at(45, 6), at(60, 7)], True, id="worked-bupivacaine"),
    pytest.param("bupivacaine", [at(25, 0), at(45, 6)], False, id="one-entry-is-noise"),
    pytest.param("lidocaine", [at(25, 0), at(60, 6), at(90, 6)], False, id="60-is-not-before-60"),
    pytest.param("lidocaine", [at(25, 0), at(45, 6), at(50, 6)], True, id="lidocaine-early"),
    # Back above the positive level in between: the first fall is not confirmed.
    pytest.param("bupivacaine", [at(25, 0), at(45, 6), at(50, 1), at(60, 7)], False, id="noise"),
    pytest.param("ropivacaine", [at(25, 0), at(100, 6), at(110, 6)], True, id="ropivacaine"),
    pytest.param("bupivacaine", [at(25, 0), at(130, 6), at(140, 6)], False, id="after-2-h"),
    pytest.param("other", [at(25, 0), at(45, 6), at(60, 7)], False, id="unknown-agent"),
    pytest.param(None, [at(25, 0), at(45, 6), at(60, 7)], False, id="no-agent"),
]


@pytest.mark.parametrize(("anesthetic", "timed", "warned"), SHORT_RELIEF_EXAMPLES)
def test_relief_shorter_than_the_agent_explains_is_a_warning(anesthetic, timed, warned):
    summary = summarize(8, timed, [], anesthetic=anesthetic)

    assert summary.diagnostic == "positive"  # the warning never changes the result
    assert ("short_relief" in summary.warnings) is warned


def test_the_worked_bupivacaine_example_in_full():
    timed = [at(25, 0), at(45, 6), at(60, 7)]
    summary = summarize(8, timed, [], anesthetic="bupivacaine")

    assert_fields(
        summary,
        {"diagnostic": "positive", "relief_hours": 25 / 60, "warnings": ("short_relief",)},
    )
    assert diagnosis.relief_fell_at(8, timed, summary) == 45.0


@pytest.mark.parametrize(
    "timed", [[at(25, 4), at(45, 6), at(60, 7)], [at(25, 7), at(45, 6), at(60, 7)]]
)
def test_only_a_positive_result_is_held_against_the_duration(timed):
    summary = summarize(8, timed, [], anesthetic="lidocaine")

    assert "short_relief" not in summary.warnings
    assert diagnosis.relief_fell_at(8, timed, summary) is None


def test_short_relief_comes_last_among_the_warnings():
    timed = [at(45, 0, relief=40), at(50, 6), at(55, 6)]
    summary = summarize(8, timed, [], anesthetic="lidocaine")

    assert summary.warnings == ("provocation_off_time", "relief_discrepancy", "short_relief")


def test_a_clinic_sets_its_own_expected_durations():
    timed = [at(25, 0), at(130, 6), at(140, 6)]
    rules = Rules(expected_relief_hours=(("bupivacaine", 3),))

    assert "short_relief" in summarize(8, timed, [], rules, anesthetic="bupivacaine").warnings
    assert "short_relief" not in summarize(8, timed, [], rules, anesthetic="lidocaine").warnings


def test_entries_after_the_anesthetic_phase_do_not_count():
    rules = Rules(anesthetic_hours=1, expected_relief_hours=(("bupivacaine", 2),))
    timed = [at(25, 0), at(55, 6), at(90, 6)]  # 90 min is after a 1-hour phase

    assert "short_relief" not in summarize(8, timed, [], rules, anesthetic="bupivacaine").warnings
