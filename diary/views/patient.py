"""The patient's diary: Today, the baseline, a rating, History and their own data."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from diary import exports, pagecache, schedule
from diary.access import episode_for, episodes_of, own_episodes, patient_required
from diary.forms import BaselineForm, RatingForm
from diary.models import (
    CORRECTION_MINUTES,
    PROVOCATION_SLOT,
    AuditEvent,
    Episode,
    Rating,
    snapshot,
)


def current_episode(episodes, now):
    """The episode Today is about, with its schedule at `now`: the latest in progress, else the
    next upcoming, else the latest complete; (None, None) when the patient has none."""
    upcoming = complete = None
    # Newest first: the first one in progress is the answer, and older ones need no schedule.
    for episode in sorted(episodes, key=lambda e: (e.injected_at, e.pk), reverse=True):
        plan = episode.schedule(now)
        if plan.status == schedule.STATUS_IN_PROGRESS:
            return episode, plan
        if plan.status == schedule.STATUS_UPCOMING:
            upcoming = (episode, plan)  # the last one seen is the soonest
        elif complete is None:
            complete = (episode, plan)
    return upcoming or complete or (None, None)


# A cached Today lives until one of its episodes changes, the clock changes it, or this long.
TODAY_CACHE_SECONDS = 3600


@patient_required
@require_safe
def today(request):
    """Today, from the cache while nothing it shows has changed.

    Each episode's `updated_at` moves with any change to it, its ratings or its clinic's rules
    (models.py); `daily_time`, which a patient changes without moving it, is in the key too.
    `schedule.changes_at` says when the clock alone changes the page.
    """
    now = timezone.now()
    episodes = episodes_of(request.user)
    parts = [
        request.user.pk,
        get_language(),
        sorted((e.pk, e.updated_at, e.daily_time) for e in episodes),
    ]
    content = pagecache.cached_until(
        pagecache.key("today", parts),
        now,
        lambda: today_content(own_episodes(request.user, episodes), now),
        TODAY_CACHE_SECONDS,
    )
    return render(request, "diary/patient/today.html", {"content": content})


def today_content(episodes, now):
    """Today's page inside its frame, and the next moment the clock alone changes it."""
    episode, plan = current_episode(episodes, now)
    context = {"episode": episode, "now": now}
    until = None
    if episode:
        clinic = episode.clinic
        context.update(
            schedule=plan,
            guidance=schedule.guidance(
                plan,
                analgesic_free_hours=clinic.analgesic_free_hours,
                no_improvement_day=clinic.no_improvement_day,
            ),
            red_flag=episode.has_red_flag(),
            latest=max(episode.ratings.all(), key=lambda r: (r.recorded_at, r.pk), default=None),
            tz=plan.tz,
        )
        # Which episode Today is about changes when one starts or completes.
        moments = [schedule.changes_at(plan, analgesic_free_hours=clinic.analgesic_free_hours)]
        for other in episodes:
            moments += [other.starts_at, other.complete_at]
        until = min(moment for moment in moments if moment is not None and moment > now)
    content = render_to_string("diary/patient/_today_content.html", context)
    return mark_safe(content), until


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
        audit = AuditEvent.entry(
            request, AuditEvent.Action.CREATE, "rating", episode=episode, after=snapshot(rating)
        )
        try:
            rating.save_new(audit=audit)
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
    before = snapshot(rating)
    form = RatingForm(request.POST or None, instance=rating, daily=rating.kind == Rating.Kind.DAILY)
    if form.is_valid():
        with transaction.atomic():
            form.save()
            # The earlier values stay in the audit log's history of this rating.
            AuditEvent.record(
                request,
                AuditEvent.Action.CHANGE,
                "rating",
                episode=episode,
                before=before,
                after=snapshot(rating),
            )
        messages.success(request, _("Corrected: %(label)s.") % {"label": rating.label})
        return redirect("patient:history")
    return render(
        request,
        "diary/patient/rate.html",
        {"form": form, "episode": episode, "rating": rating, "tz": episode.clinic.zone},
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
    return render(
        request,
        "diary/patient/history.html",
        {"episodes": episodes, "ratings": ratings, "correctable": correctable},
    )


@patient_required
@require_safe
def export_csv(request):
    episodes = Episode.objects.of_patient(request.user).with_diary()
    return exports.ratings_csv_response(episodes, filename="painlog-my-diary.csv")
