"""Who may see what. Views load protected objects only through these helpers.

Strangers get 404, never 403: they learn nothing about what exists.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404

from diary.models import Episode, User


def role_required(role):
    """Let only signed-in users of `role` through; everyone else signed in gets a 404.

    Anonymous visitors never get here: LoginRequiredMiddleware sends them to sign in.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role != role:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


patient_required = role_required(User.Role.PATIENT)
clinician_required = role_required(User.Role.CLINICIAN)


def episode_for(user, episode_uuid):
    """The episode `user` may see, with everything its summary and schedule read."""
    episodes = Episode.objects.visible_to(user)
    if user.role == User.Role.PATIENT:
        # Their own: the patient is the user, no need to read them again.
        own = episodes.select_related("clinic").prefetch_related("ratings")
        episode = get_object_or_404(own, uuid=episode_uuid)
        episode.patient = user
        return episode
    return get_object_or_404(episodes.with_diary(), uuid=episode_uuid)


def clinic_episode(clinician, episode_uuid):
    """`episode_for` a clinician, with its clinic and patient but not its ratings: for a page
    that may come from the cache (the rest loads when first read)."""
    episodes = Episode.objects.for_clinician(clinician).select_related("clinic", "patient")
    return get_object_or_404(episodes, uuid=episode_uuid)


def chart_version(user, episode_uuid):
    """What names and dates the episode's chart, for `user`: its `updated_at` and its
    patient's public id. 404 as `episode_for`."""
    episodes = Episode.objects.visible_to(user).filter(uuid=episode_uuid)
    found = episodes.values_list("updated_at", "patient__public_id").first()
    if found is None:
        raise Http404
    return found


def patient_for(clinician, public_id):
    """A patient of the clinician's clinic."""
    patients = User.objects.filter(role=User.Role.PATIENT, clinic_id=clinician.clinic_id)
    return get_object_or_404(patients, public_id=public_id)


def episode_for_calendar(token):
    """The episode whose calendar subscription URL carries `token`: the token is the key."""
    episodes = Episode.objects.with_diary().filter(patient__is_active=True)
    return get_object_or_404(episodes, calendar_token=token)
