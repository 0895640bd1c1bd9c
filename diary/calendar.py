"""An episode's diary as an iCalendar feed (RFC 5545): one event with an alarm per rating.

Pure: it reads a `schedule.Schedule` and plain values, never a request or the database. The
feed may sit in a phone's calendar, on a shared screen or in a cloud account, so it names no
condition and no numbers: every event is "painlog rating due" with a link back to painlog.

Each event's UID is built from the episode and the rating ("provocation", "day-3"), never from
its time: when a clinician corrects the injection time, the next download or refresh of the
subscription moves the events instead of adding new ones.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from diary import schedule

PRODUCT_ID = "-//painlog//diary reminders//EN"
# Short, so the diary's events do not fill the day; the alarm is what matters.
EVENT_LENGTH = timedelta(minutes=15)
STILL_TO_DO = (schedule.UPCOMING, schedule.DUE)


def reminded_items(plan):
    """The ratings of `plan` worth a reminder: provocation, timed and daily, not yet done."""
    return [
        item
        for item in plan.items
        if item.kind in schedule.REMINDED_KINDS and item.state in STILL_TO_DO
    ]


def feed(
    plan: schedule.Schedule,
    *,
    episode_id: str,
    rating_url: Callable[[schedule.Item], str],
    stamp: datetime,
) -> bytes:
    """The VCALENDAR of the ratings still to come or due in `plan`, as bytes.

    `episode_id` makes the UIDs (the episode's public UUID), `rating_url(item)` gives the
    absolute link to the item's rating page, and `stamp` is the DTSTAMP (now, in UTC).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("painlog reminders"))
    # Subscriptions: refresh often enough to follow a corrected injection time.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in reminded_items(plan):
        calendar.add_component(_event(item, episode_id, rating_url(item), stamp))
    return calendar.to_ical()


def _event(item, episode_id, url, stamp):
    summary = _("painlog rating due")
    event = Event()
    event.add("uid", f"{episode_id}-{item.key}@painlog")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.due_at)
    event.add("dtend", item.due_at + EVENT_LENGTH)
    event.add("summary", summary)
    event.add("description", _("Open painlog to record it: %(url)s") % {"url": url})
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    event.add("class", "PRIVATE")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    return event
