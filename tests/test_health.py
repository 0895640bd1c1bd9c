"""`/health/` answers a load balancer without a sign-in, says which checks pass and never
shows any data. Asked over the live server, as a load balancer asks it (the view is async)."""

import json
import urllib.error
import urllib.request

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware

pytestmark = pytest.mark.django_db(transaction=True)


def ask(live_server, query="?format=json"):
    """(status, headers, body) of /health/, asked as a load balancer would."""
    try:
        with urllib.request.urlopen(f"{live_server.url}/health/{query}", timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_it_answers_200_when_everything_works_without_a_sign_in(live_server, episode):
    status, headers, body = ask(live_server)

    assert status == 200
    checks = json.loads(body)
    assert len(checks) == 4
    assert set(checks.values()) == {"OK"}
    assert any(name.startswith("MigrationsApplied") for name in checks)
    assert "no-cache" in headers["Cache-Control"]


def test_it_shows_no_data(live_server, episode):
    _status, _headers, body = ask(live_server)

    for shown in (episode.patient.username, episode.patient.first_name, str(episode.uuid)):
        assert shown not in body


def test_it_answers_500_while_a_migration_is_not_applied(live_server, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])

    status, _headers, body = ask(live_server)

    assert status == 500
    assert "1 migrations not applied" in body


def test_it_is_exempt_from_the_redirect_to_https(settings, rf):
    settings.SECURE_SSL_REDIRECT = True  # as in production
    middleware = SecurityMiddleware(lambda request: HttpResponse("passed"))

    health = middleware(rf.get("/health/"))
    login = middleware(rf.get("/accounts/login/"))

    assert health.content == b"passed"
    assert (login.status_code, login["Location"]) == (301, "https://testserver/accounts/login/")
