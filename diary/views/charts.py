"""The episode chart as SVG: the patient's History and the clinician's episode page show it.

Drawing a chart costs far more CPU than any page (docs/performance.md, `chart_first`), so each
drawing is cached under its ETag, and a browser that already holds it gets a 304 without any
drawing (Django's `condition`).
"""

import hashlib
from pathlib import Path

import matplotlib
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_safe

from diary import charts, review
from diary.access import chart_version, episode_for
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


@require_safe
def episode_chart(request, episode_uuid):
    """Every look at a patient's chart by the clinic is in the audit log, 304s included."""
    updated_at, patient_public_id = chart_version(request.user, episode_uuid)
    if request.user.role == Role.CLINICIAN:
        AuditEvent.record(
            request,
            AuditEvent.Action.VIEW,
            "chart",
            episode_uuid=episode_uuid,
            patient_public_id=patient_public_id,
        )
    size = request.GET.get("size") if request.GET.get("size") in SIZES else "wide"
    response = chart(request, episode_uuid, etag=chart_etag(episode_uuid, updated_at, size))
    # Private: it is health data. no-cache: the browser asks again each time, and the ETag
    # turns that into a 304 while nothing changed.
    response["Cache-Control"] = "private, no-cache"
    return response


@condition(etag_func=lambda request, episode_uuid, etag: etag)
def chart(request, episode_uuid, etag):
    svg = cache.get(cache_key(etag))
    if svg is None:
        # Drawn from the whole diary, and cached under the ETag of what was drawn.
        episode = episode_for(request.user, episode_uuid)
        size = request.GET.get("size") if request.GET.get("size") in SIZES else "wide"
        svg = draw(episode, size)
        cache.set(cache_key(chart_etag(episode.uuid, episode.updated_at, size)), svg, CACHE_SECONDS)
    return HttpResponse(svg, content_type="image/svg+xml")


def chart_etag(episode_uuid, updated_at, size):
    """Changes whenever the chart would: the episode's `updated_at` moves with any change to
    it, its ratings or its clinic's rules and zone (review.store), RENDERER with the code. The
    language is there for the day the chart's words are translated.
    """
    parts = [RENDERER, str(episode_uuid), updated_at.isoformat(), get_language(), size]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def cache_key(etag):
    return f"painlog:chart:{etag}"


def draw(episode, size):
    """The chart of `episode` (loaded with_diary()) as SVG."""
    width, height = SIZES[size]
    title = _("%(side)s side, injection of %(date)s") % {
        "side": episode.get_side_display(),
        "date": formats.date_format(episode.local_injected_at, "j M Y"),
    }
    figure = charts.episode_figure(
        title=title, width=width, height=height, **review.chart_inputs(episode)
    )
    return charts.render_svg(figure)
