"""The one-page PDF report of an episode: the pure builder, then the clinician's download."""

import re
import zlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from diary import diagnosis, exports, wording
from diary.models import AuditEvent
from tests.factories import make_diary

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
INJECTED = NOW - timedelta(days=15)

# The session, the user, the episode with its clinic and people, its ratings, the audit entry,
# and the staff idle timeout moving the session's expiry (a savepoint around an update).
QUERIES = 8

PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def pages(pdf):
    """The page objects: "/Type /Page", and not the "/Type /Pages" tree above them."""
    return len(re.findall(rb"/Type\s*/Page(?!s)\b", pdf))


def pdf_text(pdf):
    """The text drawn on the page, one line per text run.

    Type 42 (TrueType) text is written in content streams as strings of two-byte codes in
    TJ arrays; text turned into paths would leave nothing here.
    """

    def unescape(raw):
        def one(match):
            code = match.group(1)
            return bytes([int(code, 8)]) if code[:1].isdigit() else PDF_ESCAPES.get(code, code)

        return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)

    runs = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for array in re.findall(rb"\[(.*?)\]\s*TJ", content, re.S):
            pieces = re.findall(rb"\(((?:\\.|[^\\)])*)\)", array, re.S)
            runs.append(b"".join(unescape(p) for p in pieces).decode("utf-16-be", "replace"))
    return "\n".join(runs)


def at(minutes, pain, analgesic=False):
    return SimpleNamespace(minutes=minutes, pain=pain, relief=None, analgesic=analgesic)


def on(day, pain):
    return SimpleNamespace(day=day, pain=pain, relief=None)


def content(*, baseline=8, timed=(), daily=(), rows=None, notes=(), diary_days=7):
    rules = diagnosis.Rules()
    summary = diagnosis.summarize(baseline, timed, daily, rules)
    columns = [
        "Rating",
        "Recorded",
        "After",
        "Pain",
        "Relief",
        "Stated",
        "Medicine",
        "Side",
        "Note",
    ]
    return {
        "title": "Pain diary after SI joint injection: Pat Example",
        "header": ["Patient: Pat Example (pat)", "Injection: 13 Jan 2026, 10:00, right side"],
        "conclusion": wording.conclusion(summary, rules),
        "notes": list(notes),
        "chart": {
            "baseline": baseline,
            "timed": list(timed),
            "daily": list(daily),
            "summary": summary,
            "rules": rules,
            "diary_days": diary_days,
        },
        "columns": columns,
        "column_widths": [0.13, 0.12, 0.07, 0.05, 0.07, 0.07, 0.12, 0.19, 0.18],
        "rows": rows
        if rows is not None
        else [["Day 1", "14 Jan", "day 1", 4, "50 %", "", "", "", ""]],
        "rules": wording.rule_lines(rules),
    }


@pytest.fixture(scope="module")
def report():
    # About half a second to make (embedding the fonts), so made once for the tests that read it.
    return exports.report_pdf(**content(timed=[at(25, 1)], daily=[on(1, 4)]))


def test_it_makes_a_pdf_of_exactly_one_page(report):
    assert report.startswith(b"%PDF")
    assert pages(report) == 1


def test_it_keeps_the_text_as_text_with_the_patients_name(report):
    text = pdf_text(report)

    assert "Pat Example" in text
    assert "Positive at 75 %: relief 88 % at 25 min" in text
    assert "Rules used" in text


def test_it_fits_the_longest_diary_with_long_notes_on_one_page():
    timed = [at(minutes, 2, analgesic=True) for minutes in (25, 60, 120, 180, 240, 300, 360)]
    daily = [on(day, 3) for day in range(1, 15)]
    row = ["Provocation test", "13 Jan 10:24", "24 min", 1, "88 %", "90 %", "ibuprofen 400 mg"]
    rows = [[*row, "numbness, weakness, odd feeling in the leg", "A long note. " * 80]] * 21
    agent = {"anesthetic": "bupivacaine", "agent": "bupivacaine", "fell_at": 45}
    notes = [
        wording.warning_text(code, diagnosis.Rules(), **agent) for code in diagnosis.WARNINGS
    ] * 2

    pdf = exports.report_pdf(
        **content(timed=timed, daily=daily, rows=rows, notes=notes, diary_days=14)
    )

    assert pages(pdf) == 1
    assert "A long note. A long" in pdf_text(pdf)  # cut to fit its cell, not dropped


@pytest.mark.parametrize("baseline", [None, 0, 8])
def test_it_draws_a_diary_without_ratings(baseline):
    pdf = exports.report_pdf(**content(baseline=baseline, rows=[]))

    assert pages(pdf) == 1
    assert "No ratings yet." in pdf_text(pdf)


# The download


def url(episode):
    return reverse("clinic:report", args=[episode.uuid])


def diary(patient, ratings):
    """`ratings` ratings: the timed ones first (pain 2), then daily ones (pain 3)."""
    return make_diary(
        patient,
        injected_at=INJECTED,
        baseline=8,
        timed_pain=dict.fromkeys((25, 60, 120, 180, 240, 300, 360)[:ratings], 2),
        daily_pain=dict.fromkeys(range(1, max(0, ratings - 7) + 1), 3),
    )


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_downloads_the_episodes_report(clinician_client, patient):
    episode = diary(patient, 9)

    response = clinician_client.get(url(episode))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="painlog-2026-02-23-right-{str(episode.uuid)[:8]}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert pages(response.content) == 1
    text = pdf_text(response.content)
    assert "Pain diary after SI joint injection: Patient Test" in text
    assert "Anesthetic: Bupivacaine · Steroid: triamcinolone 40 mg" in text
    assert "Baseline: 8/10 (standing up)" in text
    assert "Positive at 75 %: relief 75 % at 25 min, at or above 75 % for 6.0 h" in text
    assert "Provocation test" in text and "Day 2" in text


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ratings", [2, 21])
def test_it_runs_the_same_number_of_queries_however_long_the_diary(
    clinician_client, patient, django_assert_num_queries, ratings
):
    episode = diary(patient, ratings)

    with django_assert_num_queries(QUERIES):
        response = clinician_client.get(url(episode))

    assert pages(response.content) == 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_writes_the_download_to_the_audit_log(clinician_client, clinician, patient):
    episode = diary(patient, 2)

    clinician_client.get(url(episode))

    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.what, event.episode_uuid) == (
        clinician,
        "export",
        "PDF report",
        episode.uuid,
    )


@pytest.mark.parametrize("typed", ["$\\frac{$", "$x$ and $y$", "cost $5 or $6"])
def test_patient_text_is_printed_as_typed_never_parsed_as_math(typed):
    row = ["Day 1", "14 Jan 19:30", "day 1", 3, "63 %", "", "", "", typed]
    content_of_report = content(rows=[row], notes=[typed])
    content_of_report["title"] = f"Pain diary after SI joint injection: {typed}"

    text = pdf_text(exports.report_pdf(**content_of_report))

    assert text.count(typed) >= 2  # the title and the note, as typed (the cell may be cut)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_note_that_looks_like_math_still_gives_a_report(clinician_client, patient):
    episode = diary(patient, 9)
    episode.ratings.filter(day=1).update(note="$\\frac{$")
    patient.first_name = "$x$"
    patient.save()  # a name shown on the report: its cache entry moves

    response = clinician_client.get(url(episode))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "$\\frac{$" in text
    assert "Pain diary after SI joint injection: $x$ Test" in text
