"""Enrolling a patient and booking their injection in one form."""

import re
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from diary.models import AuditEvent, Episode, Role, User
from tests.factories import make_user
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

URL = reverse("clinic:enroll")
# Tuesday 10 March 2026: New York went to summer time (EDT, UTC−4) two days ago.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
VALID = {
    "first_name": "María",
    "last_name": "López",
    "email": "maria@example.invalid",
    "phone": "+1 555 0100",
    "scheduled_at": "2026-03-14T09:30",
    "side": "left",
    "block_type": "therapeutic",
    "anesthetic": "bupivacaine",
    "steroid": "triamcinolone 40 mg",
    "booking_token": "0b5e3c9a-4f1e-4c35-9d0e-8f4a3f3a0c11",
}


@pytest.fixture
def ny_clinic(other_clinic):
    """A clinic in America/New_York whose rules differ from the defaults."""
    other_clinic.diary_days = 10
    other_clinic.timed_ratings = False
    other_clinic.save()
    return other_clinic


@pytest.fixture
def ny_client(other_clinician_client, ny_clinic):
    return other_clinician_client


def patients():
    return User.objects.filter(role=Role.PATIENT)


def test_it_hides_the_page_from_patients(patient_client):
    assert patient_client.get(URL).status_code == 404
    assert patient_client.post(URL, VALID).status_code == 404
    assert not Episode.objects.exists()


def test_it_shows_the_form_to_a_clinician(clinician_client):
    response = clinician_client.get(URL)
    assert response.status_code == 200
    assert 'type="datetime-local"' in response.text
    assert 'name="booking_token"' in response.text


@pytest.mark.parametrize(
    "local, utc",
    [
        ("2026-03-14T09:30", datetime(2026, 3, 14, 13, 30, tzinfo=UTC)),  # EDT, UTC−4
        ("2026-03-07T09:30", datetime(2026, 3, 7, 14, 30, tzinfo=UTC)),  # EST, UTC−5
    ],
)
def test_it_reads_the_injection_time_on_the_clinics_clock(ny_client, local, utc):
    with at(NOW):
        response = ny_client.post(URL, {**VALID, "scheduled_at": local})
    assert response.status_code == 302
    assert Episode.objects.get().scheduled_at == utc


def test_it_enrolls_one_patient_and_books_one_episode(ny_client, other_clinician, ny_clinic):
    before = patients().count()
    with at(NOW):
        response = ny_client.post(URL, VALID)

    assert patients().count() == before + 1
    episode = Episode.objects.get()
    patient = episode.patient
    assert response.status_code == 302
    assert response.url == reverse("clinic:setup_link", args=[patient.public_id])
    assert (patient.first_name, patient.last_name) == ("María", "López")
    assert (patient.email, patient.phone) == ("maria@example.invalid", "+1 555 0100")
    assert patient.role == Role.PATIENT
    assert patient.clinic == ny_clinic
    assert re.fullmatch(r"maria\d{2,4}", patient.username)
    assert not patient.has_usable_password()
    assert patient.setup_link_issued_at == NOW
    assert episode.clinic == ny_clinic
    assert episode.clinician == other_clinician
    assert episode.performed_at is None
    assert (episode.side, episode.block_type) == ("left", "therapeutic")
    assert (episode.anesthetic, episode.steroid) == ("bupivacaine", "triamcinolone 40 mg")
    assert (episode.diary_days, episode.timed_ratings) == (10, False)


def test_it_records_the_enrollment_in_the_audit_log(ny_client, other_clinician):
    with at(NOW):
        ny_client.post(URL, VALID)
    episode = Episode.objects.get()
    [event] = AuditEvent.objects.all()
    assert (event.actor, event.action, event.what) == (
        other_clinician,
        AuditEvent.Action.CREATE,
        "enrollment",
    )
    assert event.episode_uuid == episode.uuid
    assert event.patient_public_id == episode.patient.public_id
    assert event.after["side"] == "left"


def test_it_gives_every_patient_a_user_name_of_their_own(clinician_client):
    for number in range(3):
        with at(NOW):
            clinician_client.post(
                URL,
                {
                    **VALID,
                    "first_name": "Sam",
                    "booking_token": f"00000000-0000-4000-8000-00000000000{number}",
                },
            )
    usernames = set(patients().values_list("username", flat=True))
    assert len(usernames) == 3
    assert all(re.fullmatch(r"sam\d{2,4}", name) for name in usernames)


def test_it_makes_a_user_name_from_a_name_in_any_script(clinician_client):
    with at(NOW):
        clinician_client.post(URL, {**VALID, "first_name": "李", "last_name": "小龙"})
    assert re.fullmatch(r"patient\d{2,4}", User.objects.get(first_name="李").username)


def test_it_needs_no_e_mail_or_phone(clinician_client):
    with at(NOW):
        response = clinician_client.post(URL, {**VALID, "email": "", "phone": ""})
    assert response.status_code == 302
    assert Episode.objects.get().patient.email == ""


def test_it_books_a_diagnostic_block_without_a_steroid(clinician_client):
    with at(NOW):
        clinician_client.post(URL, {**VALID, "block_type": "diagnostic", "steroid": ""})
    assert Episode.objects.get().steroid == ""


@pytest.mark.parametrize(
    "change, message",
    [
        ({"side": ""}, "Choose the side: left, right or bilateral."),
        ({"first_name": ""}, "This field is required."),
        ({"steroid": ""}, "A therapeutic block names its steroid."),
        (
            {"block_type": "diagnostic"},
            "A diagnostic block has no steroid; choose therapeutic.",
        ),
        ({"scheduled_at": "2026-02-30T09:00"}, "Enter a date and time, for example"),
        ({"scheduled_at": "next tuesday"}, "Enter a date and time, for example"),
        ({"scheduled_at": ""}, "Enter the date and time of the injection."),
        ({"scheduled_at": "0001-01-01T00:00"}, "the diary would already be over"),
        ({"scheduled_at": "2062-03-14T09:30"}, "more than a year ahead"),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"side": "middle"}, "Select a valid choice."),
    ],
)
def test_it_explains_bad_input_and_saves_nothing(clinician_client, change, message):
    before = patients().count()
    with at(NOW):
        response = clinician_client.post(URL, {**VALID, **change})
    assert response.status_code == 200
    assert "Nothing was saved" in response.text
    assert message in text(response.text)
    assert patients().count() == before
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    "local, message",
    [
        # 8 March 2026, 02:00 → 03:00: half past two never happens in New York.
        ("2026-03-08T02:30", "2026-03-08 02:30 does not exist in America/New_York"),
        # 1 November 2026, 02:00 → 01:00: half past one happens twice.
        ("2026-11-01T01:30", "2026-11-01 01:30 happens twice in America/New_York"),
    ],
)
def test_it_refuses_a_time_the_clocks_skip_or_repeat(ny_client, local, message):
    before = patients().count()
    with at(NOW):
        response = ny_client.post(URL, {**VALID, "scheduled_at": local})
    assert response.status_code == 200
    assert message in text(response.text)
    assert patients().count() == before
    assert not Episode.objects.exists()


def test_a_form_sent_twice_enrolls_the_patient_once(ny_client):
    before = patients().count()
    with at(NOW):
        first = ny_client.post(URL, VALID)
        second = ny_client.post(URL, VALID, follow=True)

    assert patients().count() == before + 1
    assert AuditEvent.objects.count() == 1
    episode = Episode.objects.get()
    assert second.status_code == 200
    assert second.redirect_chain[0][0] == first.url
    assert "This form was sent twice; it was saved once." in second.text
    assert episode.booking_token is not None


def test_two_forms_for_the_same_name_enroll_two_patients(ny_client):
    """Only the same form sent again is a duplicate: two people may share a name."""
    with at(NOW):
        ny_client.post(URL, VALID)
        ny_client.post(URL, {**VALID, "booking_token": "1b5e3c9a-4f1e-4c35-9d0e-8f4a3f3a0c11"})
    assert Episode.objects.count() == 2
    assert patients().filter(last_name="López").count() == 2


def test_nothing_is_half_saved_when_the_episode_fails(clinician_client, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("the disk is full")

    monkeypatch.setattr(Episode, "save", fail)
    before = patients().count()
    with at(NOW), pytest.raises(IntegrityError):
        clinician_client.post(URL, VALID)
    assert patients().count() == before


def test_it_enrolls_into_the_clinicians_own_clinic_only(clinician_client, clinic, other_clinic):
    make_user("elsewhere", Role.CLINICIAN, other_clinic)
    with at(NOW):
        clinician_client.post(URL, {**VALID, "clinic": other_clinic.pk})
    assert Episode.objects.get().clinic == clinic
    assert Episode.objects.get().patient.clinic == clinic
