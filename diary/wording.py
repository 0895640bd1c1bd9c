"""The words people read for the codes the pure modules return."""

from django.utils.translation import gettext_lazy as _

from diary import schedule

GUIDANCE = {
    schedule.GUIDANCE_BEFORE: _(
        "After the injection, avoid your regular pain medicine for the first 4–6 hours if you "
        "can, so that the test shows what the injection did."
    ),
    schedule.GUIDANCE_INJECTION_DAY: _(
        "No driving today. Numbness, weakness or an odd feeling in the leg for a few hours can "
        "happen and passes."
    ),
    schedule.GUIDANCE_FIRST_HOURS: _(
        "Now do the activity that usually brings on your pain, then rate it. Avoid pain "
        "medicine for the first 6 hours if you can."
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
