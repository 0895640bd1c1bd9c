"""The clinician's page with the patient's one-time set-up link, its QR code and e-mail."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from diary import tokens
from diary.models import AuditEvent, User
from tests.factories import make_episode
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

ISSUED = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def url(patient, name="clinic:setup_link"):
    return reverse(name, args=[patient.public_id])


@pytest.fixture
def new_patient(clinic):
    """Enrolled this morning: no password yet, a set-up link issued, an injection booked."""
    with at(ISSUED):
        patient = User.objects.create_patient(
            clinic, "Maria", "Lopez", email="maria@example.invalid"
        )
        tokens.issue(patient)
    make_episode(
        patient,
        injected_at=ISSUED + timedelta(days=1),
        performed_at=None,
        baseline=None,
        side="left",
        steroid="methylprednisolone 80 mg",
    )
    return patient


def shown_link(response):
    match = re.search(r'class="[^"]*setup-url[^"]*"[^>]* value="([^"]+)"', response.text)
    assert match, "no set-up link on the page"
    return match[1]


def test_it_hides_the_page_from_patients(client, new_patient, patient):
    client.force_login(patient)
    assert client.get(url(new_patient)).status_code == 404
    assert client.post(url(new_patient, "clinic:setup_link_new")).status_code == 404
    client.force_login(new_patient)
    assert client.get(url(new_patient)).status_code == 404


def test_it_hides_the_patient_from_another_clinics_clinician(client, other_clinician, new_patient):
    client.force_login(other_clinician)
    issued = new_patient.setup_link_issued_at
    assert client.get(url(new_patient)).status_code == 404
    assert client.post(url(new_patient, "clinic:setup_link_new")).status_code == 404
    assert client.post(url(new_patient, "clinic:setup_link_email")).status_code == 404
    new_patient.refresh_from_db()
    assert new_patient.setup_link_issued_at == issued
    assert mail.outbox == []


def test_it_shows_the_link_and_its_qr_code(clinician_client, new_patient):
    with at(ISSUED + timedelta(hours=1)):
        response = clinician_client.get(url(new_patient))
    assert response.status_code == 200
    link = shown_link(response)
    assert link.startswith("http://testserver/accounts/setup/")
    assert link.endswith(tokens.link_path(new_patient))
    assert '<svg width="' in response.text
    assert 'class="qr-code"' in response.text
    assert new_patient.username in response.text
    assert "Valid until Mon 11 May 2026, 10:00 (clinic time)." in text(response.text)


def test_it_shows_the_same_link_each_time(clinician_client, clinician, new_patient):
    with at(ISSUED + timedelta(hours=1)):
        first = shown_link(clinician_client.get(url(new_patient)))
    with at(ISSUED + timedelta(days=2)):
        clinician_client.force_login(clinician)  # signed out after 30 minutes idle
        second = shown_link(clinician_client.get(url(new_patient)))
    assert first == second


def test_it_lists_the_patients_injections_with_their_day_of_tasks(clinician_client, new_patient):
    episode = new_patient.episodes.get()
    with at(ISSUED):
        response = clinician_client.get(url(new_patient))
    assert reverse("clinic:injection_time", args=[episode.uuid]) in response.text
    assert reverse("clinic:baseline", args=[episode.uuid]) in response.text
    assert reverse("clinic:book", args=[new_patient.public_id]) in response.text


def test_it_offers_a_link_for_a_patient_who_has_none(clinician_client, patient):
    response = clinician_client.get(url(patient))
    assert "No set-up link has been issued for this patient yet." in response.text
    assert "<svg" not in response.text
    clinician_client.post(url(patient, "clinic:setup_link_new"))
    patient.refresh_from_db()
    assert tokens.state(patient) == tokens.OPEN


def test_issuing_a_new_link_stops_the_old_one(clinician_client, client, new_patient):
    old_path = tokens.link_path(new_patient)
    with at(ISSUED + timedelta(hours=1)):
        response = clinician_client.post(url(new_patient, "clinic:setup_link_new"), follow=True)
    assert "A new set-up link is ready. Any earlier link no longer works." in response.text
    assert AuditEvent.objects.get().patient_public_id == new_patient.public_id
    new_path = shown_link(response).removeprefix("http://testserver")
    assert new_path != old_path

    with at(ISSUED + timedelta(hours=2)):
        assert "has been replaced" in client.get(old_path, follow=True).text
        assert client.get(new_path).status_code == 302  # on to the password form


def test_it_says_when_the_link_was_used(clinician_client, new_patient):
    with at(ISSUED + timedelta(hours=3)):
        new_patient.set_password("a sound passphrase 42")
        new_patient.last_login = ISSUED + timedelta(hours=3)
        new_patient.save()
        response = clinician_client.get(url(new_patient))
    assert "The link has been used" in response.text
    assert "<svg" not in response.text
    assert "Issue a new link" in response.text


def test_it_says_when_the_link_expired(clinician_client, new_patient):
    with at(ISSUED + timedelta(days=7, minutes=1)):
        response = clinician_client.get(url(new_patient))
    assert "The link expired on Mon 11 May 2026, 10:00." in text(response.text)
    assert "<svg" not in response.text


def test_it_e_mails_the_link_without_health_data(clinician_client, new_patient):
    with at(ISSUED + timedelta(hours=1)):
        link = shown_link(clinician_client.get(url(new_patient)))
        response = clinician_client.post(url(new_patient, "clinic:setup_link_email"), follow=True)

    assert "The set-up link was sent to maria@example.invalid." in response.text
    [message] = mail.outbox
    assert message.to == ["maria@example.invalid"]
    assert link in message.body
    assert new_patient.username in message.body
    assert "Hello Maria," in message.body
    words = (message.subject + message.body).lower()
    for health_data in [
        "left",
        "steroid",
        "methylprednisolone",
        "bupivacaine",
        "anesthetic",
        "injection",
        "therapeutic",
        "pain",
        "clinic one",
        "lopez",
        "5 may",
    ]:
        assert not re.search(rf"\b{health_data}\b", words), health_data


def test_it_sends_no_e_mail_without_an_address(clinician_client, new_patient):
    new_patient.email = ""
    new_patient.save()
    response = clinician_client.post(url(new_patient, "clinic:setup_link_email"), follow=True)
    assert "There is no e-mail address for this patient." in response.text
    assert mail.outbox == []


def test_it_sends_no_dead_link(clinician_client, new_patient):
    with at(ISSUED + timedelta(days=8)):
        response = clinician_client.post(url(new_patient, "clinic:setup_link_email"), follow=True)
    assert "issue a new link first" in response.text
    assert mail.outbox == []


def test_it_reports_a_mail_server_that_fails(clinician_client, new_patient, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("diary.views.enrollment.send_mail", refuse)
    with at(ISSUED):
        response = clinician_client.post(url(new_patient, "clinic:setup_link_email"), follow=True)
    assert response.status_code == 200
    assert "The e-mail could not be sent." in response.text


@pytest.mark.parametrize("name", ["clinic:setup_link_email", "clinic:setup_link_new"])
def test_its_buttons_change_nothing_on_get(clinician_client, new_patient, name):
    assert clinician_client.get(url(new_patient, name)).status_code == 405
    assert mail.outbox == []
