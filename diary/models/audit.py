"""The audit log: who looked at or changed which patient's data, when, from where."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary.models.clinic import User
from diary.network import client_ip


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    def scrub_health_data(self):
        """Erasure only: drop the diary values entries hold, keep who did what when."""
        return models.QuerySet.update(self, before=None, after=None)


class AuditEvent(models.Model):
    """Who looked at or changed which patient data, when, from where: append-only.

    It names episodes and patients by their public ids and keeps the actor's user name, so an
    entry still says who and what after an account is deactivated.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        ERASE = "erase", _("Erased")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        User,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    actor_username = models.CharField(_("user name"), max_length=150, editable=False)
    action = models.CharField(_("action"), max_length=8, choices=Action, editable=False)
    what = models.CharField(_("what"), max_length=100, editable=False)
    episode_uuid = models.UUIDField(
        _("episode"), null=True, blank=True, db_index=True, editable=False
    )
    patient_public_id = models.UUIDField(
        _("patient"), null=True, blank=True, db_index=True, editable=False
    )
    ip_address = models.GenericIPAddressField(
        _("from address"), null=True, blank=True, editable=False
    )
    before = models.JSONField(
        _("before"), null=True, blank=True, editable=False, encoder=DjangoJSONEncoder
    )
    after = models.JSONField(
        _("after"), null=True, blank=True, editable=False, encoder=DjangoJSONEncoder
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["view", "export", "create", "change", "delete", "erase"]),
                name="audit_action_valid",
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.what}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    @classmethod
    def record(cls, request, action, what, *, episode=None, patient=None, **about):
        """Log `action` on `what`, by the request's user, about `episode` and its patient (or
        `patient` alone), or about the public ids in `about` (`episode_uuid`,
        `patient_public_id`); `before` and `after` hold what changed."""
        user = request.user if request.user.is_authenticated else None
        if episode is not None:
            about["episode_uuid"] = episode.uuid
            patient = patient or episode.patient
        if patient is not None:
            about["patient_public_id"] = patient.public_id
        with transaction.atomic(savepoint=False):
            return cls.objects.create(
                actor=user,
                actor_username=user.get_username() if user else "",
                action=action,
                what=what,
                ip_address=client_ip(request),
                **about,
            )


def snapshot(instance, fields=None):
    """The audit log's picture of a row: its editable field values, JSON-ready."""
    names = fields or [
        field.attname for field in instance._meta.concrete_fields if not field.primary_key
    ]
    return {name: getattr(instance, name) for name in names}
