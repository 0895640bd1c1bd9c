"""Two app servers with REDIS_URL set share sessions, the cache and the login lockout.

Each "server" is a separate Python process with its own settings, as gunicorn workers on two
machines would be; they meet only in Redis and the database.
"""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS = ("127.0.0.1", 6379)


def redis_answers():
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers(),
    reason="no Redis on 127.0.0.1:6379 (start it: redis-server --daemonize yes --save '')",
)


def server(code, database):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "painlog.settings",
        "DJANGO_SECRET_KEY": "shared-test-key",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    script = "import django; django.setup()\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "shared.sqlite3"
    server(
        "from django.core.management import call_command; call_command('migrate', verbosity=0)",
        path,
    )
    return path


def test_a_session_made_on_one_server_is_valid_on_another(database):
    marker = uuid.uuid4().hex
    key = server(
        "from django.contrib.sessions.backends.cached_db import SessionStore\n"
        f"s = SessionStore(); s['marker'] = '{marker}'; s.create(); print(s.session_key)",
        database,
    )

    seen = server(
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        "assert settings.SESSION_ENGINE.endswith('cached_db')\n"
        "engine = import_module(settings.SESSION_ENGINE)\n"
        f"print(engine.SessionStore('{key}').get('marker'))",
        database,
    )

    assert seen == marker


def test_the_cache_is_shared_between_servers(database):
    marker = uuid.uuid4().hex
    server(
        f"from django.core.cache import cache; cache.set('painlog-test', '{marker}', 60)", database
    )

    assert (
        server("from django.core.cache import cache; print(cache.get('painlog-test'))", database)
        == marker
    )


def test_a_lockout_on_one_server_holds_on_another(database):
    username = f"someone-{uuid.uuid4().hex[:8]}"
    fail = (
        "from django.test import RequestFactory\n"
        "from django.contrib.auth import authenticate\n"
        "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='198.51.100.7')\n"
        f"print(authenticate(request, username='{username}', password='wrong'))\n"
    )
    for _ in range(5):
        server(fail, database)

    locked = server(
        "from axes.helpers import get_lockout_parameters\n"
        "from axes.handlers.proxy import AxesProxyHandler\n"
        "from django.test import RequestFactory\n"
        "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='198.51.100.7')\n"
        "request.axes_ip_address = '198.51.100.7'\n"
        "request.axes_user_agent = ''\n"
        f"print(AxesProxyHandler.is_locked(request, {{'username': '{username}'}}))",
        database,
    )

    assert locked == "True"
