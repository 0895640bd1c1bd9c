from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from diary.models import AuditEvent, Clinic, Episode, Rating, User


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "positive_relief", "diary_days", "timed_ratings"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone"]}),
        (_("Diary"), {"fields": ["diary_days", "timed_ratings"]}),
        (
            _("Diagnostic rules"),
            {
                "fields": [
                    "positive_relief",
                    "negative_below",
                    "min_baseline",
                    ("provocation_window_start", "provocation_window_end"),
                    ("provocation_fallback_start", "provocation_fallback_end"),
                    "anesthetic_hours",
                    "analgesic_free_hours",
                    "discrepancy_points",
                ]
            },
        ),
        (
            _("Steroid response rules"),
            {
                "fields": [
                    "improvement_relief",
                    "responder_relief",
                    "flare_days",
                    "no_improvement_day",
                ]
            },
        ),
    ]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "clinic", "is_active"]
    list_filter = ["role", "clinic", "is_active", "is_staff"]
    list_select_related = ["clinic"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("painlog"), {"fields": ["role", "clinic", "phone"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("painlog"), {"fields": ["role", "clinic", "first_name", "last_name", "email"]}),
    )


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    fields = [
        "kind",
        "slot",
        "day",
        "felt_at",
        "recorded_at",
        "pain",
        "relief",
        "analgesic",
        "fever_redness",
        "note",
    ]
    readonly_fields = ["recorded_at"]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["patient", "clinic", "scheduled_at", "side", "block_type", "baseline_pain"]
    list_filter = ["clinic", "block_type", "side"]
    list_select_related = ["patient", "clinic"]
    search_fields = ["patient__username", "patient__first_name", "patient__last_name"]
    raw_id_fields = ["patient", "clinician", "baseline_recorded_by"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    inlines = [RatingInline]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["episode", "kind", "slot", "day", "pain", "relief", "recorded_at"]
    list_filter = ["kind", "fever_redness"]
    list_select_related = ["episode__patient"]
    raw_id_fields = ["episode", "recorded_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read and filter only: nobody adds, edits or deletes audit entries here."""

    list_display = ["at", "actor_username", "action", "what", "episode_uuid", "ip_address"]
    list_filter = ["action", "what", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_username", "=episode_uuid", "=patient_public_id", "ip_address"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
