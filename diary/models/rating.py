"""One diary entry: a pain rating with what the patient said alongside it."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary import schedule
from diary.models.base import SavedWithFollowers
from diary.models.clinic import User
from diary.models.episode import Episode


class Kind(models.TextChoices):
    TIMED = "timed", _("Timed (first hours)")
    DAILY = "daily", _("Daily")


PROVOCATION_SLOT = 0  # Rating.slot of the provocation test; hours 1–6 use their number
CORRECTION_MINUTES = 60  # a patient may correct their own rating this long after saving it


class IceHeat(models.TextChoices):
    NONE = "none", _("Neither")
    ICE = "ice", _("Ice")
    HEAT = "heat", _("Heat")
    BOTH = "both", _("Both")


class Rating(SavedWithFollowers):
    Kind = Kind
    IceHeat = IceHeat

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    # Timed: which prompt it answered (0 = provocation test, N = hour N). The minutes after
    # the injection come from felt_at, never from the slot.
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    # Daily: the diary day (1 = the calendar day after the injection, clinic time).
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    late = models.BooleanField(_("recorded the day after"), default=False)
    # When it hurt (timed ratings) and when it was written down are kept apart.
    felt_at = models.DateTimeField(_("pain rated at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pain = models.PositiveSmallIntegerField(_("pain (0–10)"))
    relief = models.PositiveSmallIntegerField(_("relief you feel (%)"), null=True, blank=True)
    analgesic = models.BooleanField(_("pain medicine taken"), default=False)
    analgesic_name = models.CharField(_("which medicine"), max_length=100, blank=True)
    numbness = models.BooleanField(_("numbness"), default=False)
    weakness = models.BooleanField(_("weakness"), default=False)
    leg_odd_feeling = models.BooleanField(_("odd feeling in the leg"), default=False)
    more_pain = models.BooleanField(_("more pain"), default=False)
    site_soreness = models.BooleanField(_("soreness at the injection site"), default=False)
    fever_redness = models.BooleanField(_("fever, redness or drainage at the site"), default=False)
    ice_heat = models.CharField(
        _("ice or heat"), max_length=8, choices=IceHeat, default=IceHeat.NONE
    )
    note = models.TextField(_("note"), max_length=1000, blank=True)

    SIDE_EFFECTS = (
        "numbness",
        "weakness",
        "leg_odd_feeling",
        "more_pain",
        "site_soreness",
        "fever_redness",
    )

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pain__gte=0, pain__lte=10), name="rating_pain_range"
            ),
            models.CheckConstraint(
                condition=Q(relief__isnull=True)
                | (Q(relief__gte=0, relief__lte=100) & Q(relief__in=range(0, 101, 10))),
                name="rating_relief_in_tens",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="timed", slot__isnull=False, slot__lte=max(schedule.TIMED_HOURS))
                    & Q(day__isnull=True, felt_at__isnull=False)
                )
                | Q(
                    kind="daily",
                    slot__isnull=True,
                    day__isnull=False,
                    day__gte=1,
                    day__lte=schedule.MAX_DIARY_DAYS,
                ),
                name="rating_kind_fields",
            ),
            models.CheckConstraint(
                condition=Q(analgesic=True) | Q(analgesic_name=""),
                name="rating_medicine_name_only_when_taken",
            ),
            models.CheckConstraint(
                condition=Q(ice_heat__in=IceHeat.values),
                name="rating_ice_heat_valid",
            ),
            models.UniqueConstraint(fields=["episode", "day"], name="rating_one_per_day"),
            models.UniqueConstraint(fields=["episode", "slot"], name="rating_one_per_slot"),
        ]

    def __str__(self):
        return f"{self.episode} · {self.label} · {self.pain}/10"

    @classmethod
    def answering(cls, episode, item, user, now):
        """A new rating of `episode` that answers the schedule's `item`, recorded at `now`."""
        rating = cls(episode=episode, recorded_by=user, recorded_at=now)
        if item.kind == schedule.DAILY:
            rating.kind, rating.day, rating.late = Kind.DAILY, item.number, item.late
        else:
            # The minutes after the injection come from this moment, never from the slot.
            rating.kind, rating.felt_at = Kind.TIMED, now
            rating.slot = PROVOCATION_SLOT if item.kind == schedule.PROVOCATION else item.number
        return rating

    def clean(self):
        if self.kind == self.Kind.DAILY and self.day is not None and self.episode_id:
            if not 1 <= self.day <= self.episode.diary_days:
                raise ValidationError(
                    {
                        "day": _("This diary has days 1 to %(days)d.")
                        % {"days": self.episode.diary_days}
                    }
                )

    def correctable_by(self, user, now):
        return self.recorded_by_id == user.pk and now - self.recorded_at <= timedelta(
            minutes=CORRECTION_MINUTES
        )

    @property
    def slot_key(self):
        """The schedule's key for what this rating answers ("provocation", "hour-3", "day-2")."""
        if self.kind == self.Kind.DAILY:
            return f"day-{self.day}"
        return "provocation" if self.slot == PROVOCATION_SLOT else f"hour-{self.slot}"

    @property
    def label(self):
        if self.kind == self.Kind.DAILY:
            return _("Day %(day)d") % {"day": self.day}
        if self.slot == PROVOCATION_SLOT:
            return _("Provocation test")
        return _("Hour %(hour)d") % {"hour": self.slot}

    @property
    def minutes(self):
        """Minutes after the injection at which the pain was rated (timed ratings)."""
        if self.felt_at is None:
            return None
        return (self.felt_at - self.episode.injected_at).total_seconds() / 60

    @property
    def side_effects(self):
        return [name for name in self.SIDE_EFFECTS if getattr(self, name)]

    def side_effect_labels(self):
        return [self._meta.get_field(name).verbose_name for name in self.side_effects]
