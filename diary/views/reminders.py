"""The patient's reminders: the calendar feed, its private subscription link, their settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from diary import calendar
from diary.access import episode_for, episode_for_calendar, patient_required
from diary.forms import ReminderSettingsForm


@patient_required
@require_safe
def download(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    response = feed_response(request, episode)
    response["Content-Disposition"] = 'attachment; filename="painlog-reminders.ics"'
    return response


@login_not_required
@require_safe
def subscription(request, token):
    """The same feed for the phone's calendar app, which has no session: the token is the key."""
    return feed_response(request, episode_for_calendar(token))


def feed_response(request, episode):
    now = timezone.now()

    def rating_url(item):
        return request.build_absolute_uri(reverse("patient:rate", args=[episode.uuid, item.key]))

    body = calendar.feed(
        episode.schedule(now), episode_id=str(episode.uuid), rating_url=rating_url, stamp=now
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # Personal, and it changes when the injection time is corrected: no shared caches.
    patch_cache_control(response, private=True, no_cache=True)
    return response


@patient_required
@require_http_methods(["GET", "POST"])
def settings(request, episode_uuid):
    """The daily time and e-mail reminders, and the calendar subscription link."""
    episode = episode_for(request.user, episode_uuid)
    form = ReminderSettingsForm(request.POST or None, episode=episode, patient=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("patient:today")
    feed_url = None
    if episode.calendar_token:
        feed_url = request.build_absolute_uri(
            reverse("calendar_feed", args=[episode.calendar_token])
        )
    return render(
        request,
        "diary/patient/reminders.html",
        {"form": form, "episode": episode, "calendar_feed_url": feed_url},
    )


@patient_required
@require_POST
def new_link(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    replaced = episode.calendar_token is not None
    episode.new_calendar_token()
    if replaced:
        messages.success(
            request,
            _("Here is your new calendar link. The old one no longer works."),
        )
    else:
        messages.success(request, _("Here is your calendar link."))
    # The link is shown on the reminders page, where the patient copies it.
    return redirect("patient:reminders", episode.uuid)
