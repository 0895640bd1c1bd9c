"""The words of the clinician's pages: the conclusion line and every code in plain words."""

import dataclasses
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from diary import comparison, diagnosis, schedule, wording
from diary.diagnosis import Rules, summarize


def at(minutes, pain, analgesic=False, relief=None):
    return SimpleNamespace(minutes=minutes, pain=pain, relief=relief, analgesic=analgesic)


def on(day, pain):
    return SimpleNamespace(day=day, pain=pain, relief=None)


@pytest.mark.parametrize(
    ("baseline", "timed", "daily", "rules", "expected"),
    [
        pytest.param(
            8,
            [at(24, 1), at(60, 1), at(120, 2), at(240, 2), at(300, 4)],
            [on(1, 9), on(2, 7), on(3, 6), on(4, 4), on(5, 3), on(6, 3), on(7, 3)],
            Rules(),
            "Positive at 75 %: relief 88 % at 24 min, at or above 75 % for 4.0 h "
            "· steroid responder from day 4",
            id="design-example",
        ),
        # The worked examples of CLINICAL.md section 3.
        pytest.param(
            8,
            [at(25, 0)],
            [],
            Rules(),
            "Positive at 75 %: relief 100 % at 25 min, at or above 75 % for 0.4 h "
            "· steroid response pending",
            id="complete-relief",
        ),
        pytest.param(
            8,
            [at(25, 2)],
            [on(1, 9), on(2, 7), on(4, 4), on(7, 3)],
            Rules(),
            "Positive at 75 %: relief 75 % at 25 min, at or above 75 % for 0.4 h "
            "· steroid responder from day 4",
            id="positive-with-flare-and-response",
        ),
        pytest.param(
            8,
            [at(25, 4)],
            [],
            Rules(),
            "Indeterminate (partial relief): relief 50 % at 25 min · steroid response pending",
            id="partial-relief",
        ),
        pytest.param(
            3,
            [at(25, 0)],
            [],
            Rules(),
            "Indeterminate (baseline below 4): relief 100 % at 25 min, at or above 75 % for 0.4 h "
            "· steroid response pending",
            id="low-baseline",
        ),
        pytest.param(
            6,
            [at(45, 1)],
            [],
            Rules(),
            "Positive at 75 %: relief 83 % at 45 min, at or above 75 % for 0.8 h "
            "· steroid response pending",
            id="off-time",
        ),
        pytest.param(
            7,
            [at(20, 1, analgesic=True)],
            [],
            Rules(),
            "Indeterminate (pain medicine before the test): relief 86 % at 20 min, at or above "
            "75 % for 0.3 h · steroid response pending",
            id="analgesic-before-test",
        ),
        pytest.param(
            5,
            [],
            [on(1, 5)],
            Rules(),
            "Incomplete: no provocation test · no steroid improvement yet (0 % on day 1)",
            id="no-provocation",
        ),
        # Beyond the worked examples.
        pytest.param(
            None,
            [at(25, 1)],
            [on(1, 1)],
            Rules(),
            "Incomplete: no baseline · steroid response pending",
            id="no-baseline",
        ),
        pytest.param(
            8,
            [at(25, 6)],
            [on(10, 8)],
            Rules(),
            "Negative (below 50 %): relief 25 % at 25 min · steroid non-responder (0 % on day 10)",
            id="negative-and-non-responder",
        ),
        pytest.param(
            10,
            [at(25, 4), at(60, 4)],
            [on(1, 9), on(2, 6), on(3, 6)],
            Rules(),
            "Indeterminate (partial relief): relief 60 % at 25 min "
            "· partial steroid response from day 2 (40 % on day 3)",
            id="partial-and-partial-response",
        ),
        pytest.param(
            0,
            [at(25, 0)],
            [on(1, 0)],
            Rules(),
            "Indeterminate (baseline below 4): no relief measurable at 25 min "
            "· steroid response pending",
            id="baseline-zero",
        ),
        pytest.param(
            8,
            [at(25, 4), at(60, 4), at(120, 5)],
            [],
            Rules(positive_relief=50, negative_below=40),
            "Positive at 50 %: relief 50 % at 25 min, at or above 50 % for 1.0 h "
            "· steroid response pending",
            id="clinic-at-50",
        ),
        pytest.param(
            8,
            [at(25, 1)],
            [],
            Rules(positive_relief=100, negative_below=50),
            "Indeterminate (partial relief): relief 88 % at 25 min · steroid response pending",
            id="clinic-at-100",
        ),
        pytest.param(
            8,
            [at(25, 6, analgesic=True)],
            [],
            Rules(),
            "Negative (below 50 %): relief 25 % at 25 min · steroid response pending",
            id="medicine-does-not-spoil-a-negative",
        ),
    ],
)
def test_it_states_the_conclusion_with_its_numbers(baseline, timed, daily, rules, expected):
    summary = summarize(baseline, timed, daily, rules)

    assert wording.conclusion(summary, rules) == expected


def test_it_says_a_diagnostic_block_has_no_steroid_response():
    summary = summarize(8, [at(25, 1)], [on(1, 2)], steroid=False)

    assert wording.conclusion(summary, Rules()) == (
        "Positive at 75 %: relief 88 % at 25 min, at or above 75 % for 0.4 h"
        " · steroid response not applicable (diagnostic block)"
    )


def test_it_says_when_relief_fell_and_what_the_agent_explains():
    timed = [at(25, 0), at(45, 6), at(60, 7)]
    summary = summarize(8, timed, [], anesthetic="bupivacaine")
    fell_at = diagnosis.relief_fell_at(8, timed, summary)

    text = wording.warning_text(
        "short_relief", Rules(), anesthetic="bupivacaine", agent="bupivacaine", fell_at=fell_at
    )

    assert text == (
        "Relief fell below 75 % at 0.8 h; relief with bupivacaine typically lasts at least 2 h. "
        "Duration criteria are not validated for SI joint blocks: this is not evidence against "
        "a positive result."
    )


def test_it_lists_each_agents_expected_relief_among_the_rules():
    lines = dict(wording.rule_lines(Rules(expected_relief_hours=(("lidocaine", 1.5),))))

    assert lines["Relief expected for at least"] == "lidocaine 1.5 h"


@pytest.mark.parametrize(
    ("words", "codes"),
    [
        (wording.RESULTS, diagnosis.DIAGNOSTIC_RESULTS),
        (wording.RESULT_ICONS, diagnosis.DIAGNOSTIC_RESULTS),
        (wording.STEROID, diagnosis.STEROID_RESULTS),
        (wording.REASONS, diagnosis.REASONS),
        (wording.SHORT_REASONS, diagnosis.REASONS),
        (wording.WARNINGS, diagnosis.WARNINGS),
        (wording.STATUS, (schedule.STATUS_UPCOMING, schedule.STATUS_IN_PROGRESS, "complete")),
        (wording.VERDICTS, comparison.VERDICTS + comparison.NO_VERDICT),
    ],
)
def test_it_has_words_for_every_code(words, codes):
    assert set(words) == set(codes)
    assert all(str(text).strip() for text in words.values())


def test_it_gives_every_result_its_own_icon():
    assert len(set(wording.RESULT_ICONS.values())) == len(diagnosis.DIAGNOSTIC_RESULTS)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (diagnosis.NO_BASELINE, "No baseline pain was recorded before the injection"),
        (diagnosis.NO_PROVOCATION, "No rating between 5 and 90 minutes after the injection"),
        (diagnosis.LOW_BASELINE, "Baseline pain below 5/10 is too low to show relief."),
        (diagnosis.PARTIAL_RELIEF, "partial: at least 40 % but below 80 %."),
        (diagnosis.ANALGESIC_BEFORE_TEST, "Pain medicine was taken at or before"),
    ],
)
def test_it_explains_each_reason_with_the_clinics_numbers(code, expected):
    rules = Rules(
        positive_relief=80, negative_below=40, min_baseline=5, provocation_fallback=(5, 90)
    )

    assert expected in wording.reason_text(code, rules)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            diagnosis.PROVOCATION_OFF_TIME,
            "No rating 15–45 minutes after the injection: the nearest rating within 5–90 minutes",
        ),
        (diagnosis.PAIN_WORSE, "Pain at the provocation test was worse than the baseline."),
        (diagnosis.RELIEF_DISCREPANCY, "by more than 30 points."),
        (diagnosis.ANALGESIC_IN_WINDOW, "in the first 4 hours after the injection."),
    ],
)
def test_it_explains_each_warning_with_the_clinics_numbers(code, expected):
    rules = Rules(
        provocation_window=(15, 45),
        provocation_fallback=(5, 90),
        discrepancy_points=30,
        analgesic_free_hours=4,
    )

    assert expected in wording.warning_text(code, rules)


def test_it_lists_every_rule_in_the_order_of_the_contract():
    lines = wording.rule_lines(Rules(positive_relief=80, provocation_window=(15, 45)))

    assert len(lines) == len(dataclasses.fields(Rules))
    assert lines[0] == ("Positive at relief of at least", "80 %")
    assert lines[3] == ("Provocation test window", "15–45 min")
    assert lines[-2] == (
        "Stated and computed relief flagged when apart by more than",
        "20 points",
    )
    assert lines[-1] == (
        "Relief expected for at least",
        "lidocaine 1 h, bupivacaine 2 h, ropivacaine 2 h",
    )


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        (wording.FLAG_RED, 1, "Fever, redness or drainage reported"),
        (wording.FLAG_NO_BASELINE, 1, "No baseline"),
        (wording.FLAG_OVERDUE, 1, "1 rating overdue"),
        (wording.FLAG_OVERDUE, 3, "3 ratings overdue"),
        (wording.FLAG_ANALGESIC, 1, "Pain medicine before the test"),
    ],
)
def test_it_words_each_flag(code, count, expected):
    assert wording.flag_text(code, count) == expected


@pytest.mark.parametrize(
    "closes_at, expected",
    [
        ("2026-11-27T19:44", "Open until today at 19:44"),
        ("2026-11-28T00:00", "Open until the end of today"),
        ("2026-11-29T00:00", "Open until the end of tomorrow"),
        ("2026-12-01T00:00", "Open until the end of Mon 30 Nov"),
    ],
)
def test_it_says_until_when_a_rating_stays_open(closes_at, expected):
    zone = ZoneInfo("Europe/London")
    now = datetime(2026, 11, 27, 18, 0, tzinfo=zone)
    moment = datetime.fromisoformat(closes_at).replace(tzinfo=zone)

    assert str(wording.open_until(moment, now, zone)) == expected
