from django import template
from django.urls import reverse
from django.utils import timezone

from diary import charts, display, review, schedule, wording
from diary.forms import PAIN_ANCHORS

register = template.Library()


# The filters over wording's lazy strings return plain ones: the template engine would
# translate a lazy string again each time it touches it (to escape it, to print it).


@register.filter
def item_title(item):
    return str(wording.item_title(item))


@register.filter
def item_titles(items):
    """The titles of `items`, separated by commas."""
    return ", ".join(str(wording.item_title(item)) for item in items)


@register.filter
def guidance_text(code):
    return str(wording.GUIDANCE.get(code, ""))


register.filter("percent", display.percent)
register.filter("hours", display.hours)


@register.filter
def in_zone(moment, zone):
    return timezone.localtime(moment, zone) if moment else moment


@register.simple_tag(takes_context=True)
def when(context, moment):
    """A moment in words, relative to the page's `now` and in the clinic's zone `tz`."""
    return wording.when(moment, context["now"], context["tz"])


@register.simple_tag(takes_context=True)
def open_until(context, moment):
    return wording.open_until(moment, context["now"], context["tz"])


@register.simple_tag
def item_url(episode, item):
    if item.kind == schedule.BASELINE:
        return reverse("patient:baseline", args=[episode.uuid])
    return reverse("patient:rate", args=[episode.uuid, item.key])


@register.filter
def pain_anchor(value):
    """The anchor words of the pain scale, for the values that have them."""
    return PAIN_ANCHORS.get(int(value), "") if str(value).isdigit() else ""


@register.filter
def result_text(code):
    """A diagnostic result (diagnosis.POSITIVE...) in words."""
    return wording.RESULTS.get(code, code)


@register.filter
def result_icon(code):
    return wording.RESULT_ICONS.get(code, "")


@register.filter
def steroid_text(code):
    return wording.STEROID.get(code, code)


@register.filter
def status_text(code):
    return wording.STATUS.get(code, code)


@register.filter
def chart_text(episode):
    """The text alternative of the episode's chart (load the episode with `with_diary()`)."""
    return charts.describe(**review.chart_inputs(episode))
