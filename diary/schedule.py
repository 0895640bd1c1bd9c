"""When each rating of an injection episode's diary can be made (CLINICAL.md section 1).

Pure Python: no Django, no database, no clock. The caller passes "now" and what has been
recorded; `build()` answers what is due, what comes next, what was missed and how far the
diary is, and `guidance()` says which patient guidance fits that moment.

Every datetime in a `Schedule` is aware and in UTC, whatever zone the inputs were in. Python
compares and subtracts two datetimes that share a tzinfo by wall clock, ignoring the offset, so
local datetimes would go wrong around a DST change; callers convert to the clinic's zone to
display. Calendar days (the diary's "day 1", local midnight, "this evening") are always the
clinic's, never the server's or UTC's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Item kinds.
BASELINE, PROVOCATION, TIMED, DAILY = "baseline", "provocation", "timed", "daily"

# The kinds of rating the patient is reminded of (by calendar and e-mail): all but the
# baseline, which the clinic takes on arrival if the patient has not recorded it.
REMINDED_KINDS = (PROVOCATION, TIMED, DAILY)

# Item states.
DONE, DUE, UPCOMING, MISSED = "done", "due", "upcoming", "missed"

# Episode status.
STATUS_UPCOMING, STATUS_IN_PROGRESS, STATUS_COMPLETE = "upcoming", "in_progress", "complete"

# Guidance codes, in the order `guidance()` returns them. The words live with the views.
GUIDANCE_BEFORE = "before"
GUIDANCE_INJECTION_DAY = "injection_day"
GUIDANCE_FIRST_HOURS = "first_hours"
GUIDANCE_ICE_DAYS = "ice_days"
GUIDANCE_ONSET_DAYS = "onset_days"
GUIDANCE_DAY_TEN = "day_ten"
GUIDANCE_ACTIVITY = "activity"
GUIDANCE_RED_FLAGS = "red_flags"

TIMED_HOURS = range(1, 7)
MAX_DIARY_DAYS = 14

# The usual pain is worth recording only close to the injection; a month ahead is generous
# for episodes booked early, and keeps a stale rating from standing in as the baseline.
BASELINE_OPENS_BEFORE = timedelta(days=30)

# A daily rating sums up the day, so it is "due" in the evening: reminders and "next rating"
# say "this evening" rather than "at midnight".
DAILY_DUE_TIME = time(19, 0)


@dataclass(frozen=True)
class Item:
    """One rating the diary asks for, as it stands at the schedule's `now`."""

    key: str  # "baseline", "provocation", "hour-1".."hour-6", "day-1".."day-14"; used in URLs
    kind: str
    number: int | None  # hour or day number; None for the baseline and the provocation test
    opens_at: datetime  # earliest moment the patient can record it
    due_at: datetime  # when it should be done: what reminders and "next rating at" show
    closes_at: datetime  # from this moment on the patient can no longer record it
    state: str
    late: bool  # a daily rating that is still open, on the day after its day


@dataclass(frozen=True)
class Schedule:
    items: tuple[Item, ...]  # in the order they fall due
    now: datetime
    status: str
    due: tuple[Item, ...]  # open now and not done, soonest closing first
    next: Item | None  # the earliest item not done that opens after now
    missed: tuple[Item, ...]  # closed and not done, in the order they fell due
    done_count: int
    total: int
    day: int | None  # 0 = injection day, 1 = the next calendar day in the clinic; None before it
    hours_since: float | None  # None before the injection
    injected_at: datetime
    tz: ZoneInfo
    diary_days: int

    def item(self, key: str) -> Item | None:
        for item in self.items:
            if item.key == key:
                return item
        return None

    def can_record(self, key: str) -> bool:
        """Whether the patient may record this item now: the views accept or refuse on it."""
        item = self.item(key)
        return item is not None and item.state == DUE


@dataclass(frozen=True)
class _Window:
    key: str
    kind: str
    number: int | None
    opens_at: datetime
    due_at: datetime
    closes_at: datetime
    late_from: datetime | None = None  # daily only: the start of the day after its day


def build(
    *,
    injected_at: datetime,
    tz: ZoneInfo | str,
    diary_days: int,
    timed_ratings: bool,
    baseline_done: bool,
    timed_done: Iterable[str],
    daily_done: Iterable[int],
    now: datetime,
    provocation_window: tuple[float, float] = (20, 30),
    provocation_close: float = 60,
    daily_time: time = DAILY_DUE_TIME,
) -> Schedule:
    """The diary of one episode as it stands at `now`.

    `injected_at` is the actual injection time, or the booked one until a clinician corrects
    it. `tz` is the clinic's zone (a ZoneInfo or an IANA name). `timed_done` holds the keys of
    recorded timed items ("provocation", "hour-3"), `daily_done` the recorded day numbers;
    entries that are not part of this diary are ignored. `daily_time` is the wall-clock time
    in `tz` at which each daily rating is due (the patient's choice).
    """
    _require_aware(injected_at, "injected_at")
    _require_aware(now, "now")
    _require_diary_days(diary_days)
    _require_provocation(provocation_window, provocation_close)
    zone = _zone(tz)
    injected_at = injected_at.astimezone(UTC)
    now = now.astimezone(UTC)

    windows = [
        _baseline_window(injected_at),
        _provocation_window(injected_at, provocation_window, provocation_close),
    ]
    if timed_ratings:
        windows += [_hour_window(injected_at, hour) for hour in TIMED_HOURS]
    windows += [_day_window(injected_at, zone, day, daily_time) for day in range(1, diary_days + 1)]

    recorded = _recorded_keys(baseline_done, timed_done, daily_done)
    items = tuple(_item(window, window.key in recorded, now) for window in windows)
    return _schedule(items, now, injected_at, zone, diary_days)


def guidance(
    schedule: Schedule,
    *,
    analgesic_free_hours: float = 6,
    no_improvement_day: int = 10,
    steroid: bool = True,
) -> tuple[str, ...]:
    """Codes of the patient guidance that applies at the schedule's `now`.

    The two rules are the clinic's of the same names (CLINICAL.md section 2); `steroid` False,
    a diagnostic block: no cortisone guidance (when it may start working, the day-10 rule).
    """
    day = schedule.day
    in_first_hours = (
        schedule.hours_since is not None and schedule.hours_since < analgesic_free_hours
    )
    # An injection late in the evening still numbs the leg after midnight: "no driving" and
    # "numbness can happen" hold until the first hours are over, even on day 1.
    on_injection_day = day == 0 or in_first_hours
    applies = {
        GUIDANCE_BEFORE: schedule.status == STATUS_UPCOMING,
        GUIDANCE_INJECTION_DAY: on_injection_day,
        GUIDANCE_FIRST_HOURS: in_first_hours,
        GUIDANCE_ICE_DAYS: _day_between(day, 1, 3),
        GUIDANCE_ONSET_DAYS: steroid and _day_between(day, 2, 5),
        # A diary shorter than ten days says its last word on its last day.
        GUIDANCE_DAY_TEN: steroid
        and _day_between(day, min(no_improvement_day, schedule.diary_days), None),
        GUIDANCE_ACTIVITY: _day_between(day, 1, None) and not on_injection_day,
        GUIDANCE_RED_FLAGS: True,
    }
    return tuple(code for code, applies_now in applies.items() if applies_now)


def changes_at(schedule: Schedule, *, analgesic_free_hours: float = 6) -> datetime:
    """The next moment after the schedule's `now` at which the clock alone changes what
    `build()` and `guidance()` answer, or the clinic's calendar day (so words such as "today
    at 19:00" stay true until then): a window opening or closing, the injection, the end of
    the first hours, the next local midnight (a day number, a daily rating turning late).

    Until that moment, a schedule built at a later `now` with the same inputs differs from
    this one only in `now` and `hours_since`: a page drawn from it can be kept until then.
    """
    now, zone = schedule.now, schedule.tz
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    moments = [
        _local(tomorrow, time(0), zone),
        schedule.injected_at,
        schedule.injected_at + timedelta(hours=analgesic_free_hours),
    ]
    for item in schedule.items:
        moments += [item.opens_at, item.closes_at]
    return min(moment for moment in moments if moment > now)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")


def _require_diary_days(diary_days: int) -> None:
    if isinstance(diary_days, bool) or not isinstance(diary_days, int):
        raise ValueError(f"diary_days must be an integer, got {diary_days!r}")
    if not 1 <= diary_days <= MAX_DIARY_DAYS:
        raise ValueError(f"diary_days must be 1 to {MAX_DIARY_DAYS}, got {diary_days}")


def _require_provocation(window: tuple[float, float], close: float) -> None:
    start, end = window
    if not 0 <= start <= end <= close:
        raise ValueError(f"provocation window {window!r} must lie between 0 and {close} minutes")


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _baseline_window(injected_at: datetime) -> _Window:
    # Once the injection is done the anesthetic acts, so the patient's "usual pain" is gone.
    return _Window(
        key="baseline",
        kind=BASELINE,
        number=None,
        opens_at=injected_at - BASELINE_OPENS_BEFORE,
        due_at=injected_at,
        closes_at=injected_at,
    )


def _provocation_window(
    injected_at: datetime, window: tuple[float, float], close: float
) -> _Window:
    # Due at the start of the window, when the patient should repeat the provoking activity.
    # Entries after the window but before `close` still count, with a warning in diagnosis.py.
    opens_at = injected_at + timedelta(minutes=window[0])
    return _Window(
        key="provocation",
        kind=PROVOCATION,
        number=None,
        opens_at=opens_at,
        due_at=opens_at,
        closes_at=injected_at + timedelta(minutes=close),
    )


def _hour_window(injected_at: datetime, hour: int) -> _Window:
    opens_at = injected_at + timedelta(hours=hour)
    return _Window(
        key=f"hour-{hour}",
        kind=TIMED,
        number=hour,
        opens_at=opens_at,
        due_at=opens_at,
        closes_at=opens_at + timedelta(hours=1),
    )


def _day_window(injected_at: datetime, zone: ZoneInfo, day: int, due_time: time) -> _Window:
    # Its own day or the day after (late), never ahead: a rating of a day not yet lived.
    its_date = injected_at.astimezone(zone).date() + timedelta(days=day)
    return _Window(
        key=f"day-{day}",
        kind=DAILY,
        number=day,
        opens_at=_local(its_date, time(0), zone),
        due_at=_local(its_date, due_time, zone),
        closes_at=_local(its_date + timedelta(days=2), time(0), zone),
        late_from=_local(its_date + timedelta(days=1), time(0), zone),
    )


def _local(on: date, at: time, zone: ZoneInfo) -> datetime:
    # Built from the calendar, not by adding 24 h, so days stay days across DST changes.
    # A wall time skipped by a DST change resolves to the moment the clock jumped.
    return datetime.combine(on, at, tzinfo=zone).astimezone(UTC)


def _recorded_keys(
    baseline_done: bool, timed_done: Iterable[str], daily_done: Iterable[int]
) -> set[str]:
    recorded = set(timed_done) | {f"day-{day}" for day in daily_done}
    if baseline_done:
        recorded.add("baseline")
    return recorded


def _item(window: _Window, recorded: bool, now: datetime) -> Item:
    state = _state(window, recorded, now)
    late = state == DUE and window.late_from is not None and now >= window.late_from
    return Item(
        key=window.key,
        kind=window.kind,
        number=window.number,
        opens_at=window.opens_at,
        due_at=window.due_at,
        closes_at=window.closes_at,
        state=state,
        late=late,
    )


def _state(window: _Window, recorded: bool, now: datetime) -> str:
    if recorded:
        return DONE
    if now >= window.closes_at:
        return MISSED
    if now >= window.opens_at:
        return DUE
    return UPCOMING


def _schedule(
    items: tuple[Item, ...], now: datetime, injected_at: datetime, zone: ZoneInfo, diary_days: int
) -> Schedule:
    upcoming = [item for item in items if item.state != DONE and item.opens_at > now]
    started = now >= injected_at
    return Schedule(
        items=items,
        now=now,
        status=_status(items, now, injected_at),
        due=tuple(sorted((i for i in items if i.state == DUE), key=lambda i: i.closes_at)),
        next=min(upcoming, key=lambda item: item.opens_at, default=None),
        missed=tuple(item for item in items if item.state == MISSED),
        done_count=sum(item.state == DONE for item in items),
        total=len(items),
        day=_day_number(injected_at, now, zone) if started else None,
        hours_since=(now - injected_at).total_seconds() / 3600 if started else None,
        injected_at=injected_at,
        tz=zone,
        diary_days=diary_days,
    )


def _status(items: tuple[Item, ...], now: datetime, injected_at: datetime) -> str:
    if now < injected_at:
        return STATUS_UPCOMING
    daily = [item for item in items if item.kind == DAILY]
    if all(item.state == DONE for item in daily):
        return STATUS_COMPLETE
    if now >= max(item.closes_at for item in items):
        return STATUS_COMPLETE
    return STATUS_IN_PROGRESS


def _day_number(injected_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    return (now.astimezone(zone).date() - injected_at.astimezone(zone).date()).days


def _day_between(day: int | None, first: int, last: int | None) -> bool:
    if day is None or day < first:
        return False
    return last is None or day <= last
