import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(client, patient):
    wrong_password = sign_in(client, patient.username, WRONG).content.decode()
    unknown_user = sign_in(client, "nobody-here", WRONG).content.decode()

    assert "correct username and password" in wrong_password
    assert "correct username and password" in unknown_user


def test_it_locks_sign_in_after_5_failures_even_with_the_right_password(client, patient):
    for _ in range(5):
        sign_in(client, patient.username, WRONG)

    response = sign_in(client, patient.username, "pw")

    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_out_unknown_user_sees_the_same_page(client):
    for _ in range(5):
        sign_in(client, "nobody-here", WRONG)

    response = sign_in(client, "nobody-here", WRONG)

    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()


def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("login"), secure=True)

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in response["Strict-Transport-Security"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("patient", "patient:today"),
        ("patient", "patient:history"),
        ("clinician", "clinic:dashboard"),
    ],
)
def test_pages_with_health_data_are_never_stored(client, patient, clinician, who, page):
    client.force_login({"patient": patient, "clinician": clinician}[who])

    response = client.get(reverse(page))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_chart_keeps_its_own_caching_for_its_etag(clinician_client, episode):
    response = clinician_client.get(reverse("episodes:chart", args=[episode.uuid]))

    assert response["Cache-Control"] == "private, no-cache"
    assert response.has_header("ETag")


def test_cookies_are_secure_and_http_only_in_production(client, patient):
    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"), {"username": patient.username, "password": "pw"}, secure=True
    )

    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert client.cookies["csrftoken"]["secure"]


def test_check_deploy_prints_no_warning_under_production_settings():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is no production setting: leave it out.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DJANGO_SSL_REDIRECT": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_an_over_long_user_name_gets_a_message_not_an_error(client):
    response = sign_in(client, "0" * 300, WRONG)

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
