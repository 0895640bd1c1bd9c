from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diary import exports, tokens
from diary.models import AuditEvent, Clinic, Episode, Rating, Role, User, snapshot


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete of patient data through the admin goes to the audit log."""

    audit_what = ""

    def audit(self, request, action, obj, before=None, after=None, what=None):
        episode = obj if isinstance(obj, Episode) else obj.episode
        AuditEvent.record(
            request, action, what or self.audit_what, episode=episode, before=before, after=after
        )

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = AuditEvent.Action.CHANGE if change else AuditEvent.Action.CREATE
            self.audit(request, action, obj, before=before, after=snapshot(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            self.audit(request, AuditEvent.Action.DELETE, obj, before=snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.audit(request, AuditEvent.Action.DELETE, obj, before=snapshot(obj))
            super().delete_queryset(request, queryset)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "positive_relief", "diary_days", "timed_ratings"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone"]}),
        (
            _("Contact"),
            {
                "description": _(
                    "Patients who report a symptom that needs a doctor are told to call the "
                    "clinic, or the emergency number first."
                ),
                "fields": ["phone", "contact_email", "emergency_number"],
            },
        ),
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
            _("Expected relief by anesthetic"),
            {
                "description": _(
                    "A positive test whose relief falls below the positive level sooner, "
                    "twice in a row, is pointed out to the physician. Duration criteria are "
                    "not validated for SI joint blocks: it never changes the result."
                ),
                "fields": [
                    "lidocaine_relief_hours",
                    "bupivacaine_relief_hours",
                    "ropivacaine_relief_hours",
                ],
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
    actions = ["issue_setup_link", "export_patient_data", "erase_patients"]
    list_display = ["username", "first_name", "last_name", "role", "clinic", "is_active"]
    list_filter = ["role", "clinic", "is_active", "is_staff"]
    list_select_related = ["clinic"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("painlog"), {"fields": ["role", "clinic", "phone"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("painlog"), {"fields": ["role", "clinic", "first_name", "last_name", "email"]}),
    )

    def delete_model(self, request, obj):
        """Deleting a patient erases them, as the Erase action does (its audit entry too)."""
        if obj.role != Role.PATIENT:
            return super().delete_model(request, obj)
        with transaction.atomic():
            erase_patient(request, obj)
        return None

    def delete_queryset(self, request, queryset):
        """ "Delete selected": patients are erased one by one (their audit entries, their
        clinics' dashboards); the others deleted together."""
        with transaction.atomic():
            for patient in queryset.filter(role=Role.PATIENT):
                erase_patient(request, patient)
            super().delete_queryset(request, queryset.exclude(role=Role.PATIENT))

    @admin.action(description=_("Issue a new set-up link (the old one stops working)"))
    def issue_setup_link(self, request, queryset):
        patients = list(queryset.filter(role=Role.PATIENT))
        with transaction.atomic():
            for patient in patients:
                tokens.issue(patient)
                AuditEvent.record(request, AuditEvent.Action.CHANGE, "set-up link", patient=patient)
        links = [
            (patient, request.build_absolute_uri(tokens.link_path(patient))) for patient in patients
        ]
        return render(
            request,
            "admin/diary/setup_links.html",
            {
                **self.admin_site.each_context(request),
                "links": links,
                "title": _("New set-up links"),
            },
        )

    @admin.action(description=_("Export the patient's data (CSV)"))
    def export_patient_data(self, request, queryset):
        patients = list(queryset.filter(role=Role.PATIENT))
        if len(patients) != 1:
            self.message_user(request, _("Choose exactly one patient to export."), messages.WARNING)
            return None
        patient = patients[0]
        AuditEvent.record(request, AuditEvent.Action.EXPORT, "patient data", patient=patient)
        episodes = Episode.objects.of_patient(patient).with_diary()
        return exports.ratings_csv_response(
            episodes, filename=f"painlog-patient-{patient.public_id}.csv"
        )

    @admin.action(description=_("Erase the patient and all their diary data…"))
    def erase_patients(self, request, queryset):
        patients = list(queryset.filter(role=Role.PATIENT))
        if request.POST.get("confirm_erase") != "yes":
            return render(
                request,
                "admin/diary/erase_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "patients": patients,
                    "queryset": queryset,
                    "title": _("Erase patients?"),
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        with transaction.atomic():
            for patient in patients:
                erase_patient(request, patient)
        self.message_user(
            request,
            ngettext("Erased %(count)d patient.", "Erased %(count)d patients.", len(patients))
            % {"count": len(patients)},
        )
        return None


def erase_patient(request, patient):
    """Delete a patient with their episodes and ratings; the audit log keeps that it happened.

    Earlier audit entries about the patient keep who looked when, but lose the diary values
    they held (before/after), since those are the patient's health data.
    """
    AuditEvent.objects.filter(patient_public_id=patient.public_id).scrub_health_data()
    AuditEvent.record(
        request,
        AuditEvent.Action.ERASE,
        "patient",
        patient=patient,
        before={
            "episodes": patient.episodes.count(),
            "ratings": Rating.objects.filter(episode__patient=patient).count(),
        },
    )
    patient.delete()


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
class EpisodeAdmin(AuditedAdmin):
    audit_what = "episode"
    list_display = ["patient", "clinic", "scheduled_at", "side", "block_type", "baseline_pain"]
    list_filter = ["clinic", "block_type", "side"]
    list_select_related = ["patient", "clinic"]
    search_fields = ["patient__username", "patient__first_name", "patient__last_name"]
    raw_id_fields = ["patient", "clinician", "baseline_recorded_by"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    inlines = [RatingInline]

    def save_formset(self, request, form, formset, change):
        """Ratings changed in the episode's inline are audited like any other change."""
        known = [inline.instance.pk for inline in formset.initial_forms if inline.instance.pk]
        before = {rating.pk: snapshot(rating) for rating in Rating.objects.filter(pk__in=known)}
        with transaction.atomic():
            formset.save()
            changes = [
                *((AuditEvent.Action.CREATE, rating) for rating in formset.new_objects),
                *((AuditEvent.Action.CHANGE, rating) for rating, _ in formset.changed_objects),
                *((AuditEvent.Action.DELETE, rating) for rating in formset.deleted_objects),
            ]
            for action, rating in changes:
                after = None if action == AuditEvent.Action.DELETE else snapshot(rating)
                self.audit(request, action, rating, before.get(rating.pk), after, what="rating")


@admin.register(Rating)
class RatingAdmin(AuditedAdmin):
    audit_what = "rating"
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
