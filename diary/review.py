"""The clinician's reading of an episode: its result, flags, status, whether it needs attention.

This module is the one home of that reading. `read` computes it from the diary (`diagnosis`
and `schedule`); `store` keeps it on the episode, so that the dashboard can sort, filter and
page a clinic of any size in SQL; `Reading.at` says what a stored reading means at a moment;
`late_q` says the same in SQL. The dashboard's list and the episode page read it here.

Part of a reading changes with the clock alone: a rating not made turns *overdue* when it is
due (it can still be made) and *missed* when its window closes, and the diary completes when
its last window closes. Those are stored as the moments they happen (`attention_at`,
`complete_at`, `review["due"]`, `review["missed"]`), and `Reading.at` compares them with the
clock, as `schedule.build` would at that moment.

`store` is the only writer of the stored reading, of `Episode.updated_at` after a change to a
diary, and of `Clinic.version`; `diary/signals.py` calls it after every change that shows on
a page (a rating, an episode, a name, a clinic's rules). After a release that changes a rule
of `diagnosis` or `schedule`, `python manage.py refresh_readings` reads every episode again.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from diary import charts, comparison, diagnosis, schedule, wording
from diary.models import Clinic, Episode

# The stored fields `read()` fills.
FIELDS = ("starts_at", "result", "red_flag", "attention_at", "complete_at", "review")
CHUNK = 500


def read(episode):
    """The stored reading of `episode`, loaded with its clinic and ratings: the values of
    `FIELDS`."""
    plan = episode.schedule(episode.injected_at)  # only what is done and when windows close
    summary = episode.summary
    open_items = [item for item in plan.items if item.state != schedule.DONE]
    baseline_missing = any(item.kind == schedule.BASELINE for item in open_items)
    ratings = [item for item in open_items if item.kind != schedule.BASELINE]
    # When each rating not made falls due (overdue from then), and when its window closes
    # (missed from then); a rating's due moment is never after its close.
    due = sorted(item.due_at for item in ratings)
    missed = sorted(item.closes_at for item in ratings)
    # The moments the diary would need attention for a missing rating: the baseline is
    # missed at the injection, any other rating when its window closes.
    late = ([plan.injected_at] if baseline_missing else []) + missed[:1]
    daily_items = [item for item in plan.items if item.kind == schedule.DAILY]
    if all(item.state == schedule.DONE for item in daily_items):
        complete_at = plan.injected_at  # every day recorded: complete once injected
    else:
        complete_at = max(item.closes_at for item in plan.items)
    return {
        "starts_at": plan.injected_at,
        "result": summary.diagnostic,
        "red_flag": any(rating.fever_redness for rating in episode.ratings.all()),
        "attention_at": min(late, default=None),
        "complete_at": complete_at,
        "review": {
            "relief": summary.provocation_relief,
            "steroid": summary.steroid,
            "onset_day": summary.onset_day,
            "analgesic": diagnosis.ANALGESIC_BEFORE_TEST in summary.reasons,
            "baseline_missing": baseline_missing,
            "due": [moment.isoformat() for moment in due],
            "missed": [moment.isoformat() for moment in missed],
            "done": plan.done_count,
            "total": plan.total,
        },
    }


def store(episodes, *, clinics=()):
    """Read each of `episodes` (a queryset) afresh from its diary and store its reading; move
    its `updated_at`; and give a new `version` to their clinics and to those of `clinics` (ids),
    which names what each clinic's dashboard shows.

    Each episode's row is locked while it is read (select_for_update; SQLite's transactions
    take the write lock at their start): two writers to one diary store what both wrote.
    """
    now = timezone.now()
    changed = set(clinics)
    loaded = (
        episodes.select_related("clinic")
        .prefetch_related("ratings")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    # Inside the caller's transaction when there is one (a rating and its reading commit
    # together), without a savepoint: a failure there fails the whole.
    with transaction.atomic(savepoint=False):
        for episode in loaded.iterator(chunk_size=CHUNK):
            Episode.objects.filter(pk=episode.pk).update(**read(episode), updated_at=now)
            changed.add(episode.clinic_id)
        Clinic.objects.filter(pk__in=changed).update(version=uuid.uuid4())


def late_q(now):
    """Late while the diary runs, at `now`, in SQL: with a red flag, the condition of
    `Reading.needs_attention`."""
    return Q(attention_at__lte=now, complete_at__gt=now)


@dataclass(frozen=True)
class Reading:
    """An episode's stored reading at a moment: its status, flags and whether it needs you."""

    episode: object
    status: str
    flags: tuple  # (code, words)
    needs_attention: bool
    changes_at: datetime | None  # the next moment the clock alone changes this reading
    missed: int  # ratings whose window closed unrecorded
    overdue: int  # ratings due and not made, still open
    # The stored numbers: relief at the provocation test, the steroid response and the day
    # it began, ratings done of all asked for.
    relief: float | None
    steroid: str
    onset_day: int | None
    done: int
    total: int

    @classmethod
    def at(cls, episode, now):
        review = episode.review
        if now < episode.starts_at:
            status = schedule.STATUS_UPCOMING
        elif now >= episode.complete_at:
            status = schedule.STATUS_COMPLETE
        else:
            status = schedule.STATUS_IN_PROGRESS
        due = [datetime.fromisoformat(moment) for moment in review["due"]]
        closes = [datetime.fromisoformat(moment) for moment in review["missed"]]
        missed = sum(moment <= now for moment in closes)
        overdue = sum(moment <= now for moment in due) - missed  # due, and still open
        raised = [
            (wording.FLAG_RED, episode.red_flag, 1),
            (wording.FLAG_NO_BASELINE, review["baseline_missing"] and now >= episode.starts_at, 1),
            (wording.FLAG_MISSED, missed > 0, missed),
            (wording.FLAG_OVERDUE, overdue > 0, overdue),
            (wording.FLAG_ANALGESIC, review["analgesic"], 1),
        ]
        flags = tuple((code, wording.flag_text(code, n)) for code, up, n in raised if up)
        late = episode.attention_at is not None and episode.attention_at <= now
        needs_attention = episode.red_flag or (late and status != schedule.STATUS_COMPLETE)
        # The next moment a rating turns overdue or missed, the episode starts, turns late or
        # completes.
        later = [*due, *closes, episode.starts_at, episode.attention_at, episode.complete_at]
        changes_at = min((m for m in later if m is not None and m > now), default=None)
        numbers = {name: review[name] for name in ("relief", "steroid", "onset_day", "done")}
        return cls(
            episode,
            status,
            flags,
            needs_attention,
            changes_at,
            missed,
            overdue,
            total=review["total"],
            **numbers,
        )

    @property
    def result(self):
        return self.episode.result


def rating_row(rating, episode):
    """One rating as a row of the episode's table, page and PDF alike: a dict, which the
    template engine reads at its first try (see dashboard.row)."""
    daily = rating.kind == rating.Kind.DAILY
    return {
        "label": str(rating.label),
        "recorded_at": timezone.localtime(rating.recorded_at, episode.clinic.zone),
        "after": wording.after_injection(rating),  # "24 min" or "day 3"
        "pain": rating.pain,
        "relief": diagnosis.relief(episode.baseline_pain, rating.pain),  # computed
        "stated_relief": rating.relief,
        "medicine": wording.medicine(rating),
        "side_effects": ", ".join(str(label) for label in rating.side_effect_labels()),
        "ice_heat": rating.get_ice_heat_display() if daily else "",
        "note": rating.note,
        "late": rating.late,
        "red_flag": rating.fever_redness,
    }


class EpisodeReview:
    """Everything the episode page and its PDF say about one episode at `now`.

    Each part is read when first asked for: a page drawn from the cache asks for none.
    """

    def __init__(self, episode, now):
        self.episode, self.now = episode, now

    @cached_property
    def reading(self):
        return Reading.at(self.episode, self.now)

    @cached_property
    def rules(self):
        return self.episode.clinic.rules()

    @cached_property
    def summary(self):
        return self.episode.load_ratings().summary

    @cached_property
    def conclusion(self):
        return wording.conclusion(self.summary, self.rules)

    @cached_property
    def reasons(self):
        return [wording.reason_text(code, self.rules) for code in self.summary.reasons]

    @cached_property
    def warnings(self):
        episode = self.episode.load_ratings()
        fell_at = diagnosis.relief_fell_at(
            episode.baseline_pain, episode.timed, self.summary, self.rules
        )
        return [
            wording.warning_text(
                code,
                self.rules,
                anesthetic=episode.anesthetic,
                agent=episode.get_anesthetic_display().lower(),
                fell_at=fell_at,
            )
            for code in self.summary.warnings
        ]

    @cached_property
    def ratings(self):
        episode = self.episode.load_ratings()
        return [rating_row(rating, episode) for rating in [*episode.timed, *episode.daily]]

    @cached_property
    def rule_lines(self):
        return wording.rule_lines(self.rules)

    @cached_property
    def chart_text(self):
        return charts.describe(**chart_inputs(self.episode.load_ratings()))


@dataclass(frozen=True)
class Block:
    """One episode as a column of the compare page, and as `comparison.verdict` reads it."""

    episode: Episode

    @property
    def summary(self):
        return self.episode.summary

    @property
    def side(self):
        return self.episode.side

    @property
    def steroid(self):
        return self.episode.block_type == Episode.BlockType.THERAPEUTIC

    @property
    def anesthetic(self):
        return self.episode.anesthetic

    @property
    def diagnostic(self):
        return self.summary.diagnostic

    @property
    def relief_hours(self):
        return self.summary.relief_hours

    @cached_property
    def still_running(self):
        """A positive test whose relief never fell below the positive level in the
        anesthetic phase: its duration is "at least", not known."""
        episode = self.episode
        summary = self.summary
        fell_at = diagnosis.relief_fell_at(
            episode.baseline_pain, episode.timed, summary, episode.clinic.rules()
        )
        return summary.diagnostic == diagnosis.POSITIVE and fell_at is None

    @property
    def lasted(self):
        """How long relief lasted, in words: "1.0 h", or "still running at 4.0 h"."""
        return wording.relief_lasted(self.relief_hours, self.still_running)

    def __str__(self):
        return wording.block(self)


class Comparison:
    """A patient's episodes side by side, oldest first, and each pair of them whose relief
    lasted a comparable time (CLINICAL.md section 4).

    `key` names what the page shows; the blocks are read when first asked for: a page drawn
    from the cache asks for none of them.
    """

    def __init__(self, episodes):
        self.episodes = episodes

    @property
    def key(self):
        """Each episode as it stands: its `updated_at` moves with every change it shows."""
        versions = self.episodes.order_by("pk").values_list("uuid", "updated_at")
        return [f"{uuid}:{updated_at.isoformat()}" for uuid, updated_at in versions]

    @cached_property
    def blocks(self):
        episodes = self.episodes.with_diary()
        return [Block(episode) for episode in sorted(episodes, key=lambda e: e.injected_at)]

    @cached_property
    def verdicts(self):
        """(first block, second block, the verdict in words, decided) for every pair: the
        short-acting block first where the agents tell them apart."""
        return [
            (verdict.first, verdict.second, wording.verdict(verdict), verdict.decided)
            for verdict in comparison.verdicts(self.blocks)
        ]

    @property
    def zone(self):
        return self.blocks[0].episode.clinic.zone if self.blocks else None


def chart_inputs(episode):
    """What `charts.episode_figure` and `charts.describe` draw from. Load with `with_diary()`."""
    return {
        "baseline": episode.baseline_pain,
        "timed": episode.timed,
        "daily": episode.daily,
        "summary": episode.summary,
        "rules": episode.clinic.rules(),
        "diary_days": episode.diary_days,
    }
