"""A patient's blocks side by side, and whether relief lasted as the anesthetics predict."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from diary.models import AuditEvent, Role
from tests.factories import make_diary, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIRST = NOW - timedelta(days=40)
SECOND = NOW - timedelta(days=10)

# The session, the user, the patient, the audit entry, what names and dates the episodes;
# drawn afresh, the episodes with clinic and people, and their ratings besides; on the first
# look the staff idle timeout moves the session's expiry (a savepoint around an update).
CACHED_QUERIES = 5
QUERIES = 10


def text(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def block(patient, injected_at, anesthetic, timed, **fields):
    """A diagnostic block with baseline 8 and timed ratings {minutes: pain}."""
    return make_diary(
        patient,
        injected_at=injected_at,
        baseline=8,
        anesthetic=anesthetic,
        block_type="diagnostic",
        steroid="",
        timed_pain=timed,
        **fields,
    )


# Relief at or above 75 % for 1.0 h, and for 4.0 h.
SHORT_RELIEF = {25: 1, 60: 1, 120: 5}
LONG_RELIEF = {25: 1, 60: 1, 120: 1, 180: 2, 240: 2, 300: 6}


def url(patient):
    return reverse("clinic:compare", args=[patient.public_id])


def table_rows(response):
    body = response.text.split("compare-table")[1]
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_it_answers_404_for_a_clinician_instead_of_a_patient(clinician_client, clinician):
    assert clinician_client.get(url(clinician)).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_blocks_side_by_side_oldest_first(clinician_client, patient):
    block(patient, SECOND, "bupivacaine", LONG_RELIEF, side="left")
    block(patient, FIRST, "lidocaine", SHORT_RELIEF)

    rows = table_rows(clinician_client.get(url(patient)))

    assert rows == [
        "Measure 29 Jan 2026 28 Feb 2026",
        "Side Right Left",
        "Block Diagnostic Diagnostic",
        "Anesthetic Lidocaine Bupivacaine",
        "Steroid – –",
        "Baseline pain 8/10 8/10",
        "Relief at the provocation test 88 % at 25 min 88 % at 25 min",
        "Relief lasted (at the positive level) 1.0 h 4.0 h",
        "Peak relief, first hours 88 % 88 %",
        "Diagnostic result ✔ Positive ✔ Positive",
        "Steroid response Not applicable Not applicable",
        "Improvement from day – –",
    ]


@time_machine.travel(NOW, tick=False)
def test_it_calls_longer_relief_with_the_long_acting_agent_concordant(clinician_client, patient):
    block(patient, FIRST, "lidocaine", SHORT_RELIEF)
    block(patient, SECOND, "bupivacaine", LONG_RELIEF)

    page = text(clinician_client.get(url(patient)).text)

    assert (
        "Lidocaine on 29 Jan 2026: 1.0 h · Bupivacaine on 28 Feb 2026: 4.0 h: "
        "concordant: relief lasted longer with the long-acting agent"
    ) in page


@time_machine.travel(NOW, tick=False)
def test_it_calls_longer_relief_with_the_short_acting_agent_discordant(clinician_client, patient):
    block(patient, FIRST, "lidocaine", LONG_RELIEF)
    block(patient, SECOND, "bupivacaine", SHORT_RELIEF)

    page = text(clinician_client.get(url(patient)).text)

    assert "discordant: relief did not last longer with the long-acting agent" in page


@time_machine.travel(NOW, tick=False)
def test_it_does_not_compare_blocks_with_the_same_kind_of_agent(clinician_client, patient):
    block(patient, FIRST, "bupivacaine", SHORT_RELIEF)
    block(patient, SECOND, "ropivacaine", LONG_RELIEF)

    page = text(clinician_client.get(url(patient)).text)

    assert "concordant" not in page
    assert "no verdict: the same kind of agent twice is a repeat, not a comparison" in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("short", "long", "fields", "words"),
    [
        pytest.param(
            SHORT_RELIEF,
            LONG_RELIEF,
            {"side": "left"},
            "no verdict: the blocks are on different sides",
            id="different-sides",
        ),
        pytest.param(
            SHORT_RELIEF,
            {25: 1, 60: 1, 120: 1},
            {},
            "Bupivacaine on 28 Feb 2026: still running at 2.0 h: no verdict: relief with "
            "bupivacaine was still running at 2.0 h, its last rating",
            id="still-running",
        ),
        pytest.param(
            SHORT_RELIEF,
            {25: 7, 60: 7},
            {},
            "not confirmed: one block positive, the other negative",
            id="not-confirmed",
        ),
        pytest.param({25: 7}, {25: 8}, {}, "negative on both blocks", id="negative-on-both"),
    ],
)
def test_it_gives_the_verdict_of_section_4_or_says_why_there_is_none(
    clinician_client, patient, short, long, fields, words
):
    block(patient, FIRST, "lidocaine", short)
    block(patient, SECOND, "bupivacaine", long, **fields)

    page = text(clinician_client.get(url(patient)).text)

    assert words in page


@time_machine.travel(NOW, tick=False)
def test_it_never_calls_relief_still_running_0_hours(clinician_client, patient):
    block(patient, SECOND, "bupivacaine", {25: 1})

    rows = table_rows(clinician_client.get(url(patient)))

    assert "Relief lasted (at the positive level) still running at 0.4 h" in rows


@time_machine.travel(NOW, tick=False)
def test_it_shows_only_the_patients_own_episodes(clinician_client, patient, other_patient):
    block(patient, FIRST, "lidocaine", SHORT_RELIEF)
    theirs = block(other_patient, SECOND, "bupivacaine", LONG_RELIEF)

    response = clinician_client.get(url(patient))

    assert len(table_rows(response)[0].split("2026")) == 2  # one column
    assert str(theirs.uuid) not in response.text


def test_it_says_when_the_patient_has_no_episode(clinician_client, clinic):
    patient = make_user("newbie", Role.PATIENT, clinic)

    assert "No episodes for this patient yet." in clinician_client.get(url(patient)).text


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("episodes", [2, 12])
def test_it_runs_the_same_number_of_queries_however_many_blocks(
    clinician_client, patient, django_assert_num_queries, episodes
):
    for number in range(episodes):
        agent = "lidocaine" if number % 2 else "bupivacaine"
        block(patient, NOW - timedelta(days=20 * (number + 1)), agent, LONG_RELIEF)

    with django_assert_num_queries(QUERIES):
        response = clinician_client.get(url(patient))
    with django_assert_num_queries(CACHED_QUERIES):
        again = clinician_client.get(url(patient))
    assert again.text.split("<main")[1] == response.text.split("<main")[1]  # from the cache

    assert response.status_code == 200


def test_it_writes_the_comparison_to_the_audit_log(clinician_client, clinician, patient):
    clinician_client.get(url(patient))

    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.what, event.patient_public_id) == (
        clinician,
        "view",
        "comparison",
        patient.public_id,
    )
