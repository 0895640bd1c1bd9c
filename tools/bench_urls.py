"""The benchmark's URLconf: painlog's own URLs and two bare views to measure pages against.

Mounted only by the benchmark and the load run (`ROOT_URLCONF = "tools.bench_urls"`), never
by painlog itself.
"""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST, require_safe

from diary.models import AuditEvent
from painlog.urls import urlpatterns as painlog_urlpatterns


@require_safe
def session_check(request):
    """204 for a signed-in user: the session and the user read, nothing else (the floor of a
    signed-in page)."""
    return HttpResponse(status=204)


@require_POST
def write_check(request):
    """204 after one row is committed in one durable transaction: the floor of a write that
    survives a crash."""
    with transaction.atomic():
        AuditEvent.record(request, AuditEvent.Action.VIEW, "benchmark")
    return HttpResponse(status=204)


urlpatterns = [
    path("bench/session/", session_check, name="bench_session"),
    path("bench/write/", write_check, name="bench_write"),
    *painlog_urlpatterns,
]
