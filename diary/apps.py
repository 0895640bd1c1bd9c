from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "painlog diary"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from diary import signals  # noqa: F401  (connects the receivers)
        from diary.middleware import remember_time_zone

        user_logged_in.connect(remember_time_zone, dispatch_uid="painlog_remember_time_zone")
