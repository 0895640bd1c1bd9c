"""diary/calendar.py: the diary as iCalendar events, read back by the icalendar parser."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from diary import calendar, schedule

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EPISODE_ID = "6f1c1d2e-0000-4000-8000-000000000001"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def plan(injected_at, tz, now=None, **changes):
    options = {
        "injected_at": injected_at,
        "tz": tz,
        "diary_days": 7,
        "timed_ratings": True,
        "baseline_done": True,
        "timed_done": set(),
        "daily_done": set(),
        "now": now or injected_at - timedelta(hours=1),
    }
    options.update(changes)
    return schedule.build(**options)


def rating_url(item):
    return f"https://painlog.example.org/diary/{EPISODE_ID}/rate/{item.key}/"


def events(diary):
    """The feed of `diary` as the parser reads it: {UID: VEVENT}."""
    parsed = Calendar.from_ical(
        calendar.feed(diary, episode_id=EPISODE_ID, rating_url=rating_url, stamp=STAMP)
    )
    return {str(event["UID"]): event for event in parsed.walk("VEVENT")}


def starts(diary):
    return {
        uid.split("@")[0].removeprefix(f"{EPISODE_ID}-"): event.decoded("DTSTART").astimezone(UTC)
        for uid, event in events(diary).items()
    }


@pytest.mark.parametrize(
    "injected_at, expected_days",
    [
        # New York springs forward on Sunday 8 March 2026: 19:00 is 00:00 UTC, then 23:00 UTC.
        (
            datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK),
            {
                "day-1": utc(2026, 3, 7, 0),
                "day-2": utc(2026, 3, 8, 0),
                "day-3": utc(2026, 3, 8, 23),
                "day-7": utc(2026, 3, 12, 23),
            },
        ),
        # London springs forward on Sunday 29 March 2026: 19:00 is 19:00 UTC, then 18:00 UTC.
        (
            datetime(2026, 3, 27, 10, 0, tzinfo=LONDON),
            {
                "day-1": utc(2026, 3, 28, 19),
                "day-2": utc(2026, 3, 29, 18),
                "day-7": utc(2026, 4, 3, 18),
            },
        ),
    ],
)
def test_it_puts_each_rating_at_its_due_moment_in_the_clinics_zone_across_dst(
    injected_at, expected_days
):
    tz = injected_at.tzinfo
    found = starts(plan(injected_at, tz))

    injected = injected_at.astimezone(UTC)
    assert found["provocation"] == injected + timedelta(minutes=20)
    for hour in range(1, 7):
        assert found[f"hour-{hour}"] == injected + timedelta(hours=hour)
    for key, moment in expected_days.items():
        assert found[key] == moment
    assert len(found) == 1 + 6 + 7  # no event for the baseline


def test_it_puts_daily_ratings_at_the_patients_chosen_time():
    injected_at = datetime(2026, 3, 27, 10, 0, tzinfo=LONDON)
    found = starts(plan(injected_at, LONDON, daily_time=time(8, 30)))

    assert found["day-1"] == utc(2026, 3, 28, 8, 30)
    assert found["day-2"] == utc(2026, 3, 29, 7, 30)  # 08:30 British Summer Time


def test_every_event_has_a_display_alarm_at_its_start():
    for event in events(plan(datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK), NEW_YORK)).values():
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(0)
        assert str(alarm["DESCRIPTION"]) == "painlog rating due"


def test_its_uids_stay_when_the_injection_time_is_corrected():
    booked = datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK)
    before = starts(plan(booked, NEW_YORK))
    after = starts(plan(booked + timedelta(minutes=40), NEW_YORK))

    assert before.keys() == after.keys()
    assert after["provocation"] == before["provocation"] + timedelta(minutes=40)
    assert after["day-1"] == before["day-1"]


def test_it_lists_only_ratings_still_to_come_or_due():
    injected_at = datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK)
    now = injected_at + timedelta(hours=2, minutes=10)  # hour 1 closed, hour 2 open

    found = starts(plan(injected_at, NEW_YORK, now=now, timed_done={"provocation"}))

    assert "provocation" not in found  # recorded
    assert "hour-1" not in found  # missed
    assert {"hour-2", "hour-6", "day-1", "day-7"} <= found.keys()


def test_an_episode_past_its_diary_has_an_empty_but_valid_calendar():
    injected_at = datetime(2026, 1, 5, 9, 0, tzinfo=NEW_YORK)
    diary = plan(injected_at, NEW_YORK, now=injected_at + timedelta(days=30))

    assert events(diary) == {}


def test_it_says_only_that_a_rating_is_due_with_a_link_back():
    for event in events(plan(datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK), NEW_YORK)).values():
        key = str(event["UID"]).split("@")[0].removeprefix(f"{EPISODE_ID}-")
        link = f"https://painlog.example.org/diary/{EPISODE_ID}/rate/{key}/"
        assert str(event["SUMMARY"]) == "painlog rating due"
        assert str(event["URL"]) == link
        assert link in str(event["DESCRIPTION"])
        assert str(event["CLASS"]) == "PRIVATE"
