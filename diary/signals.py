"""After every change that shows on a page, the episode's stored reading and its clinic's
dashboard follow (`review.store`), whatever made the change: a view, a form, the admin, a
cascade. Receivers, so that no write path can forget it.

`raw` saves (loaddata) bring their rows as they were, readings included.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from diary import review
from diary.models import Clinic, Episode, Rating, User


@receiver([post_save, post_delete], sender=Rating)
def rating_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw or deleted_with_its_episode(origin):
        return
    review.store(Episode.objects.filter(pk=instance.episode_id))


def deleted_with_its_episode(origin):
    """A rating deleted because its episode or patient is (`origin` names what was deleted
    first: an instance or a queryset); None for a save."""
    if origin is None:
        return False
    return getattr(origin, "model", type(origin)) is not Rating


@receiver(post_save, sender=Episode)
def episode_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # Moved to another clinic (the admin can): the one it left shows it no more.
    left = {getattr(instance, "loaded_clinic_id", None)} - {None, instance.clinic_id}
    review.store(Episode.objects.filter(pk=instance.pk), clinics=left)
    instance.loaded_clinic_id = instance.clinic_id


@receiver(post_delete, sender=Episode)
def episode_deleted(sender, instance, **kwargs):
    review.store(Episode.objects.none(), clinics={instance.clinic_id})


@receiver(post_save, sender=User)
def person_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """Their name shows on the pages of their episodes (as patient or as clinician)."""
    if raw or not (update_fields is None or User.SHOWN_FIELDS & set(update_fields)):
        return
    review.store(Episode.objects.filter(patient=instance) | instance.booked_episodes.all())


@receiver(post_save, sender=Clinic)
def clinic_saved(sender, instance, raw=False, **kwargs):
    """New rules or another time zone read every episode of the clinic again."""
    if raw:
        return
    episodes = instance.episodes.all() if instance.rules_changed() else Episode.objects.none()
    review.store(episodes, clinics={instance.pk})
    instance.loaded_rules = instance.reading_inputs()
