"""Nothing answered with success is lost: the databases wait for the disk at each commit, and
a rating commits together with its stored reading and its audit entry, or not at all."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from diary.models import AuditEvent, Episode, Rating

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ["DATABASE_URL"]
POSTGRES = POSTGRES or "postgres://postgres@127.0.0.1:5432/postgres"

# Read back from a connection painlog's settings open, in a process of its own.
READ_BACK = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA journal_mode"); journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous"); synchronous = cursor.fetchone()[0]
        print(json.dumps({"journal_mode": journal, "synchronous": synchronous}))
    else:
        cursor.execute("SHOW synchronous_commit")
        print(json.dumps({"synchronous_commit": cursor.fetchone()[0]}))
"""


def live_settings(database_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "painlog.settings",
        "DJANGO_SECRET_KEY": "durability-test-only",
    }
    done = subprocess.run(
        [sys.executable, "-c", READ_BACK], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done


def test_sqlite_runs_in_wal_mode_and_waits_for_the_disk_at_each_commit(tmp_path):
    done = live_settings(f"sqlite:///{tmp_path / 'painlog.sqlite3'}")

    assert done.returncode == 0, done.stderr
    # synchronous=FULL (2): a commit returns once the WAL is on the disk, not before.
    assert json.loads(done.stdout) == {"journal_mode": "wal", "synchronous": 2}


def test_postgresql_waits_for_the_disk_at_each_commit():
    done = live_settings(POSTGRES)
    if done.returncode != 0 and "Connection refused" in done.stderr:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES}")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"synchronous_commit": "on"}


@pytest.mark.django_db(transaction=True)
def test_a_rating_is_not_saved_without_its_audit_entry(client, patient, episode, monkeypatch):
    reading = Episode.objects.values_list("review", flat=True).get(pk=episode.pk)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(AuditEvent.objects, "create", disk_full)
    client.force_login(patient)
    with time_machine.travel(episode.injected_at + timedelta(minutes=25)):
        with pytest.raises(OSError):
            client.post(reverse("patient:rate", args=[episode.uuid, "provocation"]), {"pain": 2})

    assert not Rating.objects.exists()
    assert Episode.objects.values_list("review", flat=True).get(pk=episode.pk) == reading
