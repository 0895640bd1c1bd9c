"""Times painlog's key pages against bare views, in one process and one run.

Ratios to a bare view (the same machine, the same moment) hold on any machine, so the budgets
are ratios: a page that reads against a bare view that only checks the session
(`bench/session/`), a page that writes against a bare view that commits one row in one
durable transaction (`bench/write/`, the floor of a write that survives a crash). Both live
in the benchmark's own URLconf (tools/bench_urls.py), never in painlog's.

It builds its own throw-away database (Django's test database for the configured engine), so
it never touches real data. Each page is timed alternately with its bare view (bare, page,
bare, page …), so a machine that speeds up or slows down during the run moves both alike.
Queries are counted on one more request of each, outside the timing.

A "fresh" page is read right after a change made as painlog makes it (an episode saved: its
stored reading, its `updated_at` and its clinic's version move), so no cache can help.
"""

import gc
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone

from diary.dashboard import Dashboard
from diary.forms import DashboardFilter
from diary.models import Episode, Role, User
from tools.seeding import DiaryFactory

BARE, BARE_WRITE = "bare", "bare_write"

# Ratio budgets: the page's median over its bare view's median, in the same run.
BUDGETS = {
    "today": 3.0,
    "dashboard": 3.0,
    "episode": 3.0,
    "compare": 3.0,
    "today_fresh": 6.0,
    "compare_fresh": 6.0,
    "dashboard_fresh": 6.0,
    "episode_fresh": 6.0,
    "rating_post": 2.5,
    "baseline_post": 2.5,
    "chart_cached": 1.5,
}
WRITES = {"rating_post", "baseline_post"}  # measured against the bare write
EXPECTED_STATUS = {"rating_post": 302, "baseline_post": 302, "chart_304": 304}
GROWTH_BUDGET = 1.5  # a page's ratio at the large size over the small size
# Pages of a second or more (the CSV grows with the clinic) are timed fewer times.
SLOW_PAGES = {"report_pdf": 10, "clinic_csv": 3}
# The CSV grows with the clinic by nature: its budget is constant memory
# (tests/views/test_clinic_exports.py).
GROWING = {"clinic_csv"}


@dataclass
class Result:
    page: str
    size: int
    median_ms: float
    p95_ms: float
    queries: int
    status: int
    ratio: float = 0.0


def run(stdout, *, small, large, repeat):
    """Measure at `small` and `large` episodes; write the table to `stdout`; return the
    broken budgets (empty when all hold)."""
    with throwaway_database(), plain_static_files():
        results = measure_sizes(stdout, small, large, repeat)
    stdout.write(
        f"{connection.vendor}, debug {'on' if settings.DEBUG else 'off'}, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, {repeat} timed "
        f"requests a page ({SLOW_PAGES['report_pdf']} for the PDF, "
        f"{SLOW_PAGES['clinic_csv']} for the CSV), each after a bare one\n"
    )
    return report(stdout, results, small, large)


@contextmanager
def plain_static_files():
    """Static files from the finders (no collectstatic) and no HTTPS redirect, with the
    benchmark's own URLconf."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        STORAGES=storages, SECURE_SSL_REDIRECT=False, ROOT_URLCONF="tools.bench_urls"
    ):
        yield


def measure_sizes(stdout, small, large, repeat):
    factory = DiaryFactory(seed=7)
    clinic, clinician = factory.clinic("Benchmark clinic")
    bench = Bench(clinic, clinician)
    results = []
    for size in (small, large):
        factory.add_patients(clinic, clinician, size - clinic.episodes.count())
        settle()
        stdout.write(f"Measuring with {size} episodes in the clinic …\n")
        results += measure_all(bench, size, repeat)
    return results


def measure_all(bench, size, repeat):
    results, bare_times = [], {BARE: [], BARE_WRITE: []}
    for page, (client, method, url, options, setup) in bench.pages().items():
        bare = BARE_WRITE if page in WRITES else BARE
        times = min(repeat, SLOW_PAGES.get(page, repeat))
        result, bare_durations = measure(
            bench, page, size, bare, client, method, url, setup, times, options
        )
        results.append(result)
        bare_times[bare] += bare_durations
    for bare in (BARE, BARE_WRITE):
        bench.request(bare)  # the staff session's idle deadline moves here, not when counted
        counted = count(bench.staff, *bench.bare_request(bare))
        result = summarize(bare, size, bare_times[bare], *counted)
        result.ratio = 1.0
        results.insert(0 if bare == BARE else 1, result)
    return results


def measure(bench, page, size, bare, client, method, url, setup, times, options):
    """Time `page` `times` times, each right after a bare request; two warm-ups first."""
    durations, bare_durations = [], []
    gc.collect()
    for attempt in range(times + 2):
        bare_ms = bench.request(bare)
        if setup:
            setup()
        target = url() if callable(url) else url
        elapsed = timed(client, method, target, options)
        if attempt >= 2:
            durations.append(elapsed)
            bare_durations.append(bare_ms)
    if setup:
        setup()
    target = url() if callable(url) else url
    bench.request(BARE)  # the staff session's idle deadline moves here, not when counted
    result = summarize(page, size, durations, *count(client, method, target, options))
    result.ratio = result.median_ms / statistics.median(bare_durations)
    return result, bare_durations


def count(client, method, target, options):
    """The queries of one request, and its status."""
    with CaptureQueriesContext(connection) as captured:
        response = send(client, method, target, options)
    return len(captured), response.status_code


def send(client, method, target, options):
    response = getattr(client, method)(target, **options)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    return response


def timed(client, method, target, options):
    """Milliseconds for one request, its streamed body read to the end."""
    started = time.perf_counter()
    send(client, method, target, options)
    return (time.perf_counter() - started) * 1000


def summarize(page, size, durations, queries, status):
    durations = sorted(durations)
    p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
    return Result(page, size, statistics.median(durations), p95, queries, status)


def verdicts(result, before):
    """What is wrong with `result` (and, at the large size, its growth from `before`)."""
    found = []
    budget = BUDGETS.get(result.page)
    if budget and result.ratio > budget:
        found.append(f"over {budget}x")
    expected = EXPECTED_STATUS.get(result.page, 200 if result.page != BARE_WRITE else 204)
    if result.page == BARE:
        expected = 204
    if result.status != expected:
        found.append(f"HTTP {result.status}")
    if before is not None and result.page not in GROWING:
        grown = result.ratio / before.ratio
        if grown > GROWTH_BUDGET:
            found.append(f"grew {grown:.2f}x")
        if result.queries > before.queries:
            found.append("queries grew")
    return found


def report(stdout, results, small, large):
    by_key = {(result.page, result.size): result for result in results}
    header = (
        f"{'page':<16} {'episodes':>8} {'median ms':>10} {'p95 ms':>8} {'against':>10} "
        f"{'ratio':>6} {'budget':>6} {'queries':>7} {'ratio growth':>12} {'query growth':>12}"
        "  status"
    )
    stdout.write(header + "\n" + "-" * len(header) + "\n")
    failures = []
    for result in results:
        before = by_key[(result.page, small)] if result.size == large else None
        found = verdicts(result, before)
        failures += [f"{result.page} at {result.size}: {verdict}" for verdict in found]
        against = (
            "-"
            if result.page in (BARE, BARE_WRITE)
            else (BARE_WRITE if result.page in WRITES else BARE)
        )
        budget = BUDGETS.get(result.page)
        growth = f"{result.ratio / before.ratio:.2f}x" if before else ""
        query_growth = f"{result.queries - before.queries:+d}" if before else ""
        stdout.write(
            f"{result.page:<16} {result.size:>8} {result.median_ms:>10.2f} "
            f"{result.p95_ms:>8.2f} {against:>10} {result.ratio:>6.2f} "
            f"{(f'{budget}x' if budget else '-'):>6} {result.queries:>7} {growth:>12} "
            f"{query_growth:>12}  {'FAIL: ' + ', '.join(found) if found else 'ok'}\n"
        )
    return failures


def settle():
    """Do now what the database would do in the background after a bulk load, so that it
    does not land in the middle of the timings: on PostgreSQL autovacuum's VACUUM of the new
    rows and the checkpoint their WAL calls for; on SQLite, the WAL's checkpoint (which the
    commit that crosses its size otherwise does inline)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
            try:
                cursor.execute("CHECKPOINT")  # superuser or pg_checkpoint only
            except DatabaseError:
                pass
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Bench:
    """The people and episodes the measured pages are about."""

    def __init__(self, clinic, clinician):
        now = timezone.now()
        self.clinic = clinic
        self.staff = client_for(clinician)
        patient = User.objects.create(username="bench-patient", role=Role.PATIENT, clinic=clinic)
        self.patient = patient
        self.patient_client = client_for(patient)
        # The episode read by the clinician's pages: a full week's diary.
        self.episode = make_episode(clinic, clinician, patient, now - timedelta(days=8))
        for minutes, pain in [(24, 1), (65, 1), (125, 2), (185, 2), (245, 3), (305, 5), (365, 6)]:
            self.episode.ratings.create(
                kind="timed",
                slot=0 if minutes < 60 else minutes // 60,
                felt_at=self.episode.injected_at + timedelta(minutes=minutes),
                pain=pain,
            )
        for day in range(1, 8):
            self.episode.ratings.create(kind="daily", day=day, pain=max(0, 9 - day))
        # Today's episode: injected 25 minutes ago, the provocation test is due.
        self.today_episode = make_episode(clinic, clinician, patient, now - timedelta(minutes=25))
        # The POSTs go to fresh episodes of their own patient, one per request, in a clinic
        # of their own (the measured clinic keeps its size): injected 25 minutes ago for the
        # provocation test, booked for tomorrow for the baseline.
        other = type(clinic).objects.create(name="Benchmark clinic for POSTs")
        poster = User.objects.create(username="bench-poster", role=Role.PATIENT, clinic=other)
        self.poster = client_for(poster)
        self.rating_targets = episodes_of(poster, now - timedelta(minutes=25))
        self.baseline_targets = episodes_of(poster, now + timedelta(days=1), baseline=None)
        self.held = {}  # the chart's ETag, sent back with If-None-Match

    def bare_request(self, bare):
        if bare == BARE:
            return "get", reverse("bench_session"), {}
        return "post", reverse("bench_write"), {}

    def request(self, bare):
        """Time one bare request (the staff's session)."""
        return timed(self.staff, *self.bare_request(bare))

    def next_rating_url(self):
        return reverse("patient:rate", args=[next(self.rating_targets).uuid, "provocation"])

    def next_baseline_url(self):
        return reverse("patient:baseline", args=[next(self.baseline_targets).uuid])

    def messages_shown(self):
        """A browser follows each POST's redirect to Today, which shows the flash messages and
        empties their cookie; the test client does not, and its cookie would pile up messages
        that each later POST encodes again."""
        self.poster.cookies.pop(CookieStorage.cookie_name, None)

    def hold_chart(self):
        """The browser holds the chart as it is now: its next request sends the ETag."""
        chart = reverse("episodes:chart", args=[self.episode.uuid])
        self.held["If-None-Match"] = self.staff.get(chart)["ETag"]

    def change(self):
        """A change to the episodes the pages show, saved as painlog saves one."""
        self.episode.save()
        self.today_episode.save()

    def pages(self):
        """page: (client, method, URL or a function giving one, request options, set-up)."""
        uuid = self.episode.uuid
        chart = reverse("episodes:chart", args=[uuid])
        dashboard = reverse("clinic:dashboard")
        episode = reverse("clinic:episode", args=[uuid])
        today = reverse("patient:today")
        compare = reverse("clinic:compare", args=[self.patient.public_id])
        # As a browser sends a form without files (the test client's default is multipart,
        # which Django parses at several times the cost).
        form = {"content_type": "application/x-www-form-urlencoded"}
        return {
            "today": (self.patient_client, "get", today, {}, None),
            "today_fresh": (self.patient_client, "get", today, {}, self.change),
            "dashboard": (self.staff, "get", dashboard, {}, None),
            "dashboard_fresh": (self.staff, "get", dashboard, {}, self.change),
            "episode": (self.staff, "get", episode, {}, None),
            "episode_fresh": (self.staff, "get", episode, {}, self.change),
            "compare": (self.staff, "get", compare, {}, None),
            "compare_fresh": (self.staff, "get", compare, {}, self.change),
            "rating_post": (
                self.poster,
                "post",
                self.next_rating_url,
                {"data": "pain=2&relief=70", **form},
                self.messages_shown,
            ),
            "baseline_post": (
                self.poster,
                "post",
                self.next_baseline_url,
                {"data": "provoking_activity=walking&baseline_pain=7", **form},
                self.messages_shown,
            ),
            "chart_first": (self.staff, "get", chart, {}, cache.clear),
            "chart_cached": (self.staff, "get", chart, {}, None),
            "chart_304": (self.staff, "get", chart, {"headers": self.held}, self.hold_chart),
            "report_pdf": (self.staff, "get", reverse("clinic:report", args=[uuid]), {}, None),
            "clinic_csv": (self.staff, "get", reverse("clinic:export"), {}, None),
        }


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def episodes_of(patient, injected_at, baseline=8, count=200):
    """`count` episodes of `patient` to POST to, one each."""
    return iter(
        [
            make_episode(patient.clinic, None, patient, injected_at, baseline=baseline)
            for _ in range(count)
        ]
    )


def make_episode(clinic, clinician, patient, injected_at, baseline=8):
    return Episode.objects.create(
        clinic=clinic,
        patient=patient,
        clinician=clinician,
        scheduled_at=injected_at,
        performed_at=injected_at if injected_at <= timezone.now() else None,
        side="right",
        block_type="therapeutic",
        anesthetic="bupivacaine",
        steroid="triamcinolone 40 mg",
        baseline_pain=baseline,
        provoking_activity="walking" if baseline is not None else "",
        diary_days=7,
    )


@contextmanager
def throwaway_database():
    """Django's test database for the configured engine, made and dropped around the block.

    SQLite's is a file in WAL mode, as in production (and so that gunicorn's workers can open
    it), not the test runner's database in memory.
    """
    setup_test_environment(debug=False)  # as in production, whatever manage.py chose
    with tempfile.TemporaryDirectory(prefix="painlog-benchmark-") as folder:
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(Path(folder) / "test.sqlite3")
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def print_plans(stdout, size):
    """The plan of each query a dashboard read afresh runs, as the view runs them, in a clinic
    of `size` episodes beside another as large: each should reach its rows through an index.
    (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite.)"""
    with throwaway_database():
        for seed in (7, 8):
            factory = DiaryFactory(seed=seed)
            clinic, clinician = factory.clinic(f"Plans clinic {seed}")
            factory.add_patients(clinic, clinician, size)
        settle()
        captured = []

        def capture(execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        episodes = Episode.objects.for_clinician(clinician)
        with connection.execute_wrapper(capture):
            for search in ({}, {"result": "positive"}):
                board = Dashboard(
                    DashboardFilter(search), episodes, timezone.now(), None, clinic.zone
                )
                list(board.page)
        explain = "EXPLAIN ANALYZE" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        stdout.write(f"Dashboard query plans, {connection.vendor}, {size} episodes a clinic:\n")
        with connection.cursor() as cursor:
            for sql, params in captured:
                stdout.write(f"--- {shortened(sql)}\n")
                cursor.execute(f"{explain} {sql}", params)
                for row in cursor.fetchall():
                    stdout.write(f"{row[0] if connection.vendor == 'postgresql' else row[-1]}\n")


def shortened(sql):
    """What a query reads and how, without its list of columns."""
    select, _, rest = sql.partition(" FROM ")
    columns = select.removeprefix("SELECT ").split(", ")
    shown = columns[0] if len(columns) == 1 else f"{columns[0]}, … ({len(columns)} columns)"
    return f"SELECT {shown} FROM {rest}"
