import time
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control

from diary.models import Role

DEADLINE_MOVED_KEY = "staff_deadline_moved"


class StaffIdleTimeoutMiddleware:
    """Clinicians and admins are signed out after a short idle time; patients stay signed in.

    A patient keeps the diary on their own phone for two weeks, so their session lasts
    SESSION_COOKIE_AGE. Staff read many patients' data on shared computers: their session
    expires STAFF_IDLE_SECONDS after their last request. Moving the deadline means writing
    the session, so it moves at most once a minute: a clinician reading page after page
    costs one session write a minute, not one a page, and the deadline comes at most a
    minute early, never late.
    """

    RESOLUTION_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role != Role.PATIENT:
            now = int(time.time())
            moved = request.session.get(DEADLINE_MOVED_KEY)
            if moved is None or not 0 <= now - moved < self.RESOLUTION_SECONDS:
                request.session[DEADLINE_MOVED_KEY] = now
                request.session.set_expiry(settings.STAFF_IDLE_SECONDS)
        return self.get_response(request)


SESSION_TIME_ZONE_KEY = "clinic_time_zone"


def remember_time_zone(sender, request, user, **kwargs):
    """At sign-in, keep the clinic's time zone in the session (no query on later requests)."""
    if user.clinic_id is not None:
        request.session[SESSION_TIME_ZONE_KEY] = user.clinic.time_zone


class ClinicTimeZoneMiddleware:
    """Show every time in the clinic's time zone: the diary's days are the clinic's days."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.session.get(SESSION_TIME_ZONE_KEY) if hasattr(request, "session") else None
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)


# Browser features painlog never uses, turned off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


class PrivacyHeadersMiddleware:
    """A page for a signed-in person holds health data: no browser or proxy may keep it
    (`Cache-Control: no-store`), unless the view chose its own caching (the chart, which a
    browser revalidates by its ETag). Every response turns off the browser features painlog
    never uses (`Permissions-Policy`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
