"""History: every rating of the patient's own episodes, newest first."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.models import Role
from tests.factories import daily, make_episode, make_user, timed
from tests.views.helpers import text

pytestmark = pytest.mark.django_db

INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)  # London is on UTC in January
HISTORY_URL = reverse("patient:history")


def entries(response):
    """The history's list, one line of text per rating, top to bottom."""
    items = re.findall(r'<li class="list-group-item">(.*?)</li>', response.text, re.S)
    return [text(item) for item in items]


def test_it_lists_every_rating_newest_first(patient_client, patient, clinician):
    older = make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=31))
    daily(older, 7, 3)
    current = make_episode(patient, clinician, injected_at=INJECTED)
    # Saved out of order: the daily rating first, then the timed ones of the day before.
    daily(current, 1, 6)
    timed(current, 25, 2)
    timed(current, 62, 3)

    response = patient_client.get(HISTORY_URL)

    assert response.status_code == 200
    assert [entry.split(" Pain ")[0] for entry in entries(response)] == [
        "Day 1 Wed 14 Jan, 19:00",
        "Hour 1 Tue 13 Jan, 11:02",
        "Provocation test Tue 13 Jan, 10:25",
        "Day 7 Sat 20 Dec, 19:00",
    ]


def test_it_shows_what_each_rating_said(patient_client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    daily(
        episode,
        1,
        6,
        recorded_at=INJECTED + timedelta(days=2),
        late=True,
        relief=20,
        analgesic=True,
        analgesic_name="paracetamol",
        site_soreness=True,
        fever_redness=True,
        note="Warm <b>and</b> red",
    )

    response = patient_client.get(HISTORY_URL)

    assert entries(response) == [
        "Day 1 Thu 15 Jan, 10:00 · recorded the day after "
        "Pain 6/10 · relief you felt 20 % · pain medicine (paracetamol) "
        "Soreness at the injection site, fever, redness or drainage at the site "
        "Warm <b>and</b> red"
    ]
    assert "Warm &lt;b&gt;and&lt;/b&gt; red" in response.text  # a note is text, never markup
    assert "Usual pain: 7/10 (standing up)" in text(response.text)


def test_it_shows_times_in_the_clinics_time_zone(client, other_clinic):
    new_yorker = make_user("newyorker", Role.PATIENT, other_clinic)
    episode = make_episode(new_yorker, injected_at=INJECTED)
    timed(episode, 25, 2)
    client.force_login(new_yorker)

    response = client.get(HISTORY_URL)

    assert entries(response)[0].startswith("Provocation test Tue 13 Jan, 05:25")


def test_it_shows_only_the_patients_own_ratings(patient_client, patient, other_patient, clinician):
    mine = make_episode(patient, clinician, injected_at=INJECTED)
    timed(mine, 25, 2, note="mine")
    theirs = make_episode(other_patient, clinician, injected_at=INJECTED)
    timed(theirs, 24, 9, note="someone else's")

    response = patient_client.get(HISTORY_URL)

    assert len(entries(response)) == 1
    assert "mine" in entries(response)[0]
    assert "someone else" not in text(response.text)
    assert str(theirs.uuid) not in response.text


def test_it_says_when_nothing_is_recorded_yet(patient_client):
    response = patient_client.get(HISTORY_URL)

    assert "Nothing recorded yet." in response.text
    assert entries(response) == []


def test_it_links_to_the_csv_download(patient_client):
    response = patient_client.get(HISTORY_URL)

    assert f'href="{reverse("patient:export")}"' in response.text


def test_it_runs_the_same_number_of_queries_however_long_the_diary(
    patient_client, patient, clinician
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert patient_client.get(HISTORY_URL).status_code == 200
        return len(captured)

    first = make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=60))
    timed(first, 25, 2)
    small = queries()

    for weeks in range(1, 4):
        episode = make_episode(patient, clinician, injected_at=INJECTED - timedelta(weeks=weeks))
        timed(episode, 25, 3)
        for hour in range(1, 7):
            timed(episode, 60 * hour + 2, 4)
        for day in range(1, 8):
            daily(episode, day, 5, hours=0)

    assert queries() == small
