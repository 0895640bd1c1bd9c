"""painlog's data: clinics and their people, episodes and their diaries, reminders, the audit
log. Each module below holds one of them; import from here."""

from diary.models.audit import AuditEvent, AuditQuerySet, snapshot
from diary.models.clinic import Clinic, PainlogUserManager, Role, User, validate_time_zone
from diary.models.episode import Anesthetic, BlockType, Episode, EpisodeQuerySet, Side
from diary.models.rating import CORRECTION_MINUTES, PROVOCATION_SLOT, IceHeat, Kind, Rating
from diary.models.reminder import Reminder

__all__ = [
    "CORRECTION_MINUTES",
    "PROVOCATION_SLOT",
    "Anesthetic",
    "AuditEvent",
    "AuditQuerySet",
    "BlockType",
    "Clinic",
    "Episode",
    "EpisodeQuerySet",
    "IceHeat",
    "Kind",
    "PainlogUserManager",
    "Rating",
    "Reminder",
    "Role",
    "Side",
    "User",
    "snapshot",
    "validate_time_zone",
]
