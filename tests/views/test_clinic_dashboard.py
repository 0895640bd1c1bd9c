"""The clinic's dashboard: every episode, those that need attention first."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.urls import reverse

from diary.models import PROVOCATION_SLOT, AuditEvent, Episode, Kind, Rating, Role
from tests.factories import change, daily, make_episode, make_user, timed

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # London is on UTC until 29 March
DASHBOARD = reverse("clinic:dashboard")

# A dashboard cached while nothing it shows has changed: the session, the user, the clinic's
# version and the audit entry. (The staff idle timeout writes the session at most once a
# minute: the tests warm up first.)
CACHED_QUERIES = 4
# Read afresh after a change: besides, the count (an index), the first page's episodes with
# a red flag, late in a running diary, the others (each from an index), and the rows shown.
FRESH_QUERIES = 9


def text(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def names(response):
    """The patients of the table's rows, top to bottom."""
    return re.findall(r'<th scope="row"[^>]*>\s*<a[^>]*>([^<]+)</a>', response.text)


def rows(response):
    body = response.text.split("<tbody>")[1].split("</tbody>")[0]
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def diary(patient, ago, *, baseline=8, provocation=2, daily_pain=4, days=None, **fields):
    """An episode injected `ago` before NOW, every rating so far recorded, none missed."""
    episode = make_episode(patient, injected_at=NOW - ago, baseline=baseline, **fields)
    for minutes in [25, *(hour * 60 for hour in range(1, 7))]:
        if episode.injected_at + timedelta(minutes=minutes) <= NOW:
            timed(episode, minutes, provocation)
    for day in range(1, (episode.diary_days if days is None else days) + 1):
        if episode.injected_at + timedelta(days=day) <= NOW:
            daily(episode, day, daily_pain, hours=0)
    return episode


def patient_named(name, clinic):
    return make_user(name, Role.PATIENT, clinic)


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def red_flag_diary(patient):
    episode = diary(patient, timedelta(days=30))
    change(episode.ratings.filter(day=2), fever_redness=True)
    return episode


@pytest.fixture
def clinic_episodes(clinic):
    """Six episodes: three that need attention, three that do not."""
    return {
        "quiet": diary(patient_named("ann", clinic), timedelta(days=20)),
        "red_flag": red_flag_diary(patient_named("rita", clinic)),
        "going_well": diary(patient_named("gus", clinic), timedelta(days=2, hours=2)),
        "no_baseline": make_episode(
            patient_named("nora", clinic), injected_at=NOW - timedelta(minutes=40), baseline=None
        ),
        "overdue": diary(patient_named("otto", clinic), timedelta(days=5), days=1),
        "upcoming": make_episode(
            patient_named("una", clinic), injected_at=NOW + timedelta(days=3), baseline=None
        ),
    }


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["patient", "admin_user"])
def test_it_is_not_there_for_anyone_but_clinicians(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(DASHBOARD).status_code == 404


def test_it_is_where_a_clinician_lands_after_signing_in(signed_in):
    response = signed_in.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


@time_machine.travel(NOW, tick=False)
def test_it_lists_only_the_clinics_own_episodes(client, clinic_episodes, other_clinician):
    stranger = make_user("stan", Role.PATIENT, other_clinician.clinic)
    diary(stranger, timedelta(days=1))
    client.force_login(other_clinician)

    response = client.get(DASHBOARD)

    assert names(response) == ["Stan Test"]
    assert str(clinic_episodes["quiet"].uuid) not in response.text


@time_machine.travel(NOW, tick=False)
def test_it_puts_episodes_that_need_attention_first_then_the_newest(signed_in, clinic_episodes):
    response = signed_in.get(DASHBOARD)

    assert names(response) == [
        "Nora Test",  # no baseline, injected 40 minutes ago
        "Otto Test",  # ratings overdue, 5 days ago
        "Rita Test",  # fever or redness reported, 30 days ago
        "Una Test",  # booked in 3 days
        "Gus Test",  # 2 days ago, everything recorded so far
        "Ann Test",  # 20 days ago, complete
    ]
    assert response.text.count("Needs attention</span>") == 3


@time_machine.travel(NOW, tick=False)
def test_it_shows_status_result_steroid_flags_and_completeness(signed_in, clinic_episodes):
    by_name = {row.split(" ")[0]: row for row in rows(signed_in.get(DASHBOARD))}

    assert by_name["Ann"] == (
        "Ann Test 18 Feb 2026, 12:00 Right Therapeutic Complete ✔ Positive (75 %) "
        "Responder from day 1 none 15/15"
    )
    assert by_name["Rita"].endswith(
        "Complete ✔ Positive (75 %) Responder from day 1 ⚠ Fever, redness or drainage reported "
        "15/15"
    )
    assert by_name["Otto"].endswith(
        "In progress ✔ Positive (75 %) Responder from day 1 2 ratings missed 1 rating overdue 9/15"
    )
    assert by_name["Nora"].endswith(
        "In progress ○ Incomplete Pending No baseline 1 rating overdue 0/15"
    )
    assert by_name["Una"].endswith("Upcoming ○ Not injected yet Pending none 0/15")


@time_machine.travel(NOW, tick=False)
def test_it_flags_pain_medicine_before_the_test_without_asking_for_attention(signed_in, clinic):
    episode = diary(patient_named("mo", clinic), timedelta(days=20))
    change(episode.ratings.filter(slot=PROVOCATION_SLOT), analgesic=True)

    (row,) = rows(signed_in.get(DASHBOARD))

    assert "◐ Indeterminate (75 %)" in row
    assert "Pain medicine before the test" in row
    assert "Needs attention" not in row


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_diagnostic_blocks_steroid_response_as_not_applicable(signed_in, clinic):
    diary(patient_named("dee", clinic), timedelta(days=20), block_type="diagnostic", steroid="")

    (row,) = rows(signed_in.get(DASHBOARD))

    assert "Diagnostic Complete ✔ Positive (75 %) Not applicable" in row


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=upcoming", ["Una Test"]),
        ("status=in_progress", ["Nora Test", "Otto Test", "Gus Test"]),
        ("status=complete", ["Rita Test", "Ann Test"]),
        ("result=positive", ["Otto Test", "Rita Test", "Gus Test", "Ann Test"]),
        ("result=incomplete", ["Nora Test", "Una Test"]),
        ("result=negative", []),
        ("status=complete&result=positive", ["Rita Test", "Ann Test"]),
        ("q=rit", ["Rita Test"]),
        ("q=RITA+test", ["Rita Test"]),
        ("q=otto", ["Otto Test"]),
        ("q=nobody", []),
        ("attention=needs_attention", ["Nora Test", "Otto Test", "Rita Test"]),
        ("attention=red_flag", ["Rita Test"]),
        ("attention=needs_attention&status=in_progress", ["Nora Test", "Otto Test"]),
        (
            "status=bogus",
            ["Nora Test", "Otto Test", "Rita Test", "Una Test", "Gus Test", "Ann Test"],
        ),
    ],
)
def test_it_filters_by_status_result_attention_and_patient(
    signed_in, clinic_episodes, query, expected
):
    response = signed_in.get(f"{DASHBOARD}?{query}")

    assert response.status_code == 200
    assert names(response) == expected


@time_machine.travel(NOW, tick=False)
def test_it_searches_by_user_name(signed_in, clinic):
    patient = make_user(
        "jdoe42",
        Role.PATIENT,
        clinic,
    )
    patient.first_name, patient.last_name = "Jane", "Doe"
    patient.save()
    diary(patient, timedelta(days=3))

    assert names(signed_in.get(f"{DASHBOARD}?q=jdoe")) == ["Jane Doe"]


@time_machine.travel(NOW, tick=False)
def test_it_counts_a_fourteen_day_diary_in_progress_two_weeks_on(signed_in, clinic):
    patient = patient_named("liz", clinic)
    diary(patient, timedelta(days=15), diary_days=14, days=12)

    assert names(signed_in.get(f"{DASHBOARD}?status=in_progress")) == ["Liz Test"]
    assert names(signed_in.get(f"{DASHBOARD}?status=complete")) == []


@time_machine.travel(NOW, tick=False)
def test_it_says_when_no_episode_matches(signed_in, clinic_episodes):
    response = signed_in.get(f"{DASHBOARD}?q=nobody")

    assert "No episode matches." in response.text


@time_machine.travel(NOW, tick=False)
def test_it_shows_25_episodes_a_page_and_keeps_the_filters_on_the_next(signed_in, clinic):
    patient = patient_named("pam", clinic)
    for number in range(30):
        make_episode(patient, injected_at=NOW + timedelta(days=number + 1))

    first = signed_in.get(f"{DASHBOARD}?status=upcoming")
    second = signed_in.get(f"{DASHBOARD}?status=upcoming&page=2")

    assert len(names(first)) == 25
    assert len(names(second)) == 5
    assert 'href="?status=upcoming&amp;page=2"' in first.text
    assert "30 episodes match · page 1 of 2" in text(first.text)
    # Newest first: the latest booking leads page 1, the earliest ends page 2.
    assert rows(first)[0].startswith("Pam Test 9 Apr 2026")
    assert rows(second)[-1].startswith("Pam Test 11 Mar 2026")


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_last_page_for_a_page_number_too_high(signed_in, clinic_episodes):
    response = signed_in.get(f"{DASHBOARD}?page=99")

    assert response.status_code == 200
    assert len(names(response)) == 6


@time_machine.travel(NOW, tick=False)
def test_it_links_each_episode_and_the_clinics_csv(signed_in, clinic_episodes):
    response = signed_in.get(DASHBOARD)

    assert f'href="{clinic_episodes["quiet"].get_absolute_url()}"' in response.text
    assert f'href="{reverse("clinic:export")}"' in response.text


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("episodes", [2, 12])
def test_it_runs_the_same_number_of_queries_however_many_episodes(
    signed_in, clinic, django_assert_num_queries, episodes
):
    for number in range(episodes):
        patient = patient_named(f"p{number}", clinic)
        diary(patient, timedelta(days=number * 2 + 1))
    red_flag_diary(patient_named("rita", clinic))
    diary(patient_named("ann", clinic), timedelta(days=40))  # long complete
    signed_in.get(DASHBOARD)  # the session's idle deadline moves; the page is cached

    with django_assert_num_queries(CACHED_QUERIES):
        signed_in.get(DASHBOARD)
    clinic.save()  # a change: the clinic's dashboard has a new version
    with django_assert_num_queries(FRESH_QUERIES):
        response = signed_in.get(DASHBOARD)
    with django_assert_num_queries(FRESH_QUERIES):
        signed_in.get(f"{DASHBOARD}?result=positive&q=test&status=complete&page=2")

    assert len(names(response)) == episodes + 2


def query_plan(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " / ".join(row[-1] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return " / ".join(row[0] for row in cursor.fetchall())


# What SQLite's ANALYZE says of a clinic of 30,000 episodes (seed_load's, with 1,825 red flags):
# rows in the index, then rows per distinct value of its first column, first two, and so on.
STATISTICS_AT_30000 = {
    "diary_episode_clinic_id_85c25be3": "30000 30000",
    "episode_clinic_complete": "30000 30000 2",
    "episode_clinic_late": "28175 28175 2 2 1 1",
    "episode_clinic_red_flag": "1825 1825 1 1",
    "episode_clinic_starts": "30000 30000 1 1",
    "episode_patient_starts": "30000 1 1",
    "sqlite_autoindex_diary_episode_1": "30000 1",
}


def fresh_read_plans(client, clinic):
    """Each query of a dashboard read afresh over the episodes, with its plan."""
    clinic.save()  # a change: the clinic's dashboard has a new version
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert client.get(DASHBOARD).status_code == 200
    return {
        sql: query_plan(sql, params)
        for sql, params in captured
        if sql.startswith("SELECT") and 'FROM "diary_episode"' in sql
    }


def as_if_analyzed_at_30000():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'diary_episode'")
        for index, stat in STATISTICS_AT_30000.items():
            cursor.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('diary_episode', %s, %s)",
                [index, stat],
            )
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again


@time_machine.travel(NOW, tick=False)
def test_no_query_of_a_fresh_read_walks_the_whole_clinic_in_date_order(
    signed_in, clinic, clinic_episodes
):
    # Walking the (clinic, starts_at) index is how the newest come first: fine for a page of
    # 25, but a query without a LIMIT that does it reads every episode the clinic ever had
    # (7 ms at 30,000 on SQLite where the index on running diaries reads some 100 rows).
    signed_in.get(DASHBOARD)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as a big table would have it
            cursor.execute("SET LOCAL enable_seqscan = off")
        readings = [fresh_read_plans(signed_in, clinic)]
    else:
        # SQLite's plans as painlog leaves it (no statistics), and as the benchmark's are.
        readings = [fresh_read_plans(signed_in, clinic)]
        as_if_analyzed_at_30000()
        readings.append(fresh_read_plans(signed_in, clinic))

    for plans in readings:
        assert len(plans) >= 5  # the count, three lists, the rows
        for sql, plan in plans.items():
            # An ORDER BY without a LIMIT walks (or sorts) every episode of the clinic.
            assert "LIMIT" in sql or "ORDER BY" not in sql, sql
            assert "SCAN diary_episode" not in plan and "Seq Scan on diary_episode" not in plan
            # SQLite's choice of index is settled by its statistics (none, or those above);
            # PostgreSQL's, on a table of a few rows, by costs too close to tell apart.
            if connection.vendor == "sqlite" and "episode_clinic_starts" in plan:
                assert "LIMIT" in sql, f"{sql}\n{plan}"


def test_it_writes_the_visit_to_the_audit_log(signed_in, clinician):
    signed_in.get(DASHBOARD)

    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.what) == (clinician, "view", "dashboard")


@time_machine.travel(NOW, tick=False)
def test_it_pages_on_from_recent_episodes_into_older_ones_newest_first(signed_in, clinic):
    for number in range(20):  # recent: in the last 10 days
        diary(patient_named(f"new{number:02d}", clinic), timedelta(hours=12 * number + 1))
    for number in range(20):  # long complete: 30 to 49 days ago
        diary(patient_named(f"old{number:02d}", clinic), timedelta(days=30 + number))

    first = names(signed_in.get(DASHBOARD))
    second = names(signed_in.get(f"{DASHBOARD}?page=2"))

    assert len(first) == 25 and len(second) == 15
    assert first[20:] == [f"Old{number:02d} Test" for number in range(5)]
    assert second == [f"Old{number:02d} Test" for number in range(5, 20)]


@time_machine.travel(NOW, tick=False)
def test_a_finished_diary_with_gaps_does_not_ask_for_attention(signed_in, clinic):
    diary(patient_named("gap", clinic), timedelta(days=12), days=2)  # complete, days 3–7 missed
    diary(patient_named("now", clinic), timedelta(days=1, hours=2))  # in progress, all recorded

    response = signed_in.get(DASHBOARD)

    assert names(response) == ["Now Test", "Gap Test"]
    assert "Needs attention</span>" not in response.text
    assert "5 ratings missed" in response.text  # the gaps are still shown


def shown_count(client):
    """The number of episodes the dashboard says the clinic has."""
    found = re.search(r"(\d+) episodes?", text(client.get(DASHBOARD).text))
    return int(found[1])


def bulk_delete(admin, changelist, objects):
    """The admin's "Delete selected" action, confirmed."""
    data = {
        "action": "delete_selected",
        "post": "yes",
        ACTION_CHECKBOX_NAME: [o.pk for o in objects],
    }
    assert admin.post(reverse(changelist), data).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_the_count_follows_every_way_an_episode_joins_or_leaves_the_clinic(
    signed_in, clinic, other_clinic, clinic_episodes, admin_user
):
    staff_elsewhere = make_user("elsewhere", Role.CLINICIAN, other_clinic)
    elsewhere = Client()
    elsewhere.force_login(staff_elsewhere)
    admin = Client()
    admin.force_login(admin_user)
    assert (shown_count(signed_in), shown_count(elsewhere)) == (6, 0)

    Rating.objects.create(episode=clinic_episodes["overdue"], kind=Kind.DAILY, day=2, pain=3)
    assert shown_count(signed_in) == 6  # a rating: read afresh, the count as it was

    make_episode(patient_named("bea", clinic))  # booked
    assert shown_count(signed_in) == 7
    clinic_episodes["upcoming"].delete()
    assert shown_count(signed_in) == 6
    moved = Episode.objects.get(pk=clinic_episodes["quiet"].pk)  # as the admin loads it
    moved.clinic = other_clinic
    moved.save()
    assert (shown_count(signed_in), shown_count(elsewhere)) == (5, 1)
    clinic_episodes["going_well"].patient.delete()  # erased with their diary
    assert shown_count(signed_in) == 4
    bulk_delete(admin, "admin:diary_episode_changelist", [clinic_episodes["overdue"]])
    assert shown_count(signed_in) == 3
    bulk_delete(admin, "admin:diary_user_changelist", [clinic_episodes["no_baseline"].patient])
    assert shown_count(signed_in) == 2
    assert shown_count(elsewhere) == 1
