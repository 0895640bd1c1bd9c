"""The patient's own data as a CSV download."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.models import Role
from tests.factories import daily, make_episode, make_user, timed

pytestmark = pytest.mark.django_db

INJECTED = datetime(2026, 1, 13, 10, 0, tzinfo=UTC)  # London is on UTC in January
EXPORT_URL = reverse("patient:export")
HEADER = [
    "episode",
    "injection_at",
    "side",
    "block_type",
    "anesthetic",
    "steroid",
    "baseline_pain",
    "provoking_activity",
    "entry",
    "kind",
    "day",
    "late",
    "minutes_after_injection",
    "pain_felt_at",
    "recorded_at",
    "pain",
    "relief_computed",
    "relief_stated",
    "pain_medicine",
    "which_medicine",
    "side_effects",
    "ice_heat",
    "note",
]


def rows(response):
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def records(response):
    header, *lines = rows(response)
    return [dict(zip(header, line, strict=True)) for line in lines]


@pytest.fixture
def diary(patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    timed(episode, 25, 2, relief=70)
    timed(episode, 62, 3, analgesic=True, analgesic_name="paracetamol", numbness=True)
    daily(episode, 1, 6, ice_heat="ice", site_soreness=True, note="sore")
    return episode


def test_it_downloads_the_diary_as_an_attachment(patient_client, diary):
    response = patient_client.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="painlog-my-diary.csv"'
    assert response["Cache-Control"] == "private, no-store"


def test_it_has_a_header_row_and_one_row_per_rating(patient_client, diary):
    header, *lines = rows(patient_client.get(EXPORT_URL))

    assert header == HEADER
    assert len(lines) == 3
    assert all(len(line) == len(HEADER) for line in lines)


def test_it_writes_what_each_rating_said(patient_client, diary):
    provocation, hour_1, day_1 = records(patient_client.get(EXPORT_URL))

    assert provocation == {
        "episode": str(diary.uuid),
        "injection_at": "2026-01-13T10:00:00+00:00",
        "side": "right",
        "block_type": "therapeutic",
        "anesthetic": "bupivacaine",
        "steroid": "triamcinolone 40 mg",
        "baseline_pain": "7",
        "provoking_activity": "standing up",
        "entry": "provocation",
        "kind": "timed",
        "day": "",
        "late": "no",
        "minutes_after_injection": "25.0",
        "pain_felt_at": "2026-01-13T10:25:00+00:00",
        "recorded_at": "2026-01-13T10:25:00+00:00",
        "pain": "2",
        "relief_computed": "71.4",
        "relief_stated": "70",
        "pain_medicine": "no",
        "which_medicine": "",
        "side_effects": "",
        "ice_heat": "",
        "note": "",
    }
    assert (hour_1["entry"], hour_1["minutes_after_injection"]) == ("hour-1", "62.0")
    assert (hour_1["pain_medicine"], hour_1["which_medicine"]) == ("yes", "paracetamol")
    assert hour_1["side_effects"] == "numbness"
    assert (day_1["entry"], day_1["day"], day_1["pain_felt_at"]) == ("day-1", "1", "")
    assert (day_1["ice_heat"], day_1["side_effects"], day_1["note"]) == (
        "ice",
        "site_soreness",
        "sore",
    )


def test_it_writes_times_in_the_clinics_time_zone(client, other_clinic):
    new_yorker = make_user("newyorker", Role.PATIENT, other_clinic)
    episode = make_episode(new_yorker, injected_at=INJECTED)
    timed(episode, 25, 2)
    client.force_login(new_yorker)

    (record,) = records(client.get(EXPORT_URL))

    assert record["injection_at"] == "2026-01-13T05:00:00-05:00"
    assert record["recorded_at"] == "2026-01-13T05:25:00-05:00"


def test_it_contains_only_the_patients_own_data(patient_client, diary, other_patient, clinician):
    theirs = make_episode(other_patient, clinician, injected_at=INJECTED)
    timed(theirs, 24, 9, note="someone else's")

    response = patient_client.get(EXPORT_URL)

    assert {record["episode"] for record in records(response)} == {str(diary.uuid)}


@pytest.mark.parametrize(
    "note", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)"]
)
def test_it_neutralises_a_note_a_spreadsheet_would_run_as_a_formula(
    patient_client, patient, clinician, note
):
    episode = make_episode(patient, clinician, injected_at=INJECTED, provoking_activity=note)
    daily(episode, 1, 4, analgesic=True, analgesic_name=note, note=note)

    (record,) = records(patient_client.get(EXPORT_URL))

    assert record["note"] == "'" + note
    assert record["which_medicine"] == "'" + note
    assert record["provoking_activity"] == "'" + note


def test_it_keeps_a_note_with_commas_quotes_and_lines_intact(patient_client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    note = 'Walked 2 km, "felt fine"\nthen sore; café'
    daily(episode, 1, 4, note=note)

    (record,) = records(patient_client.get(EXPORT_URL))

    assert record["note"] == note


def test_it_has_only_the_header_when_nothing_is_recorded(patient_client):
    assert rows(patient_client.get(EXPORT_URL)) == [HEADER]


def test_it_runs_the_same_number_of_queries_however_many_episodes(patient_client, patient, diary):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            rows(patient_client.get(EXPORT_URL))
        return len(captured)

    small = queries()
    for weeks in range(5, 8):
        episode = make_episode(patient, injected_at=INJECTED - timedelta(weeks=weeks))
        timed(episode, 25, 3)
        daily(episode, 1, 5)

    assert queries() == small
