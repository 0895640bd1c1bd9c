"""`/health/` answers a load balancer without a sign-in, says which checks pass and never
shows any data."""

import json

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)

HEALTH = reverse("health")


def test_it_answers_200_when_everything_works_without_a_sign_in(client, episode):
    response = client.get(HEALTH, {"format": "json"})

    assert response.status_code == 200
    checks = json.loads(response.content)
    assert len(checks) == 4
    assert set(checks.values()) == {"OK"}
    assert any(name.startswith("MigrationsApplied") for name in checks)
    assert "no-cache" in response["Cache-Control"]


def test_it_shows_no_data(client, episode):
    body = client.get(HEALTH, {"format": "json"}).content.decode()

    for shown in (episode.patient.username, episode.patient.first_name, str(episode.uuid)):
        assert shown not in body


def test_it_answers_500_while_a_migration_is_not_applied(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])

    response = client.get(HEALTH, {"format": "json"})

    assert response.status_code == 500
    assert "1 migrations not applied" in response.content.decode()


def test_it_answers_over_plain_http_when_production_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(HEALTH).status_code == 200
    assert client.get(reverse("login")).status_code == 301
