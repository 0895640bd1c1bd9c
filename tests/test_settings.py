"""painlog/settings.py reads its database options from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/painlog"


def database_options(**environment):
    """The default database's OPTIONS as a fresh process reads them from `environment`."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_DB"))},
        "DJANGO_SECRET_KEY": "settings-test-only",
        **environment,
    }
    script = (
        "import json, painlog.settings as s; "
        "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_postgresql_prepares_its_queries_unless_told_not_to():
    prepared = database_options(DATABASE_URL=POSTGRES)
    assert prepared["server_side_binding"] is True and prepared["prepare_threshold"] == 5

    behind_a_pooler = database_options(DATABASE_URL=POSTGRES, DJANGO_DB_PREPARE="0")
    assert "server_side_binding" not in behind_a_pooler
    assert "prepare_threshold" not in behind_a_pooler


@pytest.mark.parametrize("prepare", ["1", "0"])
def test_sqlite_keeps_its_own_options(tmp_path, prepare):
    options = database_options(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_DB_PREPARE=prepare
    )
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "prepare_threshold" not in options
