"""Shared fixtures: the people who use painlog, built once per test."""

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from diary.models import Clinic, Role, User
from tests.factories import make_episode, make_user

# Playwright's sync API keeps an event loop in the main thread; Django's async guard would
# otherwise refuse database access in fixtures and the live server's flush.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # SQLite tests use a file, as production does: an in-memory database is shared between
    # threads through SQLite's shared cache, which fails concurrent writers at once ("table
    # is locked") instead of queueing them under WAL and the busy timeout.
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, so a
    clinic's version counts from 0 again, and its cached dashboard must not outlive it."""
    cache.clear()


@pytest.fixture(autouse=True)
def fast_plain_settings(settings):
    # The manifest needs collectstatic; tests read static files from the finders instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db):
    return Clinic.objects.create(
        name="Clinic One",
        time_zone="Europe/London",
        phone="020 7946 0018",  # Ofcom's range for drama: no one answers it
        contact_email="clinic-one@example.invalid",
    )


@pytest.fixture
def other_clinic(db):
    return Clinic.objects.create(
        name="Clinic Two",
        time_zone="America/New_York",
        phone="+1 212 555 0142",  # a fictional number
        contact_email="clinic-two@example.invalid",
    )


@pytest.fixture
def patient(clinic):
    return make_user("patient", Role.PATIENT, clinic)


@pytest.fixture
def other_patient(clinic):
    return make_user("otherpatient", Role.PATIENT, clinic)


@pytest.fixture
def clinician(clinic):
    return make_user("clinician", Role.CLINICIAN, clinic)


@pytest.fixture
def other_clinician(other_clinic):
    return make_user("otherclinician", Role.CLINICIAN, other_clinic)


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.invalid", "pw")


@pytest.fixture
def episode(patient, clinician):
    """The patient's injection 25 minutes ago, baseline 7: the provocation test is due."""
    return make_episode(patient, clinician)


@pytest.fixture
def patient_client(client, patient):
    """The test client, signed in as the patient."""
    client.force_login(patient)
    return client


@pytest.fixture
def clinician_client(client, clinician):
    """The test client, signed in as the patient's clinician."""
    client.force_login(clinician)
    return client


@pytest.fixture
def other_clinician_client(client, other_clinician):
    """The test client, signed in as the clinician of the other clinic (New York)."""
    client.force_login(other_clinician)
    return client
