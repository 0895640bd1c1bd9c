"""The clinician's reading of an episode, kept on the episode so SQL can sort, filter and page.

The dashboard orders a clinic's episodes by whether they need attention, filters them by
status and result, and shows each one's flags. All of that comes from `diagnosis` and
`schedule`, which read the ratings in Python: computed at every look, the dashboard's cost
grew with the clinic. So each write to a diary (a rating saved, corrected or deleted, the
episode or its clinic's rules changed) stores the reading on the episode, and the dashboard
reads stored columns only.

Part of it changes with the clock alone: a rating not made turns overdue when its window
closes, and the diary completes when its last window closes. Those are stored as the moments
they happen (`attention_at`, `complete_at`, `review["overdue"]`), and `Reading.at(now)`
compares them with the clock, as `schedule.build` would at that moment. The tests hold the
stored reading to the live one at many moments.

`VERSION` changes with the code of the rules: after a deploy that changes them, `migrate`
reads every episode again (see `apps.py`), so no stored reading outlives its rules.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from diary import diagnosis, schedule, wording

VERSION = hashlib.sha256(
    b"".join(Path(module.__file__).read_bytes() for module in (diagnosis, schedule))
    + Path(__file__).read_bytes()
).hexdigest()[:16]

# The stored fields `read()` fills, for `save(update_fields=...)` and `bulk_update`.
FIELDS = ("starts_at", "result", "red_flag", "attention_at", "complete_at", "review")


def read(episode, ratings, clinic):
    """The stored reading of `episode`, with `ratings` (all of them) and its `clinic`.

    Returns the field values of `FIELDS` plus `review_version`. The episode's own properties
    are not used for the ratings so that a caller can pass the ratings as they will be after
    a save (see `Episode.refresh_reading`).
    """
    timed = sorted((r for r in ratings if r.kind == "timed"), key=lambda r: r.felt_at)
    daily = sorted((r for r in ratings if r.kind == "daily"), key=lambda r: r.day)
    starts_at = episode.performed_at or episode.scheduled_at
    plan = schedule.build(
        injected_at=starts_at,
        tz=clinic.zone,
        diary_days=episode.diary_days,
        timed_ratings=episode.timed_ratings,
        baseline_done=episode.baseline_pain is not None,
        timed_done={rating.slot_key for rating in timed},
        daily_done={rating.day for rating in daily},
        now=starts_at,  # any moment will do: only what is done and when windows close is kept
        provocation_window=(clinic.provocation_window_start, clinic.provocation_window_end),
        provocation_close=clinic.provocation_fallback_end,
        daily_time=episode.daily_time,
    )
    summary = diagnosis.summarize(episode.baseline_pain, timed, daily, clinic.rules())
    open_items = [item for item in plan.items if item.state != schedule.DONE]
    baseline_missing = any(item.kind == schedule.BASELINE for item in open_items)
    overdue = sorted(item.closes_at for item in open_items if item.kind != schedule.BASELINE)
    # The moments the diary would need attention for a missing rating: the baseline is
    # missed at the injection, any other rating when its window closes.
    late = ([plan.injected_at] if baseline_missing else []) + overdue[:1]
    daily_items = [item for item in plan.items if item.kind == schedule.DAILY]
    if all(item.state == schedule.DONE for item in daily_items):
        complete_at = plan.injected_at  # every day recorded: complete once injected
    else:
        complete_at = max(item.closes_at for item in plan.items)
    return {
        "starts_at": starts_at,
        "result": summary.diagnostic,
        "red_flag": any(rating.fever_redness for rating in ratings),
        "attention_at": min(late, default=None),
        "complete_at": complete_at,
        "review": {
            "relief": summary.provocation_relief,
            "steroid": summary.steroid,
            "onset_day": summary.onset_day,
            "analgesic": diagnosis.ANALGESIC_BEFORE_TEST in summary.reasons,
            "baseline_missing": baseline_missing,
            "overdue": [moment.isoformat() for moment in overdue],
            "done": plan.done_count,
            "total": plan.total,
        },
        "review_version": VERSION,
    }


@dataclass(frozen=True)
class Reading:
    """An episode's stored reading at a moment: its status, flags and whether it needs you."""

    episode: object
    status: str
    flags: tuple  # (code, words), as `views.clinic.episode_flags` gives them
    needs_attention: bool
    next_change: datetime | None  # the next moment a rating of it turns overdue
    changes_at: datetime | None  # the next moment the clock alone changes this reading

    @classmethod
    def at(cls, episode, now):
        review = episode.review
        if now < episode.starts_at:
            status = schedule.STATUS_UPCOMING
        elif now >= episode.complete_at:
            status = schedule.STATUS_COMPLETE
        else:
            status = schedule.STATUS_IN_PROGRESS
        moments = [datetime.fromisoformat(moment) for moment in review["overdue"]]
        overdue = sum(moment <= now for moment in moments)
        raised = [
            (wording.FLAG_RED, episode.red_flag),
            (wording.FLAG_NO_BASELINE, review["baseline_missing"] and now >= episode.starts_at),
            (wording.FLAG_OVERDUE, bool(overdue)),
            (wording.FLAG_ANALGESIC, review["analgesic"]),
        ]
        flags = tuple((code, wording.flag_text(code, overdue)) for code, up in raised if up)
        late = episode.attention_at is not None and episode.attention_at <= now
        needs_attention = episode.red_flag or (late and status != schedule.STATUS_COMPLETE)
        next_change = min((moment for moment in moments if moment > now), default=None)
        later = [next_change, episode.starts_at, episode.attention_at, episode.complete_at]
        changes_at = min((m for m in later if m is not None and m > now), default=None)
        return cls(episode, status, flags, needs_attention, next_change, changes_at)

    @property
    def result(self):
        return self.episode.result

    @property
    def relief(self):
        return self.episode.review["relief"]

    @property
    def steroid(self):
        return self.episode.review["steroid"]

    @property
    def onset_day(self):
        return self.episode.review["onset_day"]

    @property
    def done(self):
        return self.episode.review["done"]

    @property
    def total(self):
        return self.episode.review["total"]
