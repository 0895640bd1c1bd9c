from django.conf import settings

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
