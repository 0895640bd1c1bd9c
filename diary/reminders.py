"""Which e-mail reminders are owed, and sending each at most once.

A rating is reminded once it is due (its due time has come and it can still be recorded) and
nobody has recorded it. Never at night in the clinic's zone, except the prompts that cannot
wait: the provocation test and the hourly ratings of the injection day.

Each reminder is claimed by inserting its `Reminder` row before the e-mail goes out. The
unique constraint on (episode, rating) lets one of two overlapping runs win; the other gets an
IntegrityError and moves on. If sending fails, the claim is given back for the next run.
"""

from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from diary import schedule
from diary.models import Episode, Reminder

NIGHT_STARTS, NIGHT_ENDS = time(21, 0), time(8, 0)


@dataclass(frozen=True)
class Owed:
    episode: Episode
    item: schedule.Item

    @property
    def url(self):
        path = reverse("patient:rate", args=[self.episode.uuid, self.item.key])
        return f"{settings.SITE_URL}{path}"


def episodes_to_remind(now):
    """Episodes whose diary may be open, of active patients with an address and reminders on."""
    return (
        Episode.objects.diary_may_be_open(now)
        .filter(patient__is_active=True, patient__email_reminders=True)
        .exclude(patient__email="")
        .with_diary()
        .prefetch_related("reminders")
        .order_by("pk")
    )


def owed(now):
    """Every reminder due at `now` and not sent yet, in a fixed number of queries."""
    for episode in episodes_to_remind(now):
        sent = {reminder.item_key for reminder in episode.reminders.all()}
        plan = episode.schedule(now)
        for item in plan.due:
            if item.key not in sent and is_owed(item, plan, now):
                yield Owed(episode, item)


def is_owed(item, plan, now):
    if item.kind not in schedule.REMINDED_KINDS or item.state != schedule.DUE or item.due_at > now:
        return False
    local = now.astimezone(plan.tz)
    night = local.time() >= NIGHT_STARTS or local.time() < NIGHT_ENDS
    return not night or cannot_wait(item, plan)


def cannot_wait(item, plan):
    """The provocation test and the injection day's hourly ratings are reminded day and night."""
    if item.kind == schedule.PROVOCATION:
        return True
    injection_day = plan.injected_at.astimezone(plan.tz).date()
    return item.kind == schedule.TIMED and item.due_at.astimezone(plan.tz).date() == injection_day


def claim(reminder, now):
    """Take the right to send `reminder`; False if another run already has it."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                episode=reminder.episode, item_key=reminder.item.key, sent_at=now
            )
    except IntegrityError:
        return False
    return True


def give_back(reminder):
    with transaction.atomic():
        Reminder.objects.filter(episode=reminder.episode, item_key=reminder.item.key).delete()


def send(reminder):
    # No health data: not the condition, not the rating, not even which rating.
    body = _(
        "Your painlog rating is due.\n\nOpen painlog to record it:\n%(url)s\n\n"
        'You can turn these e-mails off under "Reminder time, e-mail and calendar link" '
        "on your Today page."
    ) % {"url": reminder.url}
    send_mail(_("Your painlog rating is due"), body, None, [reminder.episode.patient.email])
