import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from diary import schedule, wording
from diary.forms import PAIN_ANCHORS
from diary.views import charts as chart_views

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


@register.filter
def percent(value):
    """A relief figure for people: rounded, with its sign; blank when there is none."""
    if value is None:
        return "–"
    return f"{value:.0f} %"


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
def hours(value):
    """Hours of relief for people: one decimal; a dash when there is none."""
    return "–" if value is None else f"{value:.1f} h"


@register.filter
def chart_text(episode):
    """The text alternative of the episode's chart (load the episode with `with_diary()`)."""
    return chart_views.chart_text(episode)


@register.simple_tag
def head_assets():
    """The stylesheets, scripts and icons of every page's head, rendered once per process:
    their hashed names only change with a deploy, which starts new processes."""
    return _head_assets()


@functools.cache
def _head_assets():
    return mark_safe(render_to_string("_head_assets.html").strip())


@receiver(setting_changed)
def _forget_head_assets(setting, **kwargs):
    if setting in {"STORAGES", "STATIC_URL"}:
        _head_assets.cache_clear()
