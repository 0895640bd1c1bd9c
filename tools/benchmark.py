"""Times painlog's key pages against a bare signed-in view, in one process and one run.

Ratios to the bare view (the same machine, the same moment) hold on any machine, so the
budgets are ratios. It builds its own throw-away database (Django's test database for the
configured engine), so it never touches real data.

Each page is timed alternately with the bare view (bare, page, bare, page …), so a machine
that speeds up or slows down during the run moves both alike. Queries are counted on one more
request of each, outside the timing.

Output: one row per page and data size: median and p95 in ms, the ratio of the median to the
median of the bare requests timed alongside it, the SQL query count, and for the large size
the growth from the small size: of the median, of the ratio (the median's growth beyond the
bare view's, which is what the budget holds) and of the query count. Rows without a budget
are reported for what they tell: the dashboard and episode page read afresh after a change,
the first drawing of a chart, a chart answered 304, the PDF, the clinic's CSV. Exits 1 when
a budget is broken.

`--load` runs the load run instead (diary/loadrun.py): real gunicorn with two workers on the
same kind of throw-away database, patients recording ratings while clinicians read the
dashboard, then the bare view under the same concurrency. It prints the throughput of both and
exits 1 only when a request failed or a rating was lost or stored twice, never on a timing.
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
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone

from diary.models import Episode, Role, User
from diary.review import Dashboard, ReviewList
from tools import loadrun
from tools.seeding import DiaryFactory

# Ratio budgets: the page's median over the bare view's median, in the same run.
BUDGETS = {
    "today": 3.0,
    "rating_post": 3.0,
    "dashboard": 3.0,
    "episode": 3.0,
    "chart_cached": 1.5,
}
GROWTH_BUDGET = 1.5  # large size over small size, per page
# Pages of a second or more (the CSV grows with the clinic) are timed fewer times.
SLOW_PAGES = {"report_pdf": 10, "clinic_csv": 3}
# Pages whose time and queries must not grow with the clinic; the CSV grows with it by nature
# (its budget is constant memory, tests/views/test_clinic_exports.py).
GROWTH_CHECKED = {*BUDGETS, "dashboard_fresh", "episode_fresh", "chart_304", "report_pdf"}


@dataclass
class Result:
    page: str
    size: int
    median_ms: float
    p95_ms: float
    queries: int
    status: int
    ratio: float = 0.0


class Command(BaseCommand):
    help = "Time key pages against a bare signed-in view; exit 1 when a budget is broken."

    def add_arguments(self, parser):
        parser.add_argument("--small", type=int, default=100, help="episodes in the clinic")
        parser.add_argument("--large", type=int, default=10000, help="episodes in the clinic")
        parser.add_argument("--repeat", type=int, default=50, help="timed requests per page")
        parser.add_argument("--no-budgets", action="store_true", help="report only; always exit 0")
        parser.add_argument(
            "--load", action="store_true", help="run the load run against gunicorn instead"
        )
        parser.add_argument(
            "--plans",
            action="store_true",
            help="print the query plans of the dashboard's queries at --large episodes instead",
        )
        parser.add_argument("--load-clients", type=int, default=6, help="concurrent clients")
        parser.add_argument("--load-requests", type=int, default=300, help="requests per phase")

    def handle(self, *args, small, large, repeat, no_budgets, **options):
        if options["load"]:
            return run_load(self.stdout, small, options["load_clients"], options["load_requests"])
        if options["plans"]:
            return print_plans(self.stdout, large)
        if not 0 < small < large:
            raise CommandError("--small must be above 0 and below --large.")
        with (
            throwaway_database(),
            override_settings(
                STORAGES={
                    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                    "staticfiles": {
                        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                    },
                },
                SECURE_SSL_REDIRECT=False,
            ),
        ):
            results = self.run(small, large, repeat)
        self.stdout.write(
            f"{connection.vendor}, debug {'on' if settings.DEBUG else 'off'}, "
            f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, "
            f"{self.repeat} timed requests a page ({SLOW_PAGES['report_pdf']} for the PDF, "
            f"{SLOW_PAGES['clinic_csv']} for the CSV), each after a bare one"
        )
        failures = self.report(results, small, large)
        if failures and not no_budgets:
            raise CommandError(f"{len(failures)} budget(s) broken: " + "; ".join(failures))

    def run(self, small, large, repeat):
        self.repeat = repeat
        factory = DiaryFactory(seed=7)
        clinic, clinician = factory.clinic("Benchmark clinic")
        bench = Bench(clinic, clinician)
        results = []
        factory.add_patients(clinic, clinician, small - bench.own_episodes)
        settle()
        self.stdout.write(f"Measuring with {small} episodes in the clinic …")
        results += self.measure_all(bench, small)
        factory.add_patients(clinic, clinician, large - small)
        settle()
        self.stdout.write(f"Measuring with {large} episodes in the clinic …")
        results += self.measure_all(bench, large)
        return results

    def measure_all(self, bench, size):
        results, bare_durations = [], []
        for page, (client, method, url, kwargs, setup) in bench.pages().items():
            times = min(self.repeat, SLOW_PAGES.get(page, self.repeat))
            result, bare = self.measure(
                page, size, bench, client, method, url, setup=setup, times=times, **kwargs
            )
            results.append(result)
            bare_durations += bare
        timed(bench.staff, "get", bench.bare)  # the idle deadline moves here, not when counted
        bare = summarize("bare", size, bare_durations, *self.count(bench.staff, "get", bench.bare))
        bare.ratio = 1.0
        return [bare, *results]

    def measure(self, page, size, bench, client, method, url, setup, times, **kwargs):
        """Time `page` `times` times, each right after a bare request; two warm-ups first."""
        durations, bare_durations = [], []
        gc.collect()
        for attempt in range(times + 2):
            bare = timed(bench.staff, "get", bench.bare)
            target = url() if callable(url) else url
            if setup:
                setup()
            elapsed = timed(client, method, target, **kwargs)
            if attempt >= 2:
                durations.append(elapsed)
                bare_durations.append(bare)
        target = url() if callable(url) else url
        if setup:
            setup()
        timed(bench.staff, "get", bench.bare)  # the staff session's idle deadline moves here
        result = summarize(page, size, durations, *self.count(client, method, target, **kwargs))
        result.ratio = result.median_ms / statistics.median(bare_durations)
        return result, bare_durations

    def count(self, client, method, target, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(target, **kwargs)
            if response.streaming:
                for _chunk in response.streaming_content:
                    pass
        return len(captured), response.status_code

    def report(self, results, small, large):
        failures = []
        by_key = {(r.page, r.size): r for r in results}
        header = (
            f"{'page':<15} {'episodes':>8} {'median ms':>10} {'p95 ms':>8} {'ratio':>6} "
            f"{'budget':>6} {'queries':>7} {'time growth':>11} {'ratio growth':>12} "
            f"{'query growth':>12}  status"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for result in results:
            budget = BUDGETS.get(result.page)
            verdicts = []
            if budget and result.ratio > budget:
                verdicts.append(f"over {budget}x")
            growth = ratio_growth = query_growth = ""
            if result.size == large:
                before = by_key[(result.page, small)]
                growth = f"{result.median_ms / before.median_ms:.2f}x"
                grown = result.ratio / before.ratio
                ratio_growth = f"{grown:.2f}x"
                query_growth = f"{result.queries - before.queries:+d}"
                if result.page in GROWTH_CHECKED and grown > GROWTH_BUDGET:
                    verdicts.append(f"grew {grown:.2f}x")
                if result.page in GROWTH_CHECKED and result.queries > before.queries:
                    verdicts.append("queries grew")
            if result.status >= 400:
                verdicts.append(f"HTTP {result.status}")
            failures += [f"{result.page} at {result.size}: {verdict}" for verdict in verdicts]
            self.stdout.write(
                f"{result.page:<15} {result.size:>8} {result.median_ms:>10.2f} "
                f"{result.p95_ms:>8.2f} {result.ratio:>6.2f} "
                f"{(f'{budget}x' if budget else '-'):>6} {result.queries:>7} {growth:>11} "
                f"{ratio_growth:>12} {query_growth:>12}  "
                f"{'FAIL: ' + ', '.join(verdicts) if verdicts else 'ok'}"
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


def timed(client, method, target, **kwargs):
    """Milliseconds for one request, its streamed body read to the end."""
    started = time.perf_counter()
    response = getattr(client, method)(target, **kwargs)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    return (time.perf_counter() - started) * 1000


def summarize(page, size, durations, queries, status):
    durations = sorted(durations)
    p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
    return Result(page, size, statistics.median(durations), p95, queries, status)


class Bench:
    """The people and episodes the measured pages are about."""

    own_episodes = 2

    def __init__(self, clinic, clinician):
        now = timezone.now()
        self.clinic = clinic
        self.staff = self.client_for(clinician)
        patient = User.objects.create(username="bench-patient", role=Role.PATIENT, clinic=clinic)
        self.patient = self.client_for(patient)
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
        # The rating POSTs go to fresh episodes of their own patient, one per request.
        poster = User.objects.create(username="bench-poster", role=Role.PATIENT, clinic=clinic)
        self.poster = self.client_for(poster)
        self.post_targets = iter(
            [
                make_episode(clinic, clinician, poster, now - timedelta(minutes=25))
                for _ in range(400)
            ]
        )
        self.bare = reverse("session_check")
        self.held = {}  # the chart's ETag, sent back with If-None-Match

    def client_for(self, user):
        client = Client()
        client.force_login(user)
        return client

    def next_post_url(self):
        episode = next(self.post_targets)
        return reverse("patient:rate", args=[episode.uuid, "provocation"])

    def messages_shown(self):
        """A browser follows each POST's redirect to Today, which shows the flash messages and
        empties their cookie; the test client does not, and its cookie would pile up messages
        (two a POST) that each later POST encodes again."""
        self.poster.cookies.pop(CookieStorage.cookie_name, None)

    def hold_chart(self):
        """The browser holds the chart as it is now: its next request sends the ETag."""
        chart = reverse("episodes:chart", args=[self.episode.uuid])
        self.held["If-None-Match"] = self.staff.get(chart)["ETag"]

    def read_afresh(self):
        """A change to the episode, as the app saves one: its pages are read afresh."""
        self.episode.save()

    def pages(self):
        uuid = self.episode.uuid
        chart = reverse("episodes:chart", args=[uuid])
        dashboard = reverse("clinic:dashboard")
        episode = reverse("clinic:episode", args=[uuid])
        return {
            "today": (self.patient, "get", reverse("patient:today"), {}, None),
            "rating_post": (
                self.poster,
                "post",
                self.next_post_url,
                # As a browser sends a form without files (the test client's default is
                # multipart, which Django parses at several times the cost).
                {
                    "data": "pain=2&relief=70",
                    "content_type": "application/x-www-form-urlencoded",
                },
                self.messages_shown,
            ),
            "dashboard": (self.staff, "get", dashboard, {}, None),
            "dashboard_fresh": (self.staff, "get", dashboard, {}, self.read_afresh),
            "episode": (self.staff, "get", episode, {}, None),
            "episode_fresh": (self.staff, "get", episode, {}, self.read_afresh),
            "chart_first": (self.staff, "get", chart, {}, cache.clear),
            "chart_cached": (self.staff, "get", chart, {}, None),
            "chart_304": (self.staff, "get", chart, {"headers": self.held}, self.hold_chart),
            "report_pdf": (self.staff, "get", reverse("clinic:report", args=[uuid]), {}, None),
            "clinic_csv": (self.staff, "get", reverse("clinic:export"), {}, None),
        }


def make_episode(clinic, clinician, patient, injected_at):
    return Episode.objects.create(
        clinic=clinic,
        patient=patient,
        clinician=clinician,
        scheduled_at=injected_at,
        performed_at=injected_at,
        side="right",
        block_type="therapeutic",
        anesthetic="bupivacaine",
        steroid="triamcinolone 40 mg",
        baseline_pain=8,
        provoking_activity="walking",
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
    """EXPLAIN (ANALYZE on PostgreSQL) each query of a dashboard read afresh, as the view runs
    them, in a clinic of `size` episodes beside another as large: each should reach its rows
    through an index."""
    with throwaway_database():
        for seed in (7, 8):
            factory = DiaryFactory(seed=seed)
            clinic, clinician = factory.clinic(f"Plans clinic {seed}")
            factory.add_patients(clinic, clinician, size)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        now = timezone.now()
        episodes = Episode.objects.for_clinician(clinician)
        captured = []

        def capture(execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            for narrowed in (episodes, episodes.filter(result="positive")):
                reviews = ReviewList(narrowed, now)
                reviews.count()  # Paginator's
                reviews.valid_until(reviews[0 : Dashboard.PAGE_SIZE])
        explain = "EXPLAIN ANALYZE" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        stdout.write(f"Dashboard query plans, {connection.vendor}, {size} episodes a clinic:")
        with connection.cursor() as cursor:
            for sql, params in captured:
                stdout.write(f"--- {shortened(sql)}")
                cursor.execute(f"{explain} {sql}", params)
                for row in cursor.fetchall():
                    stdout.write(str(row[0] if connection.vendor == "postgresql" else row[-1]))


def shortened(sql):
    """What a query reads and how, without its list of columns."""
    select, _, rest = sql.partition(" FROM ")
    columns = select.removeprefix("SELECT ").split(", ")
    shown = columns[0] if len(columns) == 1 else f"{columns[0]}, … ({len(columns)} columns)"
    return f"SELECT {shown} FROM {rest}"


def run_load(stdout, background, clients, requests):
    """The load run on a throw-away database holding a clinic of `background` episodes."""
    if clients < 2 or requests < 3 * clients:
        raise CommandError("--load needs 2 clients or more, and 3 requests per client or more.")
    readers = 2 if clients >= 6 else 1
    with throwaway_database():
        factory = DiaryFactory(seed=7)
        clinic, clinician = factory.clinic("Load run clinic")
        factory.add_patients(clinic, clinician, background)
        stdout.write(
            f"Load run on {connection.vendor}, gunicorn with {loadrun.WORKERS} workers: "
            f"{clients - readers} patients recording ratings, {readers} reading the dashboard "
            f"of {background} episodes, then the bare view …"
        )
        result = loadrun.load_run(
            clinic, clinician, patients=clients - readers, readers=readers, requests=requests
        )
    for line in load_report(result):
        stdout.write(line)
    if not result.ok:
        raise CommandError(
            f"{len(result.problems)} problem(s) in the load run: " + "; ".join(result.problems[:10])
        )


def load_report(result):
    header = (
        f"{'phase':<6} {'clients':>7} {'requests':>8} {'errors':>6} {'seconds':>7} "
        f"{'requests/s':>10} {'ratio':>6} {'ratings saved/expected':>22} {'duplicated':>10}"
    )
    lines = [header, "-" * len(header)]
    for phase in (result.mixed, result.bare):
        mixed = phase is result.mixed
        ratings = f"{result.saved}/{result.expected}" if mixed else "-"
        lines.append(
            f"{phase.name:<6} {phase.clients:>7} {phase.requests:>8} {len(phase.failures):>6} "
            f"{phase.seconds:>7.2f} {phase.per_second:>10.1f} "
            f"{(result.ratio if mixed else 1.0):>6.2f} {ratings:>22} "
            f"{(len(result.duplicated) if mixed else '-'):>10}"
        )
    lines.append("")
    lines.append(f"{'request':<12} {'phase':<6} {'count':>5} {'median ms':>10} {'p95 ms':>8}")
    for phase in (result.mixed, result.bare):
        for label, seconds in sorted(phase.latencies.items()):
            ordered = sorted(seconds)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            lines.append(
                f"{label:<12} {phase.name:<6} {len(ordered):>5} "
                f"{statistics.median(ordered) * 1000:>10.1f} {p95 * 1000:>8.1f}"
            )
    lines.append(
        f"{len(result.doubles)} ratings sent twice at the same moment; {len(result.lost)} lost; "
        f"{len(result.server_errors)} error lines in gunicorn's log; whole run "
        f"{result.seconds:.1f} s (collectstatic and gunicorn's start included)."
    )
    return lines
