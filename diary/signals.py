"""After every change that shows on a page, the episode's stored reading and its clinic's
dashboard follow: one receiver calls `review.store` for the episodes and clinics a change
touches, whatever made it (a view, a form, the admin, a cascade), so no write path can forget.

`raw` saves (loaddata) bring their rows as they were, readings included.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from diary import review
from diary.models import Clinic, Episode, Rating, User


@receiver([post_save, post_delete], sender=Rating)
@receiver([post_save, post_delete], sender=Episode)
@receiver(post_save, sender=User)
@receiver(post_save, sender=Clinic)
def shown_data_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    episodes, clinics = TOUCHED[sender](instance, **kwargs)
    review.store(episodes, clinics=clinics)


def rating_touches(rating, origin=None, **kwargs):
    """Its episode; none when the rating goes because its episode or patient does (`origin`
    names what was deleted first, an instance or a queryset; None for a save)."""
    if origin is not None and getattr(origin, "model", type(origin)) is not Rating:
        return Episode.objects.none(), set()
    return Episode.objects.filter(pk=rating.episode_id), set()


def episode_touches(episode, signal, **kwargs):
    """The episode, or its clinic once it is deleted; moved to another clinic (the admin
    can), the clinic it left too."""
    if signal is post_delete:
        return Episode.objects.none(), {episode.clinic_id}
    left = {getattr(episode, "loaded_clinic_id", None)} - {None, episode.clinic_id}
    episode.loaded_clinic_id = episode.clinic_id
    return Episode.objects.filter(pk=episode.pk), left


def person_touches(person, update_fields=None, **kwargs):
    """The episodes whose pages show their name, as patient or as clinician."""
    if update_fields is not None and not User.SHOWN_FIELDS & set(update_fields):
        return Episode.objects.none(), set()
    return Episode.objects.filter(patient=person) | person.booked_episodes.all(), set()


def clinic_touches(clinic, **kwargs):
    """Its dashboard; with new rules or another time zone, all its episodes."""
    episodes = clinic.episodes.all() if clinic.rules_changed() else Episode.objects.none()
    clinic.loaded_rules = clinic.reading_inputs()
    return episodes, {clinic.pk}


TOUCHED = {
    Rating: rating_touches,
    Episode: episode_touches,
    User: person_touches,
    Clinic: clinic_touches,
}
