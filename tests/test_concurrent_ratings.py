"""Patients recording at the same moment, and the same rating sent twice at once: nothing is
lost and nothing is doubled, on SQLite (WAL, immediate transactions) and on PostgreSQL.

Each thread is a separate client with its own database connection, as separate gunicorn
workers would be.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from diary.models import Rating, Role
from tests.factories import make_episode, make_user

PATIENTS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_ratings_are_all_saved_once(clinic, clinician):
    episodes = [
        make_episode(make_user(f"p{number}", Role.PATIENT, clinic), clinician)
        for number in range(PATIENTS)
    ]
    # Every patient taps Save twice at the same moment, while a clinician reads the dashboard.
    start = threading.Barrier(PATIENTS * 2 + 1, timeout=30)
    statuses, errors = [], []

    def post(episode):
        try:
            client = Client()
            client.force_login(episode.patient)
            url = reverse("patient:rate", args=[episode.uuid, "provocation"])
            start.wait()
            statuses.append(client.post(url, {"pain": "2", "relief": "70"}).status_code)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def read_dashboard():
        try:
            client = Client()
            client.force_login(clinician)
            start.wait()
            statuses.append(client.get(reverse("clinic:dashboard")).status_code)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(episode,)) for episode in episodes * 2]
    threads.append(threading.Thread(target=read_dashboard))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(statuses) == [200] + [302] * (PATIENTS * 2)
    assert sorted(Rating.objects.values_list("episode_id", flat=True)) == sorted(
        episode.pk for episode in episodes
    )
