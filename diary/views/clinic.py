"""The clinician's review: the dashboard, an episode, a patient's blocks side by side, the PDF
report and the CSV exports.

Clinicians only. Episodes and patients come through `diary.access`, so another clinic's data
answers 404. What the pages say comes from `review` (the reading of an episode) and `exports`.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from diary import exports, review
from diary.access import clinic_episode, clinician_required, episode_for, patient_for
from diary.dashboard import Dashboard
from diary.forms import DashboardFilter
from diary.models import AuditEvent, Clinic, Episode


@clinician_required
@require_safe
def dashboard(request):
    """The clinic's episodes for review, those needing attention first. The page is drawn
    from the cache while the clinic's `version` and the minute stay the same."""
    now = timezone.now()
    clinic = Clinic.objects.only("version", "time_zone").get(pk=request.user.clinic_id)
    board = Dashboard(
        DashboardFilter(request.GET),
        Episode.objects.for_clinician(request.user),
        now,
        request.GET.get("page"),
        clinic.zone,
    )
    AuditEvent.record(request, AuditEvent.Action.VIEW, "dashboard")
    context = {"board": board, "version": clinic.version, "minute": now.strftime("%Y%m%d%H%M")}
    return render(request, "diary/clinic/dashboard.html", context)


@clinician_required
@require_safe
def episode(request, episode_uuid):
    """One episode, drawn from the cache while its `updated_at` stays (every change to it, its
    ratings, its people's names or its clinic's rules moves it) and the clock leaves its
    reading as it is (`Reading.changes_at`)."""
    episode = clinic_episode(request.user, episode_uuid)
    AuditEvent.record(request, AuditEvent.Action.VIEW, "episode", episode=episode)
    context = {"episode": episode, "review": review.EpisodeReview(episode, timezone.now())}
    return render(request, "diary/clinic/episode.html", context)


@clinician_required
@require_safe
def compare(request, public_id):
    """A patient's blocks side by side, drawn from the cache while none of them changes."""
    patient = patient_for(request.user, public_id)
    episodes = Episode.objects.for_clinician(request.user).of_patient(patient)
    AuditEvent.record(request, AuditEvent.Action.VIEW, "comparison", patient=patient)
    context = {"patient": patient, "comparison": review.Comparison(episodes)}
    return render(request, "diary/clinic/compare.html", context)


@clinician_required
@require_safe
def episode_csv(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "ratings CSV", episode=episode)
    return exports.ratings_csv_response([episode], filename=f"{exports.file_stem(episode)}.csv")


@clinician_required
@require_safe
def export(request):
    episodes = Episode.objects.for_clinician(request.user)
    filename = f"painlog-episodes-{timezone.localdate():%Y-%m-%d}.csv"
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "clinic episodes CSV")
    return exports.episodes_csv_response(
        exports.with_ratings(episodes), filename=filename, now=timezone.now()
    )


@clinician_required
@require_safe
def report(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    pdf = exports.report_pdf(**exports.report_content(episode, timezone.now()))
    AuditEvent.record(request, AuditEvent.Action.EXPORT, "PDF report", episode=episode)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.file_stem(episode)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
