"""The patient's one-time set-up link: choose a password, land on Today signed in."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from diary import tokens
from diary.models import User
from tests.views.helpers import at, text

pytestmark = pytest.mark.django_db

ISSUED = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
SOON = ISSUED + timedelta(hours=2)
PASSWORD = "correct horse battery staple"
CHOSEN = {"new_password1": PASSWORD, "new_password2": PASSWORD}


@pytest.fixture
def new_patient(clinic):
    with at(ISSUED):
        patient = User.objects.create_patient(clinic, "Maria", "Lopez")
        tokens.issue(patient)
    return patient


@pytest.fixture
def link(new_patient):
    return tokens.link_path(new_patient)


def set_up(client, link, data=CHOSEN):
    """Open the link as the patient's phone would, then send the password form."""
    form_url = client.get(link).url
    return client.post(form_url, data)


def test_it_moves_the_token_out_of_the_address(client, link, new_patient):
    token = link.rstrip("/").rsplit("/", 1)[1]
    with at(SOON):
        response = client.get(link)
        form = client.get(response.url)
    assert response.status_code == 302
    assert token not in response.url
    assert response.url.endswith("/set-password/")
    assert form.status_code == 200
    assert token not in form.text
    assert "Choose your password" in form.text
    assert f"Your user name is {new_patient.username}" in text(form.text)


def test_the_patient_chooses_a_password_and_lands_on_today_signed_in(client, link, new_patient):
    with at(SOON):
        response = set_up(client, link)
        today = client.get(response.url)
        signed_in_as = client.session.get(SESSION_KEY)

    assert response.status_code == 302
    assert response.url == reverse("patient:today")
    assert signed_in_as == str(new_patient.pk)
    assert today.status_code == 200
    assert "Your password is saved. Welcome to your pain diary." in today.text
    new_patient.refresh_from_db()
    assert new_patient.check_password(PASSWORD)


def test_the_link_works_once(client, link):
    with at(SOON):
        set_up(client, link)
        client.logout()
        second = client.get(link, follow=True)
    assert second.status_code == 200
    assert "This set-up link has already been used" in second.text
    assert "Forgot your password? Ask your clinic for a new set-up link." in second.text
    assert 'name="new_password1"' not in second.text


def test_the_link_expires_after_seven_days(client, link):
    with at(ISSUED + timedelta(days=7, seconds=1)):
        response = client.get(link)
    assert response.status_code == 200
    assert "This set-up link has expired" in response.text
    assert "A set-up link works for 7 days." in response.text
    assert "Ask your clinic for a new set-up link." in response.text


def test_the_link_still_works_at_the_end_of_its_seventh_day(client, link):
    with at(ISSUED + timedelta(days=7, seconds=-1)):
        response = client.get(link)
    assert response.status_code == 302


def test_a_password_form_left_open_past_expiry_saves_nothing(client, link, new_patient):
    with at(ISSUED + timedelta(days=7, minutes=-5)):
        form_url = client.get(link).url
    with at(ISSUED + timedelta(days=7, minutes=5)):
        response = client.post(form_url, CHOSEN)
    assert "This set-up link has expired" in response.text
    new_patient.refresh_from_db()
    assert not new_patient.has_usable_password()


def test_a_new_link_replaces_the_old_one(client, link, new_patient):
    with at(SOON):
        tokens.issue(new_patient)
        old = client.get(link)
        new = client.get(tokens.link_path(new_patient))
    assert "This set-up link has been replaced" in old.text
    assert new.status_code == 302


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link[:-3] + ("0" if link[-3] != "0" else "1") + link[-2:],  # the hash
        lambda link: link.replace("/setup/", "/setup/x", 1),  # the user
        lambda link: re.sub(r"/[0-9a-z]+-", "/zzzzzz-", link),  # the timestamp
        lambda link: link.rsplit("/", 2)[0] + "/not-a-token/",
        lambda link: link.rsplit("/", 2)[0] + "/set-password/",  # no token in the session
    ],
)
def test_a_tampered_link_says_it_does_not_work(client, link, new_patient, tamper):
    with at(SOON):
        response = client.get(tamper(link))
    assert response.status_code == 200
    assert "This set-up link does not work" in response.text
    assert "Ask your clinic for a new set-up link." in response.text
    new_patient.refresh_from_db()
    assert not new_patient.has_usable_password()


def test_a_link_for_an_unknown_user_says_it_does_not_work(client):
    response = client.get(
        reverse("setup", args=["OTk5OTk", "d81qc0-4267ccf62cc708c36dcd6d006ebad4e0"])
    )
    assert response.status_code == 200
    assert "This set-up link does not work" in response.text


def test_a_deactivated_account_cannot_be_set_up(client, link, new_patient):
    new_patient.is_active = False
    new_patient.save()
    with at(SOON):
        response = client.get(link)
    assert "This set-up link does not work" in response.text


@pytest.mark.parametrize(
    "data, message",
    [
        ({"new_password1": "x7#kq", "new_password2": "x7#kq"}, "too short"),
        ({"new_password1": "password1234", "new_password2": "password1234"}, "too common"),
        ({"new_password1": PASSWORD, "new_password2": PASSWORD + "!"}, "didn’t match"),
        ({"new_password1": "", "new_password2": ""}, "This field is required."),
    ],
)
def test_it_explains_a_password_it_cannot_take(client, link, new_patient, data, message):
    with at(SOON):
        response = set_up(client, link, data)
        assert SESSION_KEY not in client.session
    assert response.status_code == 200
    assert message in response.text
    new_patient.refresh_from_db()
    assert not new_patient.has_usable_password()


def test_a_signed_in_clinicians_browser_signs_in_as_the_patient(
    client, clinician, link, new_patient
):
    """Handing a clinic tablet to the patient: the password is theirs, and so is the session."""
    client.force_login(clinician)
    with at(SOON):
        set_up(client, link)
        assert client.session.get(SESSION_KEY) == str(new_patient.pk)


def test_the_used_page_sends_a_signed_in_patient_to_the_diary_not_to_sign_in(client, link):
    with at(SOON):
        set_up(client, link)
        page = text(client.get(link, follow=True).content.decode())

    assert "already been used" in page
    assert "Go to your diary" in page
    assert "Sign in" not in page.replace("Sign out", "")
