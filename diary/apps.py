from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "painlog diary"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from diary.middleware import remember_time_zone

        user_logged_in.connect(remember_time_zone, dispatch_uid="painlog_remember_time_zone")
        post_migrate.connect(read_again, sender=self, dispatch_uid="painlog_read_again")


def read_again(using, **kwargs):
    """After `migrate`, store the reading of episodes read by other rules (review.VERSION).

    Every deploy runs migrate, so no episode keeps a reading the code no longer gives; a
    deploy that changes no rule finds nothing to do in one indexed query.
    """
    from diary import review
    from diary.models import Episode

    Episode.objects.using(using).exclude(review_version=review.VERSION).refresh_readings()
