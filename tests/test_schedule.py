"""Tests for diary/schedule.py: what a diary asks for at a given moment.

The module takes "now" as an argument, so every moment here is an explicit aware datetime.
Clinic times are written in the clinic's zone; "now" is often written in UTC, as a server sees it.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary.schedule import (
    DAILY,
    DONE,
    DUE,
    MISSED,
    STATUS_COMPLETE,
    STATUS_IN_PROGRESS,
    STATUS_UPCOMING,
    UPCOMING,
    build,
    changes_at,
    guidance,
)

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SYDNEY = ZoneInfo("Australia/Sydney")

# A Tuesday morning in Berlin, away from any DST change: 09:00 UTC.
INJECTED = datetime(2024, 3, 12, 10, 0, tzinfo=BERLIN)
# Ten minutes before midnight, Berlin time: 22:50 UTC.
LATE_EVENING = datetime(2024, 3, 12, 23, 50, tzinfo=BERLIN)

HOURS = [f"hour-{hour}" for hour in range(1, 7)]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def berlin(*args, fold=0):
    return datetime(*args, tzinfo=BERLIN, fold=fold)


def after(**delta):
    return INJECTED + timedelta(**delta)


def diary(now, **changes):
    options = {
        "injected_at": INJECTED,
        "tz": BERLIN,
        "diary_days": 7,
        "timed_ratings": True,
        "baseline_done": True,
        "timed_done": set(),
        "daily_done": set(),
        "now": now,
    }
    options.update(changes)
    return build(**options)


def days(first, last):
    return [f"day-{day}" for day in range(first, last + 1)]


def keys(items):
    return [item.key for item in items]


@pytest.mark.parametrize(
    "diary_days, timed_ratings, expected",
    [
        (7, True, ["baseline", "provocation", *HOURS, *days(1, 7)]),
        (14, True, ["baseline", "provocation", *HOURS, *days(1, 14)]),
        (7, False, ["baseline", "provocation", *days(1, 7)]),
        (1, False, ["baseline", "provocation", "day-1"]),
    ],
)
def test_it_lists_the_items_of_the_diary_in_order(diary_days, timed_ratings, expected):
    schedule = diary(after(days=1), diary_days=diary_days, timed_ratings=timed_ratings)

    assert keys(schedule.items) == expected
    assert schedule.total == len(expected)


def test_it_has_no_hour_items_when_timed_ratings_are_off():
    schedule = diary(after(hours=2), timed_ratings=False)

    assert schedule.item("hour-2") is None
    assert not schedule.can_record("hour-2")
    assert keys(schedule.due) == []


@pytest.mark.parametrize(
    "now, timed_done, state, can_record",
    [
        (after(minutes=19), set(), UPCOMING, False),
        (after(minutes=20), set(), DUE, True),
        (after(minutes=25), set(), DUE, True),
        (after(minutes=45), set(), DUE, True),
        (after(minutes=59), set(), DUE, True),
        (after(minutes=60), set(), MISSED, False),
        (after(minutes=61), set(), MISSED, False),
        (after(minutes=25), {"provocation"}, DONE, False),
        (after(minutes=61), {"provocation"}, DONE, False),
    ],
)
def test_it_opens_the_provocation_test_from_20_to_60_minutes(now, timed_done, state, can_record):
    schedule = diary(now, timed_done=timed_done)

    assert schedule.item("provocation").state == state
    assert schedule.can_record("provocation") is can_record


def test_it_is_due_at_the_start_of_the_provocation_window():
    provocation = diary(after(minutes=5)).item("provocation")

    assert provocation.opens_at == after(minutes=20)
    assert provocation.due_at == after(minutes=20)
    assert provocation.closes_at == after(minutes=60)


@pytest.mark.parametrize(
    "minutes, state",
    [(14, UPCOMING), (15, DUE), (44, DUE), (45, MISSED)],
)
def test_it_follows_the_clinics_provocation_window(minutes, state):
    schedule = diary(after(minutes=minutes), provocation_window=(15, 25), provocation_close=45)

    assert schedule.item("provocation").state == state


@pytest.mark.parametrize(
    "now, key, state",
    [
        (after(minutes=59), "hour-1", UPCOMING),
        (after(minutes=60), "hour-1", DUE),
        (after(minutes=119), "hour-1", DUE),
        (after(minutes=120), "hour-1", MISSED),
        (after(minutes=120), "hour-2", DUE),
        (after(hours=6), "hour-6", DUE),
        (after(hours=7), "hour-6", MISSED),
    ],
)
def test_it_opens_each_timed_rating_for_one_hour(now, key, state):
    assert diary(now).item(key).state == state


@pytest.mark.parametrize(
    "now, baseline_done, state, can_record",
    [
        (after(days=-31), False, UPCOMING, False),
        (after(days=-2), False, DUE, True),
        (after(minutes=-1), False, DUE, True),
        (after(days=-2), True, DONE, False),
        (after(minutes=0), False, MISSED, False),
        (after(minutes=25), False, MISSED, False),
        (after(minutes=25), True, DONE, False),
    ],
)
def test_it_takes_the_baseline_only_before_the_injection(now, baseline_done, state, can_record):
    schedule = diary(now, baseline_done=baseline_done)

    assert schedule.item("baseline").state == state
    assert schedule.can_record("baseline") is can_record
    assert ("baseline" in keys(schedule.missed)) is (state == MISSED)


def test_it_is_due_for_the_baseline_at_the_injection():
    baseline = diary(after(days=-1)).item("baseline")

    assert baseline.opens_at == after(days=-30)
    assert baseline.due_at == INJECTED
    assert baseline.closes_at == INJECTED


# Injection on Tuesday 12 March; day 2 is Thursday 14 March.
@pytest.mark.parametrize(
    "now, daily_done, state, late, can_record",
    [
        (berlin(2024, 3, 13, 23, 59), set(), UPCOMING, False, False),
        (berlin(2024, 3, 14, 0, 0), set(), DUE, False, True),
        (berlin(2024, 3, 14, 19, 0), set(), DUE, False, True),
        (berlin(2024, 3, 15, 0, 0), set(), DUE, True, True),
        (berlin(2024, 3, 15, 8, 0), set(), DUE, True, True),
        (berlin(2024, 3, 15, 23, 59), set(), DUE, True, True),
        (berlin(2024, 3, 15, 8, 0), {2}, DONE, False, False),
        (berlin(2024, 3, 16, 0, 0), set(), MISSED, False, False),
        (berlin(2024, 3, 16, 10, 0), set(), MISSED, False, False),
    ],
)
def test_it_takes_a_daily_rating_on_its_day_or_late_on_the_next(
    now, daily_done, state, late, can_record
):
    schedule = diary(now, daily_done=daily_done)
    day_two = schedule.item("day-2")

    assert day_two.state == state
    assert day_two.late is late
    assert schedule.can_record("day-2") is can_record


@pytest.mark.parametrize(
    "injected_at, tz, opens_at, due_at, closes_at",
    [
        (INJECTED, BERLIN, utc(2024, 3, 12, 23), utc(2024, 3, 13, 18), utc(2024, 3, 14, 23)),
        (LATE_EVENING, BERLIN, utc(2024, 3, 12, 23), utc(2024, 3, 13, 18), utc(2024, 3, 14, 23)),
        (
            datetime(2024, 6, 3, 10, 0, tzinfo=LOS_ANGELES),
            LOS_ANGELES,
            utc(2024, 6, 4, 7),
            utc(2024, 6, 5, 2),
            utc(2024, 6, 6, 7),
        ),
        (
            datetime(2024, 5, 10, 9, 0, tzinfo=SYDNEY),
            "Australia/Sydney",
            utc(2024, 5, 10, 14),
            utc(2024, 5, 11, 9),
            utc(2024, 5, 12, 14),
        ),
        # The injection time given in UTC still dates day 1 by the clinic's calendar.
        (
            utc(2024, 5, 9, 23),
            SYDNEY,
            utc(2024, 5, 10, 14),
            utc(2024, 5, 11, 9),
            utc(2024, 5, 12, 14),
        ),
    ],
)
def test_it_opens_day_one_at_midnight_in_the_clinic_and_makes_it_due_at_seven_pm(
    injected_at, tz, opens_at, due_at, closes_at
):
    day_one = build(
        injected_at=injected_at,
        tz=tz,
        diary_days=7,
        timed_ratings=True,
        baseline_done=True,
        timed_done=set(),
        daily_done=set(),
        now=injected_at,
    ).item("day-1")

    assert (day_one.opens_at, day_one.due_at, day_one.closes_at) == (opens_at, due_at, closes_at)


def test_it_makes_daily_ratings_due_at_the_patients_chosen_time_across_a_dst_change():
    # Berlin moves to summer time on Sunday 31 March 2024: 08:30 is 07:30 UTC before, 06:30 after.
    winter = diary(INJECTED, daily_time=time(8, 30))
    spring = diary(INJECTED, daily_time=time(8, 30), injected_at=berlin(2024, 3, 30, 10))

    assert winter.item("day-1").due_at == utc(2024, 3, 13, 7, 30)
    assert spring.item("day-1").due_at == utc(2024, 3, 31, 6, 30)
    assert spring.item("day-2").due_at == utc(2024, 4, 1, 6, 30)
    assert spring.item("day-2").opens_at == utc(2024, 3, 31, 22)


def test_it_opens_day_one_ten_minutes_after_an_injection_at_ten_to_midnight():
    schedule = diary(berlin(2024, 3, 12, 23, 55), injected_at=LATE_EVENING)

    assert schedule.day == 0
    assert schedule.item("day-1").opens_at - LATE_EVENING == timedelta(minutes=10)
    assert schedule.item("day-1").state == UPCOMING
    assert schedule.next.key == "day-1"


def test_it_asks_for_the_provocation_test_after_midnight_on_day_one():
    schedule = diary(berlin(2024, 3, 13, 0, 15), injected_at=LATE_EVENING)

    assert schedule.day == 1
    assert schedule.hours_since == pytest.approx(25 / 60)
    # The provocation test closes at 00:50, long before day 1, so it comes first.
    assert keys(schedule.due) == ["provocation", "day-1"]
    assert schedule.item("provocation").due_at == berlin(2024, 3, 13, 0, 10)
    assert schedule.item("hour-6").opens_at == berlin(2024, 3, 13, 5, 50)
    assert schedule.next.key == "hour-1"
    assert schedule.next.due_at == berlin(2024, 3, 13, 0, 50)


@pytest.mark.parametrize(
    "injected_at, now, day, day_one_state",
    [
        # 10:00 in Los Angeles; "now" is 20:00 the same evening there, already the next UTC day.
        (datetime(2024, 6, 3, 10, 0, tzinfo=LOS_ANGELES), utc(2024, 6, 4, 3), 0, UPCOMING),
        (datetime(2024, 6, 3, 10, 0, tzinfo=LOS_ANGELES), utc(2024, 6, 4, 7), 1, DUE),
        # 09:00 in Sydney is 23:00 UTC the day before; day 1 starts at 14:00 UTC.
        (datetime(2024, 5, 10, 9, 0, tzinfo=SYDNEY), utc(2024, 5, 9, 22), None, UPCOMING),
        (datetime(2024, 5, 10, 9, 0, tzinfo=SYDNEY), utc(2024, 5, 10, 13, 30), 0, UPCOMING),
        (datetime(2024, 5, 10, 9, 0, tzinfo=SYDNEY), utc(2024, 5, 10, 14, 30), 1, DUE),
    ],
)
def test_it_counts_diary_days_in_the_clinics_time_zone(injected_at, now, day, day_one_state):
    schedule = diary(now, injected_at=injected_at, tz=injected_at.tzinfo)

    assert schedule.day == day
    assert schedule.item("day-1").state == day_one_state


@pytest.mark.parametrize(
    "injected_at, key, opens_at, due_at, closes_at",
    [
        # Summer time ends on Sunday 27 October 2024 at 03:00: that day lasts 25 hours.
        (
            berlin(2024, 10, 25, 10),
            "day-2",
            utc(2024, 10, 26, 22),
            utc(2024, 10, 27, 18),
            utc(2024, 10, 28, 23),
        ),
        (
            berlin(2024, 10, 25, 10),
            "day-3",
            utc(2024, 10, 27, 23),
            utc(2024, 10, 28, 18),
            utc(2024, 10, 29, 23),
        ),
        # Summer time starts on Sunday 31 March 2024 at 02:00: that day lasts 23 hours.
        (
            berlin(2024, 3, 29, 10),
            "day-2",
            utc(2024, 3, 30, 23),
            utc(2024, 3, 31, 17),
            utc(2024, 4, 1, 22),
        ),
    ],
)
def test_it_keeps_diary_days_to_calendar_days_across_a_dst_change(
    injected_at, key, opens_at, due_at, closes_at
):
    item = diary(injected_at, injected_at=injected_at).item(key)

    assert (item.opens_at, item.due_at, item.closes_at) == (opens_at, due_at, closes_at)


@pytest.mark.parametrize(
    "now, day, states, late",
    [
        (utc(2024, 10, 26, 22, 30), 2, {"day-1": DUE, "day-2": DUE, "day-3": UPCOMING}, False),
        # 23:30 on the long Sunday: adding 24 h to midnight would already open day 3 and close
        # day 1, which may still be recorded late until midnight.
        (utc(2024, 10, 27, 22, 30), 2, {"day-1": DUE, "day-2": DUE, "day-3": UPCOMING}, False),
        (utc(2024, 10, 27, 23, 0), 3, {"day-1": MISSED, "day-2": DUE, "day-3": DUE}, True),
    ],
)
def test_it_moves_to_the_next_diary_day_at_local_midnight_after_summer_time_ends(
    now, day, states, late
):
    schedule = diary(now, injected_at=berlin(2024, 10, 25, 10))

    assert schedule.day == day
    assert {key: schedule.item(key).state for key in states} == states
    assert schedule.item("day-2").late is late


def test_it_counts_hours_in_real_time_across_the_end_of_summer_time():
    # 22:00 summer time to 04:00 winter time is seven hours, not six.
    schedule = diary(berlin(2024, 10, 27, 4), injected_at=berlin(2024, 10, 26, 22))

    assert schedule.hours_since == 7.0
    assert schedule.item("hour-6").state == MISSED


def test_it_tells_the_repeated_hour_apart_when_summer_time_ends():
    # 02:30 summer time, then 02:45 in the repeated hour of winter time: 75 minutes later.
    schedule = diary(berlin(2024, 10, 27, 2, 45, fold=1), injected_at=berlin(2024, 10, 27, 2, 30))

    assert schedule.hours_since == 1.25
    assert schedule.item("provocation").state == MISSED
    assert schedule.item("hour-1").state == DUE


@pytest.mark.parametrize(
    "now, timed_ratings, key, due_at",
    [
        (after(hours=-1), True, "provocation", after(minutes=20)),
        (after(minutes=10), True, "provocation", after(minutes=20)),
        (after(minutes=25), True, "hour-1", after(hours=1)),
        (after(hours=3, minutes=10), True, "hour-4", after(hours=4)),
        (after(minutes=25), False, "day-1", berlin(2024, 3, 13, 19)),
        (after(hours=6, minutes=30), True, "day-1", berlin(2024, 3, 13, 19)),
        (berlin(2024, 3, 15, 12), True, "day-4", berlin(2024, 3, 16, 19)),
    ],
)
def test_it_names_the_next_item_and_when_it_is_due(now, timed_ratings, key, due_at):
    upcoming = diary(now, timed_ratings=timed_ratings).next

    assert upcoming.key == key
    assert upcoming.due_at == due_at


def test_it_has_no_next_item_on_the_last_day():
    assert diary(berlin(2024, 3, 19, 12)).next is None


def test_it_skips_recorded_items_when_naming_the_next_one():
    schedule = diary(berlin(2024, 3, 13, 23), daily_done={2})

    assert schedule.next.key == "day-3"


@pytest.mark.parametrize(
    "baseline_done, timed_done, daily_done, timed_ratings, done_count, total",
    [
        (False, set(), set(), True, 0, 15),
        (True, set(), set(), True, 1, 15),
        (True, {"provocation", "hour-1", "hour-3"}, {1, 2}, True, 6, 15),
        # Entries outside this diary (timed ratings off, a day past its length) do not count.
        (True, {"provocation", "hour-1"}, {1, 9}, False, 3, 9),
    ],
)
def test_it_counts_progress_over_all_items(
    baseline_done, timed_done, daily_done, timed_ratings, done_count, total
):
    schedule = diary(
        berlin(2024, 3, 14, 12),
        baseline_done=baseline_done,
        timed_done=timed_done,
        daily_done=daily_done,
        timed_ratings=timed_ratings,
    )

    assert (schedule.done_count, schedule.total) == (done_count, total)


def test_it_lists_what_was_missed_and_what_is_due_on_day_four():
    schedule = diary(berlin(2024, 3, 16, 12), baseline_done=False, daily_done={1})

    assert keys(schedule.missed) == ["baseline", "provocation", *HOURS, "day-2"]
    assert keys(schedule.due) == ["day-3", "day-4"]
    assert [item.late for item in schedule.due] == [True, False]


@pytest.mark.parametrize(
    "now, diary_days, daily_done, status",
    [
        (after(days=-3), 7, set(), STATUS_UPCOMING),
        (after(minutes=-1), 7, set(), STATUS_UPCOMING),
        (INJECTED, 7, set(), STATUS_IN_PROGRESS),
        (berlin(2024, 3, 17, 12), 7, {1, 2, 3, 4}, STATUS_IN_PROGRESS),
        (berlin(2024, 3, 19, 20), 7, set(range(1, 8)), STATUS_COMPLETE),
        # Day 7 can still be recorded late on day 8, until midnight.
        (berlin(2024, 3, 20, 23, 59), 7, {1, 2}, STATUS_IN_PROGRESS),
        (berlin(2024, 3, 21, 0, 0), 7, {1, 2}, STATUS_COMPLETE),
        (berlin(2024, 3, 21, 0, 0), 14, {1, 2}, STATUS_IN_PROGRESS),
        (berlin(2024, 3, 26, 20), 14, set(range(1, 15)), STATUS_COMPLETE),
        (berlin(2024, 3, 28, 0, 0), 14, set(), STATUS_COMPLETE),
    ],
)
def test_it_moves_from_upcoming_to_in_progress_to_complete(now, diary_days, daily_done, status):
    schedule = diary(now, diary_days=diary_days, daily_done=daily_done)

    assert schedule.status == status


@pytest.mark.parametrize(
    "now, day, hours_since",
    [
        (after(minutes=-1), None, None),
        (INJECTED, 0, 0.0),
        (after(minutes=90), 0, 1.5),
        (berlin(2024, 3, 13, 0, 0), 1, 14.0),
        (berlin(2024, 3, 19, 9, 0), 7, 167.0),
    ],
)
def test_it_reports_the_diary_day_and_hours_since_the_injection(now, day, hours_since):
    schedule = diary(now)

    assert (schedule.day, schedule.hours_since) == (day, hours_since)


def test_it_gives_every_time_in_utc_whatever_zone_now_is_in():
    schedule = diary(berlin(2024, 3, 14, 12))

    moments = [schedule.now, schedule.injected_at]
    moments += [moment for item in schedule.items for moment in (item.opens_at, item.closes_at)]
    assert {moment.tzinfo for moment in moments} == {UTC}


def test_it_knows_nothing_of_unknown_keys():
    schedule = diary(after(days=1))

    assert schedule.item("day-8") is None
    assert not schedule.can_record("day-8")
    assert not schedule.can_record("nonsense")


@pytest.mark.parametrize(
    "changes",
    [
        {"diary_days": 0},
        {"diary_days": 15},
        {"diary_days": -1},
        {"diary_days": "7"},
        {"diary_days": 7.0},
        {"now": datetime(2024, 3, 12, 11, 0)},
        {"injected_at": datetime(2024, 3, 12, 10, 0)},
        {"tz": "Mars/Olympus_Mons"},
        {"provocation_window": (30, 20)},
        {"provocation_window": (20, 30), "provocation_close": 25},
    ],
)
def test_it_refuses_invalid_input(changes):
    options = {"now": after(hours=1), **changes}

    with pytest.raises(ValueError):
        diary(**options)


@pytest.mark.parametrize("diary_days", [1, 7, 14])
def test_it_accepts_every_diary_length_from_1_to_14(diary_days):
    schedule = diary(after(hours=1), diary_days=diary_days)

    assert [item.number for item in schedule.items if item.kind == DAILY][-1] == diary_days


@pytest.mark.parametrize(
    "injected_at, now, diary_days, codes",
    [
        (INJECTED, after(days=-1), 7, ("before", "red_flags")),
        (INJECTED, after(minutes=30), 7, ("injection_day", "first_hours", "red_flags")),
        (INJECTED, after(hours=5, minutes=59), 7, ("injection_day", "first_hours", "red_flags")),
        (INJECTED, after(hours=7), 7, ("injection_day", "red_flags")),
        (INJECTED, berlin(2024, 3, 13, 12), 7, ("ice_days", "activity", "red_flags")),
        (
            INJECTED,
            berlin(2024, 3, 14, 12),
            7,
            ("ice_days", "onset_days", "activity", "red_flags"),
        ),
        (INJECTED, berlin(2024, 3, 16, 12), 7, ("onset_days", "activity", "red_flags")),
        (INJECTED, berlin(2024, 3, 18, 12), 7, ("activity", "red_flags")),
        # The last day of a seven-day diary carries the day-ten advice.
        (INJECTED, berlin(2024, 3, 19, 12), 7, ("day_ten", "activity", "red_flags")),
        (INJECTED, berlin(2024, 3, 19, 12), 14, ("activity", "red_flags")),
        (INJECTED, berlin(2024, 3, 22, 12), 14, ("day_ten", "activity", "red_flags")),
        # Ten to midnight: at 00:15 it is day 1, but the leg may still be numb.
        (
            LATE_EVENING,
            berlin(2024, 3, 13, 0, 15),
            7,
            ("injection_day", "first_hours", "ice_days", "red_flags"),
        ),
        (LATE_EVENING, berlin(2024, 3, 13, 7), 7, ("ice_days", "activity", "red_flags")),
    ],
)
def test_it_gives_the_guidance_that_fits_the_moment(injected_at, now, diary_days, codes):
    schedule = diary(now, injected_at=injected_at, diary_days=diary_days)

    assert guidance(schedule) == codes


def test_it_follows_the_clinics_rules_for_guidance():
    early = diary(after(hours=5), diary_days=14)
    day_seven = diary(berlin(2024, 3, 19, 12), diary_days=14)

    assert "first_hours" not in guidance(early, analgesic_free_hours=4)
    assert "day_ten" in guidance(day_seven, no_improvement_day=7)


def test_a_diagnostic_block_gets_no_cortisone_guidance():
    day_three = diary(berlin(2024, 3, 15, 12), diary_days=14)
    day_ten = diary(berlin(2024, 3, 22, 12), diary_days=14)

    assert "onset_days" in guidance(day_three)
    assert "day_ten" in guidance(day_ten)
    assert "onset_days" not in guidance(day_three, steroid=False)
    assert "day_ten" not in guidance(day_ten, steroid=False)
    assert "ice_days" in guidance(day_three, steroid=False)  # the rest is the same


def unclocked(plan, analgesic_free_hours):
    """What a page drawn from `plan` shows: all of it but the exact moment, and its day."""
    fields = {**plan.__dict__, "now": None, "hours_since": None}
    day = plan.now.astimezone(plan.tz).date()
    return fields, guidance(plan, analgesic_free_hours=analgesic_free_hours), day


@pytest.mark.parametrize(
    ("injected_at", "tz", "diary_days", "timed_ratings", "done"),
    [
        (INJECTED, BERLIN, 7, True, {"timed_done": {"provocation"}, "daily_done": {2}}),
        (LATE_EVENING, BERLIN, 14, False, {}),
        # Summer time ends in Los Angeles on 3 Nov 2024 during the diary.
        (datetime(2024, 10, 31, 17, 5, tzinfo=LOS_ANGELES), LOS_ANGELES, 7, True, {}),
        (datetime(2024, 3, 30, 9, 0, tzinfo=SYDNEY), SYDNEY, 3, True, {"baseline_done": False}),
    ],
)
@pytest.mark.parametrize("analgesic_free_hours", [6, 2.5])
def test_changes_at_is_the_next_moment_the_clock_changes_the_schedule(
    injected_at, tz, diary_days, timed_ratings, done, analgesic_free_hours
):
    """From `now` until `changes_at`, a schedule built later shows the same; walking from one
    change to the next crosses the whole diary in steps."""

    def plan(now):
        options = {"timed_done": set(), "daily_done": set(), "baseline_done": True, **done}
        return build(
            injected_at=injected_at,
            tz=tz,
            diary_days=diary_days,
            timed_ratings=timed_ratings,
            now=now,
            **options,
        )

    now, steps, changed = injected_at - timedelta(days=2), 0, 0
    while now < injected_at + timedelta(days=diary_days + 3):
        until = changes_at(plan(now), analgesic_free_hours=analgesic_free_hours)
        assert until > now
        kept = unclocked(plan(now), analgesic_free_hours)
        assert unclocked(plan(until - timedelta(seconds=1)), analgesic_free_hours) == kept
        changed += unclocked(plan(until), analgesic_free_hours) != kept
        now, steps = until, steps + 1
    assert steps >= diary_days + 4
    # Most steps change something: the moments are not needlessly close together.
    assert changed >= steps * 3 // 4
