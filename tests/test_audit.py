import pytest
from django.test import RequestFactory
from django.urls import reverse

from diary.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_event(user):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    return AuditEvent.record(request, AuditEvent.Action.VIEW, "episode page")


def test_it_records_who_what_and_from_where(clinician):
    event = make_event(clinician)

    assert (event.actor_username, event.action, event.ip_address) == (
        "clinician",
        "view",
        "203.0.113.9",
    )


def test_it_cannot_be_changed_or_deleted(clinician):
    event = make_event(clinician)
    event.what = "something else"

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(what="x")
    assert AuditEvent.objects.get().what == "episode page"


def test_admins_read_it_but_cannot_add_edit_or_delete_in_the_admin(client, admin_user, clinician):
    event = make_event(clinician)
    client.force_login(admin_user)

    assert client.get(reverse("admin:diary_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:diary_auditevent_add")).status_code == 403
    delete = reverse("admin:diary_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_records_a_patients_new_rating(patient_client, patient, episode):
    patient_client.post(reverse("patient:rate", args=[episode.uuid, "provocation"]), {"pain": "1"})

    event = AuditEvent.objects.get()
    assert (event.action, event.what, event.actor) == ("create", "rating", patient)
    assert event.after["pain"] == 1
