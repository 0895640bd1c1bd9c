import zoneinfo

from django.conf import settings
from django.utils import timezone

from diary.models import Role


class StaffIdleTimeoutMiddleware:
    """Clinicians and admins are signed out after a short idle time; patients stay signed in.

    A patient keeps the diary on their own phone for two weeks, so their session lasts
    SESSION_COOKIE_AGE. Staff read many patients' data on shared computers: their session
    expires STAFF_IDLE_SECONDS after their last request (each request moves the deadline).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role != Role.PATIENT:
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
