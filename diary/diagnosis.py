"""Reading of a pain diary after a sacroiliac joint injection.

This module is the one place where the clinical rules of CLINICAL.md (sections 2, 3 and 5)
live.
It is pure Python on purpose: views, charts, exports and reports all call `summarize` and
`relief`, and the rules can be tested without Django, a database or a clock.
"""

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Diagnostic results.
DIAGNOSTIC_RESULTS = ("positive", "negative", "indeterminate", "incomplete")
POSITIVE, NEGATIVE, INDETERMINATE, INCOMPLETE = DIAGNOSTIC_RESULTS

# Reasons for an incomplete or indeterminate result, in the order they are listed.
REASONS = (
    "no_baseline",
    "no_provocation",
    "low_baseline",
    "partial_relief",
    "analgesic_before_test",
)
NO_BASELINE, NO_PROVOCATION, LOW_BASELINE, PARTIAL_RELIEF, ANALGESIC_BEFORE_TEST = REASONS

# Warnings, in the order they are listed. They never change the result.
WARNINGS = (
    "provocation_off_time",
    "pain_worse",
    "relief_discrepancy",
    "analgesic_in_window",
    "short_relief",
)
PROVOCATION_OFF_TIME, PAIN_WORSE, RELIEF_DISCREPANCY, ANALGESIC_IN_WINDOW, SHORT_RELIEF = WARNINGS

# Steroid (therapeutic) results.
# "not_applicable": a diagnostic (anesthetic-only) block has no steroid phase to judge.
STEROID_RESULTS = (
    "pending",
    "responder",
    "partial",
    "non_responder",
    "no_improvement_yet",
    "not_applicable",
)
PENDING, RESPONDER, PARTIAL, NON_RESPONDER, NO_IMPROVEMENT_YET, NOT_APPLICABLE = STEROID_RESULTS

# The shortest relief each local anesthetic's action explains, in hours (CLINICAL.md section 5).
EXPECTED_RELIEF_HOURS = (("lidocaine", 1), ("bupivacaine", 2), ("ropivacaine", 2))

PAIN_MIN = 0
PAIN_MAX = 10


@dataclass(frozen=True)
class Rules:
    """Thresholds a clinic may set; the defaults are those of CLINICAL.md."""

    positive_relief: float = 75
    negative_below: float = 50
    min_baseline: int = 4
    provocation_window: tuple[float, float] = (20, 30)
    provocation_fallback: tuple[float, float] = (10, 60)
    anesthetic_hours: float = 8
    analgesic_free_hours: float = 6
    improvement_relief: float = 30
    responder_relief: float = 50
    flare_days: int = 3
    no_improvement_day: int = 10
    discrepancy_points: float = 20
    # (agent, hours) pairs: the shortest relief each agent explains.
    expected_relief_hours: tuple[tuple[str, float], ...] = EXPECTED_RELIEF_HOURS

    def expected_hours(self, anesthetic: str | None) -> float | None:
        """The shortest relief `anesthetic` explains; None for an agent without one."""
        return dict(self.expected_relief_hours).get(anesthetic)


@dataclass(frozen=True)
class Summary:
    """What a diary shows; the fields are the contract of CLINICAL.md section 3."""

    diagnostic: str
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    provocation_minutes: float | None
    provocation_relief: float | None
    peak_relief: float | None
    relief_hours: float | None
    flare: bool
    onset_day: int | None
    last_day: int | None
    last_relief: float | None
    steroid: str


def relief(baseline: int | None, pain: int) -> float | None:
    """Percent relief of `pain` against `baseline`; negative when pain got worse.

    None when there is no baseline or it is 0, since no relief can be measured from nothing.
    """
    if not baseline:
        return None
    return float(100 * (baseline - pain) / baseline)


def summarize(
    baseline: int | None,
    timed: Iterable[Any],
    daily: Iterable[Any],
    rules: Rules | None = None,
    *,
    steroid: bool = True,
    anesthetic: str | None = None,
) -> Summary:
    """Read a diary: the diagnostic block, its anesthetic phase and the steroid phase.

    `steroid` False: a diagnostic (anesthetic-only) block, whose steroid result is
    "not_applicable". `anesthetic`: the agent, whose expected duration the relief is held
    against (the `short_relief` warning); any agent without one in `rules`, or None, is not.
    """
    if rules is None:
        rules = Rules()
    # Materialize once: callers may pass generators, and every rule reads the entries again.
    timed = tuple(timed)
    daily = tuple(daily)
    _validate(baseline, timed, daily)

    provocation, off_time = _find_provocation(timed, rules)
    provocation_relief = relief(baseline, provocation.pain) if provocation is not None else None
    diagnostic, reasons = _diagnose(baseline, provocation, provocation_relief, timed, rules)
    # The steroid phase needs a baseline above 0 to measure relief against.
    days = latest_per_day(daily) if baseline else []
    last = days[-1] if days else None
    return Summary(
        diagnostic=diagnostic,
        reasons=reasons,
        warnings=_warnings(
            baseline,
            diagnostic,
            provocation,
            off_time,
            timed,
            rules,
            rules.expected_hours(anesthetic),
        ),
        provocation_minutes=float(provocation.minutes) if provocation is not None else None,
        provocation_relief=provocation_relief,
        peak_relief=_peak_relief(baseline, timed, rules),
        relief_hours=_relief_hours(diagnostic, baseline, provocation, timed, rules),
        flare=_flare(baseline, daily, rules),
        onset_day=_onset_day(baseline, daily, rules),
        last_day=last.day if last is not None else None,
        last_relief=relief(baseline, last.pain) if last is not None else None,
        steroid=_steroid(baseline, last, rules) if steroid else NOT_APPLICABLE,
    )


# Validation


def _validate(baseline, timed, daily) -> None:
    if baseline is not None:
        _check_pain(baseline, "baseline")
    for entry in timed:
        _check_minutes(entry.minutes)
        _check_pain(entry.pain, f"pain at {entry.minutes} minutes")
    for entry in daily:
        _check_day(entry.day)
        _check_pain(entry.pain, f"pain on day {entry.day}")


def _is_int(value) -> bool:
    # bool is an int subclass, but True is not a pain score.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_pain(value, what: str) -> None:
    if not _is_int(value) or not PAIN_MIN <= value <= PAIN_MAX:
        raise ValueError(f"{what} must be an integer from {PAIN_MIN} to {PAIN_MAX}, not {value!r}")


def _check_minutes(value) -> None:
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < 0:
        raise ValueError(f"minutes must be a number of at least 0, not {value!r}")


def _check_day(value) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError(f"day must be an integer of at least 1, not {value!r}")


# Diagnostic block


def _find_provocation(timed, rules: Rules):
    """Return the provocation rating (or None) and whether it was taken outside the window."""
    start, end = rules.provocation_window
    # min() keeps the first of equal keys, so entries at the same minutes go in the given order.
    in_window = [entry for entry in timed if start <= entry.minutes <= end]
    if in_window:
        return min(in_window, key=lambda entry: entry.minutes), False

    low, high = rules.provocation_fallback
    middle = (start + end) / 2
    in_fallback = [entry for entry in timed if low <= entry.minutes <= high]
    if in_fallback:
        closest = min(in_fallback, key=lambda entry: (abs(entry.minutes - middle), entry.minutes))
        return closest, True
    return None, False


def _diagnose(baseline, provocation, provocation_relief, timed, rules: Rules):
    """Steps 1-7 of CLINICAL.md, in order: the first step that decides ends the reading."""
    if baseline is None:
        return INCOMPLETE, (NO_BASELINE,)
    if provocation is None:
        return INCOMPLETE, (NO_PROVOCATION,)
    # A baseline of 0 is below any sensible minimum, but a clinic could set min_baseline to 0.
    if baseline == 0 or baseline < rules.min_baseline:
        return INDETERMINATE, (LOW_BASELINE,)

    # Medicine can only inflate relief, so it spoils a positive or partial result, not a negative.
    spoiled = (ANALGESIC_BEFORE_TEST,) if _analgesic_before_test(provocation, timed) else ()
    if provocation_relief >= rules.positive_relief:
        return (INDETERMINATE, spoiled) if spoiled else (POSITIVE, ())
    if provocation_relief >= rules.negative_below:
        return INDETERMINATE, (PARTIAL_RELIEF, *spoiled)
    return NEGATIVE, ()


def _analgesic_before_test(provocation, timed) -> bool:
    return any(entry.analgesic and entry.minutes <= provocation.minutes for entry in timed)


def _warnings(baseline, diagnostic, provocation, off_time, timed, rules: Rules, expected_hours):
    warnings = []
    if off_time:
        warnings.append(PROVOCATION_OFF_TIME)
    if provocation is not None:
        if baseline is not None and provocation.pain > baseline:
            warnings.append(PAIN_WORSE)
        computed = relief(baseline, provocation.pain)
        if _relief_discrepancy(provocation.relief, computed, rules):
            warnings.append(RELIEF_DISCREPANCY)
    free_minutes = rules.analgesic_free_hours * 60
    if any(entry.analgesic and entry.minutes <= free_minutes for entry in timed):
        warnings.append(ANALGESIC_IN_WINDOW)
    if diagnostic == POSITIVE and expected_hours is not None:
        fell, confirmed = _relief_fell(baseline, provocation, timed, rules)
        if confirmed and fell.minutes < expected_hours * 60:
            warnings.append(SHORT_RELIEF)
    return tuple(warnings)


def _relief_discrepancy(stated, computed, rules: Rules) -> bool:
    if stated is None or computed is None:
        return False
    return abs(stated - computed) > rules.discrepancy_points


# Anesthetic phase


def _anesthetic_phase(timed, rules: Rules):
    # Minute 0 is the injection itself, so it is not part of the phase.
    end = rules.anesthetic_hours * 60
    return [entry for entry in timed if 0 < entry.minutes <= end]


def _peak_relief(baseline, timed, rules: Rules) -> float | None:
    if not baseline:
        return None
    reliefs = [relief(baseline, entry.pain) for entry in _anesthetic_phase(timed, rules)]
    return max(reliefs, default=None)


def _relief_hours(diagnostic, baseline, provocation, timed, rules: Rules) -> float | None:
    """How long relief stayed at the positive level, counted from the injection."""
    if diagnostic == INCOMPLETE or baseline == 0:
        return None
    if relief(baseline, provocation.pain) < rules.positive_relief:
        return 0.0

    # sorted() is stable, so the provocation rating comes first among entries at its minutes
    # and any other entry at those minutes must reach the threshold too.
    phase = _anesthetic_phase(timed, rules)
    since_provocation = [entry for entry in phase if entry.minutes >= provocation.minutes]
    last_minutes = provocation.minutes
    for entry in sorted(since_provocation, key=lambda entry: entry.minutes):
        if relief(baseline, entry.pain) < rules.positive_relief:
            break
        last_minutes = entry.minutes
    return float(last_minutes / 60)


def _relief_fell(baseline, provocation, timed, rules: Rules):
    """The first timed entry of the anesthetic phase after the provocation rating whose relief
    is below the positive level (or None), and whether the entry right after it is below too:
    one rating is noisy, two in a row confirm it."""
    phase = sorted(_anesthetic_phase(timed, rules), key=lambda entry: entry.minutes)
    later = [e for e in phase if e.minutes >= provocation.minutes and e is not provocation]
    below = [relief(baseline, entry.pain) < rules.positive_relief for entry in later]
    if True not in below:
        return None, False
    first = below.index(True)
    return later[first], below[first + 1 : first + 2] == [True]


def relief_fell_at(baseline, timed, summary: Summary, rules: Rules | None = None) -> float | None:
    """The minutes at which relief first fell below the positive level after a positive
    provocation test, in the anesthetic phase; None when it did not (or the result is not
    positive). The `short_relief` warning says it in hours."""
    rules = rules or Rules()
    if summary.diagnostic != POSITIVE:
        return None
    timed = tuple(timed)
    provocation, _off_time = _find_provocation(timed, rules)
    fell, _confirmed = _relief_fell(baseline, provocation, timed, rules)
    return None if fell is None else float(fell.minutes)


# Therapeutic (steroid) phase


def _flare(baseline, daily, rules: Rules) -> bool:
    if not baseline:
        return False
    return any(entry.day <= rules.flare_days and entry.pain > baseline for entry in daily)


def latest_per_day(daily):
    """One entry per recorded day, in day order; of a day recorded twice, the one given last.

    Only `last_day`/`last_relief` and the steroid result read this; flare and onset look at
    every entry, as CLINICAL.md words them ("some daily entry", "every recorded day").
    """
    latest = {entry.day: entry for entry in daily}
    return [latest[day] for day in sorted(latest)]


def _onset_day(baseline, daily, rules: Rules) -> int | None:
    """The first recorded day from which every entry, that day and after, shows improvement."""
    if not baseline:
        return None
    improved = {}
    for entry in daily:
        improved[entry.day] = improved.get(entry.day, True) and (
            relief(baseline, entry.pain) >= rules.improvement_relief
        )
    # Walk back from the last day: improvement counts only if it has held ever since.
    onset_day = None
    for day in sorted(improved, reverse=True):
        if not improved[day]:
            break
        onset_day = day
    return onset_day


def _steroid(baseline, last, rules: Rules) -> str:
    if last is None:
        return PENDING
    last_relief = relief(baseline, last.pain)
    if last_relief >= rules.responder_relief:
        return RESPONDER
    if last_relief >= rules.improvement_relief:
        return PARTIAL
    if last.day >= rules.no_improvement_day:
        return NON_RESPONDER
    return NO_IMPROVEMENT_YET
