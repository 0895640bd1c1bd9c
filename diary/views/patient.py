"""The patient's diary: Today, the baseline, a rating, History and their own data."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from diary import exports, schedule
from diary.access import episode_for, patient_required
from diary.forms import BaselineForm, RatingForm
from diary.models import PROVOCATION_SLOT, Episode, Rating


def current_episode(episodes, now):
    """The episode Today is about: one in progress, else the next upcoming, else the latest."""
    by_status = {}
    for episode in sorted(episodes, key=lambda e: e.injected_at):
        by_status.setdefault(episode.schedule(now).status, []).append(episode)
    if by_status.get(schedule.STATUS_IN_PROGRESS):
        return by_status[schedule.STATUS_IN_PROGRESS][-1]
    if by_status.get(schedule.STATUS_UPCOMING):
        return by_status[schedule.STATUS_UPCOMING][0]
    if by_status.get(schedule.STATUS_COMPLETE):
        return by_status[schedule.STATUS_COMPLETE][-1]
    return None


@patient_required
def today(request):
    now = timezone.now()
    episodes = list(Episode.objects.of_patient(request.user).with_diary())
    episode = current_episode(episodes, now)
    context = {"episode": episode, "now": now}
    if episode:
        plan = episode.schedule(now)
        latest = max(episode.ratings.all(), key=lambda r: r.recorded_at, default=None)
        context.update(
            schedule=plan,
            guidance=schedule.guidance(
                plan,
                analgesic_free_hours=episode.clinic.analgesic_free_hours,
                no_improvement_day=episode.clinic.no_improvement_day,
            ),
            red_flag=episode.has_red_flag(),
            latest=latest,
            tz=episode.clinic.zone,
        )
    return render(request, "diary/patient/today.html", context)


@patient_required
@require_http_methods(["GET", "POST"])
def baseline(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    plan = episode.schedule(timezone.now())
    if not plan.can_record("baseline"):
        return refuse(request, plan.item("baseline"))
    form = BaselineForm(request.POST or None, instance=episode)
    if form.is_valid():
        # A conditional UPDATE: a double tap or a second tab cannot overwrite the first answer.
        saved = Episode.objects.filter(pk=episode.pk, baseline_pain__isnull=True).update(
            baseline_pain=form.cleaned_data["baseline_pain"],
            provoking_activity=form.cleaned_data["provoking_activity"],
            baseline_recorded_at=timezone.now(),
            baseline_recorded_by=request.user,
            updated_at=timezone.now(),
        )
        if saved:
            messages.success(request, _("Your usual pain is saved."))
        else:
            messages.info(request, _("Your usual pain was already saved."))
        return redirect("patient:today")
    return render(
        request, "diary/patient/baseline.html", {"form": form, "episode": episode, "item": None}
    )


@patient_required
@require_http_methods(["GET", "POST"])
def rate(request, episode_uuid, key):
    episode = episode_for(request.user, episode_uuid)
    now = timezone.now()
    plan = episode.schedule(now)
    item = plan.item(key)
    if item is None or item.kind == schedule.BASELINE:
        raise Http404
    if not plan.can_record(key):
        return refuse(request, item)
    daily = item.kind == schedule.DAILY
    form = RatingForm(request.POST or None, daily=daily)
    if form.is_valid():
        rating = form.save(commit=False)
        rating.episode = episode
        rating.recorded_by = request.user
        rating.recorded_at = now
        if daily:
            rating.kind, rating.day, rating.late = Rating.Kind.DAILY, item.number, item.late
        else:
            # The minutes after the injection come from this moment, never from the slot.
            rating.kind, rating.felt_at = Rating.Kind.TIMED, now
            rating.slot = PROVOCATION_SLOT if item.kind == schedule.PROVOCATION else item.number
        try:
            with transaction.atomic():
                rating.save()
        except IntegrityError:
            # The unique constraints caught a second tap or a second tab.
            messages.info(request, _("This rating was already saved."))
            return redirect("patient:today")
        if rating.fever_redness:
            messages.error(
                request,
                _("Fever, redness or drainage at the site: call your clinic today."),
                extra_tags="red-flag",
            )
        messages.success(
            request,
            _("Saved: %(label)s, pain %(pain)d.") % {"label": rating.label, "pain": rating.pain},
        )
        return redirect("patient:today")
    return render(
        request,
        "diary/patient/rate.html",
        {"form": form, "episode": episode, "item": item, "tz": episode.clinic.zone},
    )


def refuse(request, item):
    """Answer a prompt that cannot be recorded now with a plain message, not an error page."""
    if item.state == schedule.DONE:
        messages.info(request, _("This rating is already saved."))
    elif item.state == schedule.MISSED:
        if item.kind == schedule.BASELINE:
            messages.warning(
                request,
                _("The usual pain is recorded before the injection. Tell your clinic the number."),
            )
        else:
            messages.warning(request, _("The time for this rating has passed."))
    else:
        messages.warning(request, _("This rating is not open yet."))
    return redirect("patient:today")


@patient_required
def history(request):
    episodes = list(Episode.objects.of_patient(request.user).with_diary())
    ratings = sorted(
        (rating for episode in episodes for rating in episode.ratings.all()),
        key=lambda rating: rating.recorded_at,
        reverse=True,
    )
    return render(request, "diary/patient/history.html", {"episodes": episodes, "ratings": ratings})


@patient_required
def export_csv(request):
    episodes = Episode.objects.of_patient(request.user).with_diary()
    return exports.ratings_csv_response(episodes, filename="painlog-my-diary.csv")
