"""The patient's diary: Today, the baseline, a rating, History and their own data."""

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from diary import exports, schedule
from diary.access import episode_for, patient_required
from diary.forms import BaselineForm, RatingForm
from diary.models import CORRECTION_MINUTES, Episode, Rating, snapshot
from diary.today import Today


@patient_required
@require_safe
def today(request):
    """Today, drawn from the cache while nothing it shows has changed (`Today.key`)."""
    episodes = Episode.objects.of_patient(request.user).select_related("clinic")
    today = Today(list(episodes), timezone.now())
    return render(request, "diary/patient/today.html", {"today": today})


@patient_required
@require_http_methods(["GET", "POST"])
def baseline(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    plan = episode.schedule(timezone.now())
    if not plan.can_record("baseline"):
        return refuse(request, plan.item("baseline"))
    form = BaselineForm(request.POST or None, instance=episode)
    if form.is_valid():
        if form.record(request):
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
    answer = Rating.answering(episode, item, request.user, now)
    form = RatingForm(request.POST or None, instance=answer, daily=item.kind == schedule.DAILY)
    if form.is_valid():
        try:
            rating = form.record(request)
        except IntegrityError:
            # The unique constraints caught a second tap or a second tab.
            messages.info(request, _("This rating was already saved."))
            return redirect("patient:today")
        say_saved(request, rating)
        return redirect("patient:today")
    context = {"form": form, "episode": episode, "item": item, "tz": episode.clinic.zone}
    return render(request, "diary/patient/rate.html", context)


def say_saved(request, rating):
    # A red flag is said by Today, where this leads, with the clinic's number: once a page.
    messages.success(
        request,
        _("Saved: %(label)s, pain %(pain)d.") % {"label": rating.label, "pain": rating.pain},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def correct(request, episode_uuid, key):
    """The patient corrects their own rating, within an hour of recording it."""
    episode = episode_for(request.user, episode_uuid)
    rating = next((r for r in episode.ratings.all() if r.slot_key == key), None)
    if rating is None:
        raise Http404
    if not rating.correctable_by(request.user, timezone.now()):
        messages.warning(
            request,
            _(
                "A rating can be corrected for %(minutes)d minutes after saving it. "
                "Tell your clinic if something is wrong."
            )
            % {"minutes": CORRECTION_MINUTES},
        )
        return redirect("patient:history")
    before = snapshot(rating)  # kept in the audit log's history of this rating
    form = RatingForm(request.POST or None, instance=rating, daily=rating.kind == Rating.Kind.DAILY)
    if form.is_valid():
        form.record(request, before=before)
        messages.success(request, _("Corrected: %(label)s.") % {"label": rating.label})
        return redirect("patient:history")
    context = {"form": form, "episode": episode, "rating": rating, "tz": episode.clinic.zone}
    return render(request, "diary/patient/rate.html", context)


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
@require_safe
def history(request):
    episodes = list(Episode.objects.of_patient(request.user).with_diary())
    ratings = sorted(
        (rating for episode in episodes for rating in episode.ratings.all()),
        key=lambda rating: rating.recorded_at,
        reverse=True,
    )
    now = timezone.now()
    correctable = {rating.pk for rating in ratings if rating.correctable_by(request.user, now)}
    context = {"episodes": episodes, "ratings": ratings, "correctable": correctable}
    return render(request, "diary/patient/history.html", context)


@patient_required
@require_safe
def export_csv(request):
    episodes = Episode.objects.of_patient(request.user).with_diary()
    return exports.ratings_csv_response(episodes, filename="painlog-my-diary.csv")
