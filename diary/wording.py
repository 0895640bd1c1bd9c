"""The words people read for the codes the pure modules return."""

import dataclasses
from datetime import timedelta

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diary import comparison, diagnosis, display, schedule

GUIDANCE = {
    # CLINICAL.md section 1: extra medicine spoils the test, but stopping a scheduled one (a
    # regular opioid above all) is a risk of its own.
    schedule.GUIDANCE_BEFORE: _(
        "After the injection, avoid extra pain medicine for the first 4–6 hours if you can, so "
        "that the test shows what the injection did. Keep taking your scheduled medicines "
        "unless your clinic told you otherwise."
    ),
    schedule.GUIDANCE_INJECTION_DAY: _(
        "No driving today. Numbness, weakness or an odd feeling in the leg for a few hours can "
        "happen and passes: until then, have someone help you walk and do not take the stairs "
        "alone."
    ),
    schedule.GUIDANCE_FIRST_HOURS: _(
        "Now do the activity that usually brings on your pain, then rate it. Avoid extra pain "
        "medicine for the first 6 hours if you can; keep taking your scheduled medicines."
    ),
    schedule.GUIDANCE_ICE_DAYS: _(
        "Use ice, not heat, on the injection site for the first 2–3 days. A slight increase in "
        "pain for a few days is common."
    ),
    schedule.GUIDANCE_ONSET_DAYS: _(
        "If the cortisone helps, improvement often starts between day 2 and day 5."
    ),
    schedule.GUIDANCE_DAY_TEN: _(
        "If there is no improvement by day 10, the cortisone is unlikely to help: talk to your "
        "clinic about what comes next."
    ),
    schedule.GUIDANCE_ACTIVITY: _(
        "Go back to your regular activities, and increase them gradually over 1–2 weeks."
    ),
    schedule.GUIDANCE_RED_FLAGS: _(
        "Fever, redness or drainage at the injection site: call your clinic."
    ),
}

ITEM_TITLES = {
    schedule.BASELINE: _("Your usual pain (before the injection)"),
    schedule.PROVOCATION: _("Provocation test (20–30 minutes after)"),
}


def item_title(item):
    if item.kind in ITEM_TITLES:
        return ITEM_TITLES[item.kind]
    if item.kind == schedule.TIMED:
        return _("Hour %(hour)d after the injection") % {"hour": item.number}
    return _("Day %(day)d") % {"day": item.number}


def when(moment, now, zone):
    """ "today at 15:05", "tomorrow at 19:00" or "Thu 29 Nov at 19:00", in the clinic's zone."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    days_ahead = (local.date() - today).days
    if days_ahead == 0:
        return _("today at %(time)s") % {"time": clock}
    if days_ahead == 1:
        return _("tomorrow at %(time)s") % {"time": clock}
    if days_ahead == -1:
        return _("yesterday at %(time)s") % {"time": clock}
    return _("%(date)s at %(time)s") % {"date": local.strftime("%a %-d %b"), "time": clock}


# The clinician's reading of a diary (diagnosis.Summary) in words.

RESULTS = {
    diagnosis.POSITIVE: _("Positive"),
    diagnosis.NEGATIVE: _("Negative"),
    diagnosis.INDETERMINATE: _("Indeterminate"),
    diagnosis.INCOMPLETE: _("Incomplete"),
}

# Shapes that differ in grey scale too: a result never rests on its colour alone.
RESULT_ICONS = {
    diagnosis.POSITIVE: "✔",
    diagnosis.NEGATIVE: "✘",
    diagnosis.INDETERMINATE: "◐",
    diagnosis.INCOMPLETE: "○",
}

STEROID = {
    diagnosis.PENDING: _("Pending"),
    diagnosis.RESPONDER: _("Responder"),
    diagnosis.PARTIAL: _("Partial response"),
    diagnosis.NON_RESPONDER: _("Non-responder"),
    diagnosis.NO_IMPROVEMENT_YET: _("No improvement yet"),
    diagnosis.NOT_APPLICABLE: _("Not applicable"),
}

# Reasons and warnings in full sentences; %(name)s are the clinic's rules (see _rule_values).
REASONS = {
    diagnosis.NO_BASELINE: _(
        "No baseline pain was recorded before the injection, so relief cannot be measured."
    ),
    diagnosis.NO_PROVOCATION: _(
        "No rating between %(fallback_start)s and %(fallback_end)s minutes after the injection: "
        "there is no provocation test to read."
    ),
    diagnosis.LOW_BASELINE: _("Baseline pain below %(min_baseline)s/10 is too low to show relief."),
    diagnosis.PARTIAL_RELIEF: _(
        "Relief at the provocation test is partial: at least %(negative_below)s %% but below "
        "%(positive_relief)s %%."
    ),
    diagnosis.ANALGESIC_BEFORE_TEST: _(
        "Pain medicine was taken at or before the provocation test. It can only inflate relief, "
        "so this result cannot count as positive."
    ),
}

WARNINGS = {
    diagnosis.PROVOCATION_OFF_TIME: _(
        "No rating %(window_start)s–%(window_end)s minutes after the injection: the nearest "
        "rating within %(fallback_start)s–%(fallback_end)s minutes was read as the provocation "
        "test."
    ),
    diagnosis.PAIN_WORSE: _("Pain at the provocation test was worse than the baseline."),
    diagnosis.RELIEF_DISCREPANCY: _(
        "The relief the patient stated at the provocation test differs from the computed relief "
        "by more than %(discrepancy_points)s points."
    ),
    diagnosis.ANALGESIC_IN_WINDOW: _(
        "Pain medicine was taken in the first %(analgesic_free_hours)s hours after the injection."
    ),
    # For the physician only (CLINICAL.md section 5).
    diagnosis.SHORT_RELIEF: _(
        "Relief fell below %(positive_relief)s %% at %(fell)s; relief with %(agent)s typically "
        "lasts at least %(expected)s h. Duration criteria are not validated for SI joint "
        "blocks: this is not evidence against a positive result."
    ),
}

# Why a result is indeterminate or incomplete, short enough for the conclusion line.
SHORT_REASONS = {
    diagnosis.NO_BASELINE: _("no baseline"),
    diagnosis.NO_PROVOCATION: _("no provocation test"),
    diagnosis.LOW_BASELINE: _("baseline below %(min_baseline)s"),
    diagnosis.PARTIAL_RELIEF: _("partial relief"),
    diagnosis.ANALGESIC_BEFORE_TEST: _("pain medicine before the test"),
}


def _number(value):
    return f"{value:g}"


def _rule_values(rules):
    window, fallback = rules.provocation_window, rules.provocation_fallback
    values = {
        field.name: getattr(rules, field.name)
        for field in dataclasses.fields(rules)
        if not isinstance(getattr(rules, field.name), tuple)
    }
    values.update(
        window_start=window[0],
        window_end=window[1],
        fallback_start=fallback[0],
        fallback_end=fallback[1],
    )
    return {name: _number(value) for name, value in values.items()}


def reason_text(code, rules):
    return REASONS[code] % _rule_values(rules)


def warning_text(code, rules, *, anesthetic=None, agent=None, fell_at=None):
    """The warning in a sentence. `short_relief` names the agent (`anesthetic`, the code, and
    `agent`, its name) and the minutes after the injection at which relief fell
    (`diagnosis.relief_fell_at`)."""
    values = _rule_values(rules)
    if code == diagnosis.SHORT_RELIEF:
        values.update(
            agent=agent or anesthetic,
            fell=display.hours(fell_at / 60),
            expected=_number(rules.expected_hours(anesthetic)),
        )
    return WARNINGS[code] % values


def conclusion(summary, rules):
    """The episode in one line with its numbers, e.g. "Positive at 75 %: relief 88 % at 24 min,
    at or above 75 % for 4.0 h · steroid responder from day 4".

    A diagnostic block (steroid "not_applicable") says so, never a steroid category.
    """
    parts = [_diagnostic_conclusion(summary, rules), _steroid_conclusion(summary)]
    return " · ".join(str(part) for part in parts)


def _diagnostic_conclusion(summary, rules):
    values = _rule_values(rules)
    why = ", ".join(str(SHORT_REASONS[code] % values) for code in summary.reasons)
    if summary.diagnostic == diagnosis.INCOMPLETE:
        return _("Incomplete: %(why)s") % {"why": why}
    numbers = _test_numbers(summary, values)
    if summary.diagnostic == diagnosis.POSITIVE:
        return _("Positive at %(threshold)s %%: %(numbers)s") % {
            "threshold": values["positive_relief"],
            "numbers": numbers,
        }
    if summary.diagnostic == diagnosis.NEGATIVE:
        return _("Negative (below %(threshold)s %%): %(numbers)s") % {
            "threshold": values["negative_below"],
            "numbers": numbers,
        }
    return _("Indeterminate (%(why)s): %(numbers)s") % {"why": why, "numbers": numbers}


def _test_numbers(summary, values):
    minutes = f"{summary.provocation_minutes:.0f}"
    if summary.provocation_relief is None:
        return _("no relief measurable at %(minutes)s min") % {"minutes": minutes}
    numbers = _("relief %(relief)s at %(minutes)s min") % {
        "relief": display.percent(summary.provocation_relief),
        "minutes": minutes,
    }
    if summary.relief_hours:
        numbers += _(", at or above %(threshold)s %% for %(hours).1f h") % {
            "threshold": values["positive_relief"],
            "hours": summary.relief_hours,
        }
    return numbers


def _steroid_conclusion(summary):
    last = {
        "day": summary.onset_day,
        "relief": display.percent(summary.last_relief),
        "last_day": summary.last_day,
    }
    if summary.steroid == diagnosis.RESPONDER:
        if summary.onset_day is None:
            return _("steroid responder")
        return _("steroid responder from day %(day)s") % last
    if summary.steroid == diagnosis.PARTIAL:
        if summary.onset_day is None:
            return _("partial steroid response (%(relief)s on day %(last_day)s)") % last
        return (
            _("partial steroid response from day %(day)s (%(relief)s on day %(last_day)s)") % last
        )
    if summary.steroid == diagnosis.NON_RESPONDER:
        return _("steroid non-responder (%(relief)s on day %(last_day)s)") % last
    if summary.steroid == diagnosis.NO_IMPROVEMENT_YET:
        return _("no steroid improvement yet (%(relief)s on day %(last_day)s)") % last
    if summary.steroid == diagnosis.NOT_APPLICABLE:
        return _("steroid response not applicable (diagnostic block)")
    return _("steroid response pending")


# The clinic's rules (diagnosis.Rules), one line per field: label, then value with its unit.
RULES = {
    "positive_relief": (_("Positive at relief of at least"), "%(value)s %%"),
    "negative_below": (_("Negative at relief below"), "%(value)s %%"),
    "min_baseline": (_("Lowest usable baseline"), "%(value)s/10"),
    "provocation_window": (_("Provocation test window"), _("%(start)s–%(end)s min")),
    "provocation_fallback": (_("Off-time test accepted"), _("%(start)s–%(end)s min")),
    "anesthetic_hours": (_("Anesthetic phase"), _("%(value)s h")),
    "analgesic_free_hours": (_("No pain medicine for"), _("%(value)s h")),
    "improvement_relief": (_("Improvement at relief of at least"), "%(value)s %%"),
    "responder_relief": (_("Steroid response at relief of at least"), "%(value)s %%"),
    "flare_days": (_("Flare: pain above baseline on days"), _("1–%(value)s")),
    "no_improvement_day": (_("Non-responder without improvement by day"), "%(value)s"),
    "discrepancy_points": (
        _("Stated and computed relief flagged when apart by more than"),
        _("%(value)s points"),
    ),
    "expected_relief_hours": (_("Relief expected for at least"), _("%(agent)s %(value)s h")),
}


def rule_lines(rules):
    """[(label, value)] for every field of `rules`, in the order of diagnosis.Rules."""
    lines = []
    for field in dataclasses.fields(rules):
        label, template = RULES[field.name]
        value = getattr(rules, field.name)
        if field.name == "expected_relief_hours":
            text = ", ".join(
                str(template) % {"agent": agent, "value": _number(hours)} for agent, hours in value
            )
        elif isinstance(value, tuple):
            text = str(template) % {"start": _number(value[0]), "end": _number(value[1])}
        else:
            text = str(template) % {"value": _number(value)}
        lines.append((str(label), text))
    return lines


# The schedule's status of an episode, and the dashboard's flags.
STATUS = {
    schedule.STATUS_UPCOMING: _("Upcoming"),
    schedule.STATUS_IN_PROGRESS: _("In progress"),
    schedule.STATUS_COMPLETE: _("Complete"),
}

BLOCKS = {"therapeutic": _("Therapeutic"), "diagnostic": _("Diagnostic")}
FROM_DAY = _("from day")  # "from day 4": the steroid response began that day
NOT_INJECTED = _("Not injected yet")  # the result of an upcoming episode

FLAG_RED = "red_flag"
FLAG_NO_BASELINE = "no_baseline"
FLAG_MISSED = "missed"  # its window has closed
FLAG_OVERDUE = "overdue"  # due, and it can still be made
FLAG_ANALGESIC = "analgesic_before_test"


def flag_text(code, count=1):
    if code == FLAG_RED:
        return _("Fever, redness or drainage reported")
    if code == FLAG_NO_BASELINE:
        return _("No baseline")
    if code == FLAG_MISSED:
        return ngettext("%(count)d rating missed", "%(count)d ratings missed", count) % {
            "count": count
        }
    if code == FLAG_OVERDUE:
        return ngettext("%(count)d rating overdue", "%(count)d ratings overdue", count) % {
            "count": count
        }
    if code == FLAG_ANALGESIC:
        return _("Pain medicine before the test")
    raise KeyError(code)


def after_injection(rating):
    """When a rating was made: "24 min" after the injection, or "day 3"."""
    if rating.kind == "timed":
        return _("%(minutes)d min") % {"minutes": round(rating.minutes)}
    return _("day %(day)d") % {"day": rating.day}


def medicine(rating):
    """The pain medicine a rating reports: its name, "yes" without one, "" when none."""
    if not rating.analgesic:
        return ""
    return rating.analgesic_name or str(_("yes"))


def relief_lasted(hours, still_running):
    """How long a block's relief lasted: "1.0 h", or "still running at 4.0 h" when it had not
    ended by the last rating of the first hours (never "0.0 h" for relief that ran on)."""
    if still_running:
        return _("still running at %(hours)s") % {"hours": display.hours(hours)}
    return display.hours(hours)


def block(block):
    """A block of the compare page: "Lidocaine on 3 Mar 2026: 1.5 h"."""
    return _("%(agent)s on %(date)s: %(hours)s") % {
        "agent": block.episode.get_anesthetic_display(),
        "date": formats.date_format(block.episode.local_injected_at, "j M Y"),
        "hours": block.lasted,
    }


# Two blocks read against each other (CLINICAL.md section 4): a verdict, or why there is none.
VERDICTS = {
    comparison.CONCORDANT: _("concordant: relief lasted longer with the long-acting agent"),
    comparison.DISCORDANT: _(
        "discordant: relief did not last longer with the long-acting agent. Less specific, "
        "not negative; use clinical judgement (requiring concordance has a specificity of "
        "about 88 % but a sensitivity of about 54 %)"
    ),
    comparison.NOT_CONFIRMED: _(
        "not confirmed: one block positive, the other negative; the positive response was "
        "probably a false positive"
    ),
    comparison.NEGATIVE: _("negative on both blocks"),
    comparison.DIFFERENT_SIDES: _("no verdict: the blocks are on different sides"),
    comparison.CORTISONE: _(
        "no verdict: a block with cortisone (it confounds how long relief lasts)"
    ),
    comparison.UNKNOWN_AGENT: _("no verdict: an agent of unknown duration"),
    comparison.SAME_AGENT: _(
        "no verdict: the same kind of agent twice is a repeat, not a comparison"
    ),
    comparison.NOT_READ: _("no verdict: a block is indeterminate or incomplete"),
    comparison.STILL_RUNNING: _(
        "no verdict: relief with %(agent)s was still running at %(hours)s, its last rating"
    ),
    comparison.EQUAL_DURATIONS: _(
        "no verdict: relief lasted as long with both agents, as far as the ratings tell"
    ),
}


def verdict(verdict):
    """A `comparison.Verdict` in words."""
    words = VERDICTS[verdict.code]
    if verdict.code == comparison.STILL_RUNNING:
        running = verdict.running
        return words % {
            "agent": running.episode.get_anesthetic_display().lower(),
            "hours": display.hours(running.relief_hours),
        }
    return str(words)


def open_until(moment, now, zone):
    """ "Open until today at 19:44"; a close at midnight reads as the end of the day before."""
    local = moment.astimezone(zone)
    if (local.hour, local.minute) != (0, 0):
        return _("Open until %(when)s") % {"when": when(moment, now, zone)}
    last_day = local.date() - timedelta(days=1)
    days_ahead = (last_day - now.astimezone(zone).date()).days
    if days_ahead == 0:
        return _("Open until the end of today")
    if days_ahead == 1:
        return _("Open until the end of tomorrow")
    return _("Open until the end of %(date)s") % {"date": last_day.strftime("%a %-d %b")}
