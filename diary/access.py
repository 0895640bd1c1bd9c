"""Who may see what. Views load protected objects only through these helpers.

Strangers get 404, never 403: they learn nothing about what exists.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from django.db import connections
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime

from diary import prepared
from diary.models import Episode, Rating, User
from diary.prepared import Prepared


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
    if user.role == User.Role.PATIENT and user.is_active:
        return own_episode(user, episode_uuid)
    episode = get_object_or_404(Episode.objects.visible_to(user).with_diary(), uuid=episode_uuid)
    if user.role == User.Role.PATIENT:
        episode.patient = user
    return episode


# An episode of a clinician's clinic with its clinic and patient, not its ratings: for a page
# that may answer from a cache (the episode page).
EPISODE_OF_CLINIC = Prepared(
    Episode,
    lambda clinic, uuid: Episode.objects.filter(clinic_id=clinic, uuid=uuid).select_related(
        "clinic", "patient"
    ),
    clinic=-7006,
    uuid=uuid.UUID(int=7006),
)


def clinic_episode(clinician, episode_uuid):
    """`episode_for` a clinician, without the ratings, in a query compiled once."""
    if not clinician.is_active or clinician.clinic_id is None:
        raise Http404
    found = EPISODE_OF_CLINIC(clinic=clinician.clinic_id, uuid=episode_uuid)
    if not found:
        raise Http404
    return found[0]


# A patient's own episode with its clinic, and its ratings: every diary page and rating reads
# them.
EPISODE_OF_PATIENT = Prepared(
    Episode,
    lambda patient, uuid: Episode.objects.filter(patient_id=patient, uuid=uuid).select_related(
        "clinic"
    ),
    patient=-7001,
    uuid=uuid.UUID(int=7001),
)
RATINGS = Prepared(Rating, lambda episode: Rating.objects.filter(episode_id=episode), episode=-7003)


EPISODES_OF_PATIENT = Prepared(
    Episode,
    lambda patient: Episode.objects.filter(patient_id=patient).select_related("clinic").order_by(),
    patient=-7004,
)
RATINGS_OF_PATIENT = Prepared(
    Rating,
    lambda patient: Rating.objects.filter(episode__patient_id=patient).order_by(),
    patient=-7005,
)


def own_episodes(patient, episodes=None):
    """All of a patient's episodes, each with its clinic and ratings, as `with_diary()` loads
    them, in queries compiled once (Today reads them at every look). `episodes`: those of
    `episodes_of(patient)`, already loaded, to be given their clinic and ratings."""
    if episodes is None:
        episodes = episodes_of(patient)
    ratings = {episode.pk: [] for episode in episodes}
    for rating in RATINGS_OF_PATIENT(patient=patient.pk) if episodes else []:
        ratings[rating.episode_id].append(rating)
    for episode in episodes:
        episode.patient = patient
        for rating in ratings[episode.pk]:
            rating.episode = episode
        episode._prefetched_objects_cache = {"ratings": ratings[episode.pk]}
    return episodes


def episodes_of(patient):
    """A patient's episodes alone, in one query compiled once."""
    return EPISODES_OF_PATIENT(patient=patient.pk)


def own_episode(patient, episode_uuid):
    """`episode_for` of a patient: the same episode, loaded with queries compiled once."""
    found = EPISODE_OF_PATIENT(patient=patient.pk, uuid=episode_uuid)
    if not found:
        raise Http404
    episode = found[0]
    episode.patient = patient
    ratings = RATINGS(episode=episode.pk)
    for rating in ratings:
        rating.episode = episode
    episode._prefetched_objects_cache = {"ratings": ratings}
    return episode


@dataclass(frozen=True)
class EpisodeVersion:
    """What names and dates an episode: all a cached chart needs (and its audit entry)."""

    uuid: uuid.UUID
    updated_at: datetime
    patient_public_id: uuid.UUID


# A placeholder for the values of a query compiled once and run many times.
_PLACEHOLDER_ID = -7
_PLACEHOLDER_UUID = uuid.UUID(int=7)
_compiled = {}


def episode_version(user, episode_uuid, audit=None, *, commit_async=False):
    """The `EpisodeVersion` of an episode `user` may see; 404 otherwise, as `episode_for`.

    The chart is the most requested URL (every episode page and History ask for it) and
    most answers come from the cache or are a 304, so this lookup is most of its work. The
    ORM builds and compiles a query in ten times the time the database runs it: so the SQL
    is compiled once per role, by the ORM, from the queryset `visible_to` gives, and run
    with this request's values in place of the placeholders it was compiled with.

    `audit`: an unsaved audit entry of this look (`AuditEvent.entry`), saved only when the
    episode is found, naming its patient. On PostgreSQL the lookup and the entry go as one
    statement: one round trip instead of two.

    `commit_async`: on PostgreSQL, that statement commits without waiting for the entry to
    reach the disk (`synchronous_commit` off for that transaction alone): the wait was 0.35 ms,
    nearly half of the cached chart's own cost. The entry is written a moment later, in
    order; a crash of the database server (not of painlog) within that moment, about 0.6 s at
    most, could lose it. SQLite's commits already work this way (`synchronous=NORMAL`). Not
    inside a transaction, whose other writes would commit the same way.
    """
    if not user.is_authenticated or not user.is_active or user.role == User.Role.ADMIN:
        raise Http404
    connection = connections[Episode.objects.db]
    key = (connection.alias, user.role)
    if key not in _compiled:
        owner = User(pk=_PLACEHOLDER_ID, clinic_id=_PLACEHOLDER_ID, role=user.role)
        episodes = Episode.objects.visible_to(owner).filter(uuid=_PLACEHOLDER_UUID)
        query = episodes.values_list("uuid", "updated_at", "patient__public_id")[:1].query
        _compiled[key] = query.get_compiler(connection=connection).as_sql()
    sql, placeholders = _compiled[key]
    uuid_field = Episode._meta.get_field("uuid")
    values = {
        _PLACEHOLDER_ID: user.clinic_id if user.role == User.Role.CLINICIAN else user.pk,
        uuid_field.get_db_prep_value(_PLACEHOLDER_UUID, connection): uuid_field.get_db_prep_value(
            episode_uuid, connection
        ),
    }
    params = [values[placeholder] for placeholder in placeholders]
    together = audit is not None and connection.vendor == "postgresql"
    if together:
        entry = prepared.insert_of(audit)
        insert, insert_params = prepared.insert_selecting(
            entry, "found", {"episode_uuid": "uuid", "patient_public_id": "public_id"}
        )
        sql = f"WITH found (uuid, updated_at, public_id) AS ({sql}), entry AS ({insert}) "
        if commit_async and not connection.in_atomic_block:
            # set_config(..., true) holds until this statement's own commit; the main query
            # reads it, so that it runs.
            sql += ", relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) "
            sql += "SELECT uuid, updated_at, public_id FROM found, relaxed"
        else:
            sql += "SELECT uuid, updated_at, public_id FROM found"
        params += insert_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    updated_at = row[1]
    if isinstance(updated_at, str):
        updated_at = parse_datetime(updated_at)
    if updated_at.tzinfo is None:  # SQLite keeps UTC datetimes without their zone
        updated_at = updated_at.replace(tzinfo=UTC)
    version = EpisodeVersion(episode_uuid, updated_at, uuid.UUID(str(row[2])))
    if audit is not None and not together:
        audit.episode_uuid, audit.patient_public_id = version.uuid, version.patient_public_id
        prepared.insert(audit)
    return version


def patient_for(clinician, public_id):
    """A patient of the clinician's clinic."""
    patients = User.objects.filter(role=User.Role.PATIENT, clinic_id=clinician.clinic_id)
    return get_object_or_404(patients, public_id=public_id)


def episode_for_calendar(token):
    """The episode whose calendar subscription URL carries `token`: the token is the key."""
    episodes = Episode.objects.with_diary().filter(patient__is_active=True)
    return get_object_or_404(episodes, calendar_token=token)
