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


def episode_for(user, episode_uuid, *, fields=None):
    """The episode `user` may see, with everything its summary and schedule read.

    With `fields` (names as for `QuerySet.only`, across its clinic and patient), only those:
    for a view that may answer from a cache (the chart, the episode page).
    """
    episodes = Episode.objects.visible_to(user)
    if fields is not None:
        related = {name.split("__")[0] for name in fields if "__" in name}
        episodes = episodes.select_related(*related).only(*fields)
    elif user.role == User.Role.PATIENT:
        # Their own: the patient is `user`, already loaded.
        episodes = episodes.select_related("clinic").prefetch_related("ratings")
    else:
        episodes = episodes.with_diary()
    episode = get_object_or_404(episodes, uuid=episode_uuid)
    if user.role == User.Role.PATIENT:
        episode.patient = user
    return episode


def patient_for(clinician, public_id):
    """A patient of the clinician's clinic."""
    patients = User.objects.filter(role=User.Role.PATIENT, clinic_id=clinician.clinic_id)
    return get_object_or_404(patients, public_id=public_id)


def episode_for_calendar(token):
    """The episode whose calendar subscription URL carries `token`: the token is the key."""
    episodes = Episode.objects.with_diary().filter(patient__is_active=True)
    return get_object_or_404(episodes, calendar_token=token)
