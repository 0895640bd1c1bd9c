"""The episode chart as SVG: the patient's History and the clinician's episode page show it.

Drawing a chart costs about 30 ms of CPU, so each rendering is cached under its ETag, and a
browser that already holds it gets a 304 without any drawing.
"""

import hashlib
from pathlib import Path

import matplotlib
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import formats
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from diary import charts
from diary.access import episode_for, episode_version
from diary.models import AuditEvent, Role

CACHE_SECONDS = 14 * 24 * 3600

# Figure sizes in inches: wide for a desktop column, "small" for a phone held upright (its
# 9-point text stays legible shown 360 px wide). Pages pick one with <picture>.
SIZES = {"wide": (8.0, 3.6), "small": (4.0, 4.4)}

# New drawing code or another matplotlib draws another chart from the same data: both are part
# of every ETag, so a deploy never serves a cached chart drawn by the old code.
RENDERER = hashlib.sha256(
    Path(charts.__file__).read_bytes() + matplotlib.__version__.encode()
).hexdigest()


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


def chart_title(episode):
    return _("%(side)s side, injection of %(date)s") % {
        "side": episode.get_side_display(),
        "date": formats.date_format(episode.local_injected_at, "j M Y"),
    }


def chart_etag(episode, size="wide"):
    """Changes whenever the chart would: the episode's `updated_at` moves with any change to
    it, its ratings or its clinic's rules and zone (models.py), RENDERER with the code. The
    language is there for the day the chart's words are translated. It costs no query.
    """
    parts = [RENDERER, episode.uuid, episode.updated_at.isoformat(), get_language(), size]
    return quote_etag(hashlib.sha256(repr(parts).encode()).hexdigest()[:40])


@require_safe
def episode_chart(request, episode_uuid):
    # Only what names and dates it: a browser that holds the chart, or the cache, needs no more.
    # Every look at a patient's data by the clinic leaves a trace, 304s included. The entry
    # commits without waiting for the disk (access.episode_version): the chart is a picture on
    # the episode page, whose own entry of the same look has reached the disk before the
    # browser asks for the chart.
    audit = None
    if request.user.role == Role.CLINICIAN:
        audit = AuditEvent.entry(request, AuditEvent.Action.VIEW, "chart")
    version = episode_version(request.user, episode_uuid, audit=audit, commit_async=True)
    size = request.GET.get("size") if request.GET.get("size") in SIZES else "wide"
    etag = chart_etag(version, size)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        svg = cache.get(cache_key(etag))
        if svg is None:
            # Drawn from the whole diary, under the ETag of what was drawn (the diary may
            # have changed since the first look).
            episode = episode_for(request.user, episode_uuid)
            etag = chart_etag(episode, size)
            svg = chart_svg(episode, etag, size)
        response = HttpResponse(svg, content_type="image/svg+xml")
    response["ETag"] = etag
    # Private: it is health data. no-cache: the browser asks again each time, and the ETag
    # turns that into a 304 while nothing changed.
    response["Cache-Control"] = "private, no-cache"
    return response


def cache_key(etag):
    return "painlog:chart:" + etag.strip('"')


def chart_svg(episode, etag, size):
    """Draw the chart of `episode` (loaded with_diary()) and cache it under its ETag."""
    width, height = SIZES[size]
    figure = charts.episode_figure(
        title=chart_title(episode), width=width, height=height, **chart_inputs(episode)
    )
    svg = charts.render_svg(figure)
    cache.set(cache_key(etag), svg, CACHE_SECONDS)
    return svg


def chart_text(episode):
    """The chart's text alternative, with the same numbers as the picture."""
    return charts.describe(**chart_inputs(episode))
