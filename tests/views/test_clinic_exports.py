"""CSV downloads for the clinic: one episode's ratings, and one row per episode."""

import csv
import dataclasses
import io
import re
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from diary import diagnosis, exports
from diary.models import AuditEvent, Clinic, Episode, Role
from tests.factories import change, make_diary, make_user
from tools.seeding import DiaryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
EXPORT = reverse("clinic:export")

# The session, the user, the audit entry, the episode(s) with clinic and people, the ratings,
# and the staff idle timeout moving the session's expiry (a savepoint around an update).
QUERIES = 8
# The same with the session's deadline already moved: the session, the user, the audit
# entry, then the episodes and all their ratings, each from one cursor.
CSV_QUERIES = 5


def read(response):
    """The rows of a streamed CSV, read to the end (the queries run while it streams)."""
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def diary(patient, days_ago, *, timed=None, daily=None, **fields):
    """An episode injected `days_ago` days before NOW, with timed ratings {minutes: pain} and
    daily ratings {day: pain}."""
    return make_diary(
        patient,
        injected_at=NOW - timedelta(days=days_ago),
        timed_pain=timed or {25: 2, 60: 3},
        daily_pain=daily or {1: 4},
        **fields,
    )


def ratings_url(episode):
    return reverse("clinic:episode_csv", args=[episode.uuid])


# One episode's ratings


@time_machine.travel(NOW, tick=False)
def test_it_downloads_every_rating_of_the_episode(clinician_client, patient):
    episode = diary(patient, 10, timed={25: 2, 60: 3}, daily={1: 4, 2: 5})
    diary(patient, 40)  # another episode of the same patient stays out

    response = clinician_client.get(ratings_url(episode))
    rows = read(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="painlog-2026-02-28-right-{str(episode.uuid)[:8]}.csv"'
    )
    assert rows[0] == exports.RATING_COLUMNS
    assert [row[8] for row in rows[1:]] == ["provocation", "hour-1", "day-1", "day-2"]
    assert {row[0] for row in rows[1:]} == {str(episode.uuid)}
    relief = rows[0].index("relief_computed")
    assert [row[relief] for row in rows[1:]] == ["71.4", "57.1", "42.9", "28.6"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ratings", [2, 20])
def test_it_runs_the_same_number_of_queries_however_long_the_diary(
    clinician_client, patient, django_assert_num_queries, ratings
):
    timed = {25: 2, 60: 3, 120: 3, 180: 3, 240: 4, 300: 4}
    episode = diary(
        patient,
        20,
        timed=dict(list(timed.items())[: ratings // 2]),
        daily=dict.fromkeys(range(1, ratings - min(6, ratings // 2) + 1), 4),
    )

    with django_assert_num_queries(QUERIES):
        rows = read(clinician_client.get(ratings_url(episode)))

    assert len(rows) == ratings + 1


# The clinic's episodes


@time_machine.travel(NOW, tick=False)
def test_it_has_a_column_for_every_summary_field(clinician_client, episode):
    header = read(clinician_client.get(EXPORT))[0]

    summary_fields = [field.name for field in dataclasses.fields(diagnosis.Summary)]
    assert header[: -len(summary_fields)] == [
        "episode",
        "patient",
        "patient_id",
        "injection_at",
        "side",
        "block_type",
        "anesthetic",
        "steroid_agent",
        "baseline_pain",
        "status",
        "ratings_made",
        "ratings_asked",
        "ratings_missed",
        "ratings_overdue",
        "red_flags",
        "red_flag_latest_at",
        "short_relief",
    ]
    assert header[-len(summary_fields) :] == summary_fields
    assert len(set(header)) == len(header)  # a spreadsheet can tell every column apart


@time_machine.travel(NOW, tick=False)
def test_it_writes_one_row_per_episode_of_the_clinic_newest_first(
    clinician_client, patient, other_patient, other_clinician
):
    older = diary(patient, 30, baseline=7, timed={25: 3}, daily={1: 6})
    newer = diary(other_patient, 3, baseline=8, timed={45: 1}, daily={1: 4, 2: 3})
    diary(make_user("abroad", Role.PATIENT, other_clinician.clinic), 5)

    response = clinician_client.get(EXPORT)
    header, *rows = read(response)

    assert response["Content-Disposition"] == (
        'attachment; filename="painlog-episodes-2026-03-10.csv"'
    )
    assert [row[0] for row in rows] == [str(newer.uuid), str(older.uuid)]
    assert dict(zip(header, rows[0], strict=True)) == {
        "episode": str(newer.uuid),
        "patient": "Otherpatient Test",
        "patient_id": str(other_patient.public_id),
        "injection_at": "2026-03-07T12:00:00+00:00",
        "side": "right",
        "block_type": "therapeutic",
        "anesthetic": "bupivacaine",
        "steroid_agent": "triamcinolone 40 mg",
        "baseline_pain": "8",
        "status": "in_progress",
        # The baseline, the provocation test and days 1 and 2 of 15; hours 1–6 missed; day 3
        # is not due before the evening.
        "ratings_made": "4",
        "ratings_asked": "15",
        "ratings_missed": "6",
        "ratings_overdue": "0",
        "red_flags": "0",
        "red_flag_latest_at": "",
        "short_relief": "no",
        "diagnostic": "positive",
        "reasons": "",
        "warnings": "provocation_off_time",
        "provocation_minutes": "45.0",
        "provocation_relief": "87.5",
        "peak_relief": "87.5",
        "relief_hours": "0.8",
        "flare": "no",
        "onset_day": "1",
        "last_day": "2",
        "last_relief": "62.5",
        "steroid": "responder",
    }
    assert rows[1][header.index("reasons")] == "partial_relief"


@time_machine.travel(NOW, tick=False)
def test_a_diagnostic_block_exports_no_steroid_category_and_its_short_relief(
    clinician_client, patient
):
    diary(
        patient,
        3,
        baseline=8,
        timed={25: 0, 60: 6, 120: 7},
        daily={1: 2},
        block_type="diagnostic",
        steroid="",
        anesthetic="bupivacaine",
    )

    header, row = read(clinician_client.get(EXPORT))
    exported = dict(zip(header, row, strict=True))

    assert (exported["block_type"], exported["steroid"]) == ("diagnostic", "not_applicable")
    assert (exported["diagnostic"], exported["warnings"]) == ("positive", "short_relief")
    assert exported["short_relief"] == "yes"


@time_machine.travel(NOW, tick=False)
def test_it_counts_red_flags_with_the_latest_time_in_the_clinics_zone(clinician_client, patient):
    episode = diary(patient, 5, baseline=8, daily={1: 4, 2: 4, 3: 4})
    change(episode.ratings.filter(day__in=[1, 3]), fever_redness=True)
    Clinic.objects.filter(pk=patient.clinic_id).update(time_zone="America/New_York")
    latest = episode.ratings.get(day=3).recorded_at

    header, row = read(clinician_client.get(EXPORT))
    exported = dict(zip(header, row, strict=True))

    assert exported["red_flags"] == "2"
    assert exported["red_flag_latest_at"] == latest.astimezone(
        ZoneInfo("America/New_York")
    ).isoformat(timespec="seconds")
    assert exported["red_flag_latest_at"].endswith("-04:00")  # New York's summer time began


@time_machine.travel(NOW, tick=False)
def test_every_time_has_one_format_whole_seconds_with_the_offset(clinician_client, patient):
    episode = diary(patient, 2, timed={25: 2})
    # A live entry carries microseconds; a seeded one does not.
    episode.ratings.update(recorded_at=NOW - timedelta(days=1, microseconds=-123456))

    header, *rows = read(clinician_client.get(ratings_url(episode)))

    times = [
        row[header.index(name)]
        for row in rows
        for name in ("injection_at", "pain_felt_at", "recorded_at")
        if row[header.index(name)]
    ]
    assert times and all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", t) for t in times
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("episodes", [2, 12])
def test_it_streams_the_export_in_the_same_number_of_queries_however_many_episodes(
    clinician_client, clinic, django_assert_num_queries, episodes
):
    for number in range(episodes):
        diary(make_user(f"p{number}", Role.PATIENT, clinic), number + 1)

    with django_assert_num_queries(QUERIES):
        rows = read(clinician_client.get(EXPORT))

    assert len(rows) == episodes + 1


@time_machine.travel(NOW, tick=False)
def test_it_writes_both_downloads_to_the_audit_log(clinician_client, clinician, episode):
    read(clinician_client.get(ratings_url(episode)))
    read(clinician_client.get(EXPORT))

    events = AuditEvent.objects.order_by("pk")
    assert [(e.actor, e.action, e.what, e.episode_uuid) for e in events] == [
        (clinician, "export", "ratings CSV", episode.uuid),
        (clinician, "export", "clinic episodes CSV", None),
    ]


def test_the_clinic_csv_streams_in_fixed_queries_and_memory_however_large_the_clinic(
    clinician_client, clinic, clinician, django_assert_num_queries, monkeypatch
):
    # Chunks of 100 (500 in use): the steady state shows at sizes a test can afford.
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 100)
    factory = DiaryFactory(seed=5)
    clinician_client.get(reverse("home"))  # the staff session's idle deadline moves

    def stream(episodes):
        factory.add_patients(clinic, clinician, episodes - Episode.objects.count())
        tracemalloc.start()
        with django_assert_num_queries(CSV_QUERIES):
            # Read as a browser saves it: chunk by chunk, none kept.
            lines = sum(
                chunk.count(b"\n") for chunk in clinician_client.get(EXPORT).streaming_content
            )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert lines == episodes + 1
        return peak

    small = stream(400)
    large = stream(2000)

    # Five times the episodes, and the peak stays that of a chunk or two: it moves by a few
    # hundred kB with the garbage collector's timing and the drivers' buffers, where holding
    # the CSV and its episodes (about 2.5 kB each) would add 4 MB.
    assert large - small < 1_000_000
