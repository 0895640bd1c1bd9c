"""E-mail reminders, one row for each rating reminded."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary.models.episode import Episode


class Reminder(models.Model):
    """An e-mail reminder for one rating of an episode, claimed before it is sent.

    The unique constraint is the lock: of two overlapping runs, only one can insert the row,
    so a rating is never reminded twice.
    """

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="reminders")
    item_key = models.CharField(_("rating"), max_length=16)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "item_key"], name="reminder_once_per_item")
        ]

    def __str__(self):
        return f"{self.episode_id} · {self.item_key} · {self.sent_at:%Y-%m-%d %H:%M}"
