"""The load run: painlog under real gunicorn (two workers), driven by locust.

First the mixed phase: patients sign in, open Today and record what is due, one rating in four
sent twice at the same moment (a double tap), while clinicians read the dashboard and
episodes. Then the bare phase: as many users ask the bare signed-in view (/bench/session/),
whose throughput the mixed phase's is compared with. The people are in tools/locustfile.py.

The test client runs every request in one process, one after another. Here two gunicorn
workers are separate processes with their own database connections, as in production, so
SQLite's single writer (WAL, immediate transactions) and the unique constraints on ratings meet
real concurrent writers. Afterwards the database is checked: each rating answered with success
is stored exactly once, with the pain that was sent, and nothing was stored that was not sent.

`manage.py benchmark --load` calls `run`, which makes its own throw-away database;
tests/test_load_run.py calls `load_run` on the test database. Timings are printed, never
judged. Every phase has a fixed length and every request a timeout, so a run is bounded; the
server listens on loopback only.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from diary import review
from diary.models import Anesthetic, BlockType, Episode, Rating, Role, Side, User
from tools.benchmark import throwaway_database
from tools.seeding import DiaryFactory, analyze

HOST = "127.0.0.1"
WORKERS = 2
SERVER_SETTINGS = "tools.load_settings"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
WORKER_TIMEOUT = 30  # gunicorn restarts a worker stuck this long
START_TIMEOUT = 60  # collectstatic, gunicorn's start (matplotlib's import), locust's start
STOP_TIMEOUT = 30  # locust lets each user finish its step; gunicorn its requests
CLINIC = "Load run clinic"
PATIENT_PREFIX = "load-run-patient-"
# Sign-in checks it with load_settings' MD5 hasher: the run measures pages, not PBKDF2.
PASSWORD = "load-run-not-a-secret"
# Patients seeded for each patient user and second of the run, and at most for each second.
# A patient's visit is about nine requests (sign-in, Today, a form and its POST per rating,
# sign-out). Measured here (2 cores): 4 patient users met about 0.9 patients each a second,
# 16 about 0.3, and together never more than about 4.5 a second. Three times and four times
# that: patients must not run out before the run ends (the report says if they did).
PATIENTS_PER_USER_SECOND = 3
PATIENTS_PER_SECOND = 20
# One user in five reads the dashboard; the others are patients.
USERS_PER_CLINICIAN = 5
# Injection moments that leave ratings open now: the provocation test (open until 60 minutes
# after the injection), hour 3, day 1, and day 1 (late) with day 2. So both unique
# constraints, one per slot and one per day, meet concurrency.
INJECTED_AGO = (
    timedelta(minutes=25),
    timedelta(hours=3, minutes=10),
    timedelta(days=1),
    timedelta(days=2),
)
# A moment is used only when what it leaves open stays open this long after the mixed phase's
# planned end (seeding, collectstatic and gunicorn's start come first): a rating that closes
# during the run would be refused while the patient holds its form.
OPEN_MARGIN = timedelta(minutes=10)
# As in the README's deployment recipe: only the Bootstrap files painlog uses.
STATIC_IGNORE = [
    "*.rtl.*",
    "*.esm.*",
    "bootstrap-grid*",
    "bootstrap-reboot*",
    "bootstrap-utilities*",
]
SERVER_TROUBLE = ("[ERROR]", "[CRITICAL]")
LISTENING = re.compile(rb"Listening at: http://127\.0\.0\.1:(\d+)")


@dataclass
class RequestStats:
    """One request name's figures in one phase, as locust counted them (milliseconds)."""

    name: str
    count: int
    failures: int
    median_ms: float
    p95_ms: float


@dataclass
class Phase:
    """One locust run against the server: its figures, as locust counted them."""

    name: str
    users: int
    seconds: int
    requests: int = 0
    per_second: float = 0.0
    requests_by_name: list[RequestStats] = field(default_factory=list)
    # Locust's failed requests and the users' exceptions, each with how often it happened.
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    locust_busy: bool = False  # locust's own CPU above 90 %: its timings include that wait


@dataclass
class RatingCheck:
    """What the database holds for the load patients, against what locust sent."""

    pool: int  # load patients seeded
    background: int  # the clinic's other episodes (DiaryFactory's)
    patients_seen: int  # of them, those who signed in
    posts: int  # rating POSTs sent
    answered: dict  # (episode uuid, item key) -> pains answered with success
    doubles: int  # ratings sent twice at the same moment, both POSTs answered with success
    saved: int  # answered ratings stored exactly once, with the pain that was sent
    lost: list[str]
    duplicated: list[str]
    unsent: list[str]  # stored ratings of the load patients that no POST sent

    @property
    def expected(self):
        return len(self.answered)


@dataclass
class LoadResult:
    """What the run did and what the database holds afterwards; `ok` unless anything failed."""

    mixed: Phase  # patients recording ratings while clinicians read the dashboard
    bare: Phase  # the bare signed-in view, as many users
    ratings: RatingCheck
    server_errors: list[str]  # what went wrong in gunicorn's log (`server_trouble`)
    seconds: float  # the whole run, seeding and the server's start and stop included

    @property
    def ratio(self):
        return self.mixed.per_second / self.bare.per_second if self.bare.per_second else 0.0

    @property
    def problems(self):
        return [
            *(f"{self.mixed.name}: {error}" for error in self.mixed.errors),
            *(f"{self.bare.name}: {error}" for error in self.bare.errors),
            *(f"lost: {rating}" for rating in self.ratings.lost),
            *(f"duplicated: {rating}" for rating in self.ratings.duplicated),
            *(f"stored, never sent: {rating}" for rating in self.ratings.unsent),
            *(
                f"server: {count} × {line}"
                for line, count in Counter(self.server_errors).most_common()
            ),
        ]

    @property
    def ok(self):
        return not self.problems


def run(stdout, *, background, users, seconds):
    """The load run on a throw-away database; writes the report to `stdout`. True when no
    request failed, no rating was lost or stored twice and gunicorn logged no error."""
    patients, clinicians = cast(users)
    with throwaway_database():
        stdout.write(
            f"Load run on {connection.vendor}, gunicorn with {WORKERS} workers: {patients} "
            f"patient users and {clinicians} clinicians for {seconds} s, in a clinic of "
            f"{background} episodes besides the load patients', then {users} users of the bare "
            f"view for {seconds} s …\n"
        )
        result = load_run(background=background, users=users, seconds=seconds)
    for line in report(result):
        stdout.write(line + "\n")
    return result.ok


def cast(users):
    """(patient users, clinicians) among `users`: at least one of each."""
    if users < 2:
        raise ValueError("The load run needs 2 users or more: a patient and a clinician.")
    clinicians = max(1, users // USERS_PER_CLINICIAN)
    return users - clinicians, clinicians


def load_run(*, background, users, seconds, bare_seconds=None):
    """Seed, run both phases against gunicorn on this process's database, and check what it
    stored. Each phase lasts `seconds` (the bare one `bare_seconds` if given).

    The database must be one another process can open (a SQLite file, or PostgreSQL), and
    nothing may hold it in a transaction: the seeding is committed here."""
    started = time.perf_counter()
    patient_users, clinicians = cast(users)
    pool = seconds * min(PATIENTS_PER_USER_SECOND * patient_users, PATIENTS_PER_SECOND)
    people = seed(background, pool, seconds)
    with tempfile.TemporaryDirectory(prefix="painlog-loadrun-") as folder:
        folder = Path(folder)
        people_file, results_file = folder / "people.json", folder / "results.jsonl"
        people_file.write_text(json.dumps(people))
        results_file.touch()
        environment = {
            **os.environ,
            "LOADRUN_PEOPLE": str(people_file),
            "LOADRUN_RESULTS": str(results_file),
            "LOADRUN_CLINICIANS": str(clinicians),
        }
        with gunicorn(folder) as server:
            run_locust = LocustRun(server.port, folder, environment)
            mixed = run_locust("mixed", users, seconds, ["PatientUser", "ClinicianUser"])
            bare = run_locust("bare", users, bare_seconds or seconds, ["BareUser"])
        posts = [json.loads(line) for line in results_file.read_text().splitlines()]
    return LoadResult(
        mixed=mixed,
        bare=bare,
        ratings=check_ratings(posts, people["patients"]),
        server_errors=server_trouble(server.log),
        seconds=time.perf_counter() - started,
    )


# The cast: a clinic, its clinician, and patients with ratings due, made before the server
# starts.


def seed(background, patients, seconds):
    """A clinic of `background` diaries (DiaryFactory), its clinician, `patients` load
    patients each with one episode whose ratings are due now and stay due for the run, and a
    user for the bare view. Returns their user names and password, for the locustfile."""
    now = timezone.now()
    password = make_password(PASSWORD, hasher=MD5PasswordHasher())
    with transaction.atomic():
        factory = DiaryFactory(seed=7, now=now)
        clinic, clinician = factory.clinic(CLINIC)
        factory.add_patients(clinic, clinician, background)
        User.objects.filter(pk=clinician.pk).update(password=password)
        bare = User.objects.create(
            username="load-run-bare", role=Role.PATIENT, clinic=clinic, password=password
        )
        injected_ago = open_moments(clinic, now, until=now + timedelta(seconds=seconds))
        usernames = [f"{PATIENT_PREFIX}{number}" for number in range(patients)]
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    first_name="Load",
                    last_name=f"Run {number}",
                    role=Role.PATIENT,
                    clinic=clinic,
                    password=password,
                )
                for number, username in enumerate(usernames)
            ]
        )
        episodes = [
            due_episode(clinic, now - injected_ago[number % len(injected_ago)], patient, clinician)
            for number, patient in enumerate(User.objects.filter(username__in=usernames))
        ]
        Episode.objects.bulk_create(episodes)
        # bulk_create sends no signal: store the readings as the app's saves would.
        review.store(Episode.objects.filter(pk__in=[episode.pk for episode in episodes]))
        analyze(Episode, Rating, User)
    return {
        "password": PASSWORD,
        "patients": usernames,
        "clinician": clinician.username,
        "bare": bare.username,
    }


def open_moments(clinic, now, until):
    """The moments of INJECTED_AGO whose due ratings all stay open past `until` (and the
    margin). Near midnight in the clinic, day 1 (late) closes soon: that moment is left out."""
    usable = [
        ago
        for ago in INJECTED_AGO
        if (due := due_episode(clinic, now - ago).schedule(now, ratings=False).due)
        and min(item.closes_at for item in due) > until + OPEN_MARGIN
    ]
    if not usable:
        raise ValueError("No injection moment leaves ratings open for a run this long.")
    return usable


def due_episode(clinic, injected_at, patient=None, clinician=None):
    return Episode(
        clinic=clinic,
        patient=patient,
        clinician=clinician,
        scheduled_at=injected_at,
        performed_at=injected_at,
        side=Side.RIGHT,
        block_type=BlockType.THERAPEUTIC,
        anesthetic=Anesthetic.BUPIVACAINE,
        steroid="triamcinolone 40 mg",
        baseline_pain=7,
        provoking_activity="walking",
        diary_days=7,
        timed_ratings=True,
    )


# Locust.


class LocustRun:
    """Runs locust headless against the server, one phase at a time, and reads its figures."""

    def __init__(self, port, folder, environment):
        self.port, self.folder, self.environment = port, folder, environment

    def __call__(self, name, users, seconds, user_classes):
        summary_path = self.folder / f"{name}-summary.json"
        log_path = self.folder / f"{name}-locust.log"
        command = [
            sys.executable,
            "-m",
            "locust",
            f"--locustfile={LOCUSTFILE}",
            "--headless",
            f"--users={users}",
            f"--spawn-rate={users}",  # all at once
            f"--run-time={seconds}s",
            f"--host=http://{HOST}:{self.port}",
            f"--stop-timeout={STOP_TIMEOUT}",
            "--only-summary",
            "--loglevel=WARNING",
            *user_classes,
        ]
        with log_path.open("wb") as log:
            # Locust exits 1 when a request failed: the summary says which, so that is not an
            # error here unless the summary is missing.
            subprocess.run(
                command,
                cwd=settings.BASE_DIR,
                env={**self.environment, "LOADRUN_SUMMARY": str(summary_path)},
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=seconds + STOP_TIMEOUT + START_TIMEOUT,
                check=False,
            )
        if not summary_path.exists():
            raise RuntimeError(f"locust did not run:\n{log_path.read_text(errors='replace')}")
        summary = json.loads(summary_path.read_text())
        return Phase(
            name=name,
            users=users,
            seconds=seconds,
            requests=summary["total"]["requests"],
            per_second=summary["total"]["per_second"],
            requests_by_name=[
                RequestStats(
                    name=figures["name"],
                    count=figures["requests"],
                    failures=figures["failures"],
                    median_ms=figures["median_ms"] or 0,
                    p95_ms=figures["p95_ms"] or 0,
                )
                for figures in sorted(summary["requests"], key=lambda figures: figures["name"])
            ],
            errors=[
                f"{failure['count']} × {failure['name']}: {failure['error']}"
                for failure in summary["failures"]
            ]
            + [
                f"{exception['count']} × exception: {exception['message']}"
                for exception in summary["exceptions"]
            ],
            error_count=sum(failure["count"] for failure in summary["failures"])
            + sum(exception["count"] for exception in summary["exceptions"]),
            locust_busy=summary["cpu_above_90"],
        )


# The check.


def check_ratings(posts, usernames):
    """Count from the database, for the load patients' episodes: each rating answered with
    success stored once, with the pain sent; nothing stored twice, nothing stored unsent.

    `posts`: the locustfile's results, a line for each POST before it was sent and another
    once it was answered with success.
    """
    sent, answered = defaultdict(set), defaultdict(set)
    answers = defaultdict(int)  # (episode, item) -> POSTs answered with success
    doubles = set()  # (episode, item) sent twice at the same moment
    for post in posts:
        key = (post["episode"], post["item"])
        if post["answered"]:
            answered[key].add(post["pain"])
            answers[key] += 1
            if post["double"]:
                doubles.add(key)
        else:
            sent[key].add(post["pain"])
    patients = User.objects.filter(username__in=usernames)
    episodes = Episode.objects.filter(patient__in=patients)
    uuid_of = {pk: str(uuid) for pk, uuid in episodes.values_list("pk", "uuid")}
    stored = defaultdict(list)
    for rating in Rating.objects.filter(episode__in=episodes):
        stored[(uuid_of[rating.episode_id], rating.slot_key)].append(rating.pain)
    lost = [
        f"episode {episode} {item}: stored {stored.get((episode, item), [])}, sent {pain}"
        for (episode, item), pains in sorted(answered.items())
        for pain in sorted(pains)
        if stored.get((episode, item)) != [pain]
    ]
    return RatingCheck(
        pool=len(usernames),
        background=Episode.objects.filter(clinic__name=CLINIC).exclude(pk__in=uuid_of).count(),
        patients_seen=patients.filter(last_login__isnull=False).count(),
        posts=sum(not post["answered"] for post in posts),
        answered=dict(answered),
        doubles=sum(answers[key] == 2 for key in doubles),
        saved=sum(stored.get(key) == list(pains) for key, pains in answered.items()),
        lost=lost,
        duplicated=[
            f"episode {episode} {item}: stored {len(pains)} times"
            for (episode, item), pains in sorted(stored.items())
            if len(pains) > 1
        ],
        unsent=[
            f"episode {episode} {item}: pain {pain}"
            for (episode, item), pains in sorted(stored.items())
            for pain in pains
            if pain not in sent.get((episode, item), set())
        ],
    )


def report(result):
    """The report's lines: both phases, the ratings' check, each request's latencies."""
    mixed, bare, ratings = result.mixed, result.bare, result.ratings
    header = f"{'phase':<6} {'users':>5} {'seconds':>7} {'requests':>8} {'errors':>6} {'req/s':>7}"
    lines = [header, "-" * len(header)]
    for phase in (mixed, bare):
        lines.append(
            f"{phase.name:<6} {phase.users:>5} {phase.seconds:>7} {phase.requests:>8} "
            f"{phase.error_count:>6} {phase.per_second:>7.1f}"
        )
    lines += [
        f"mixed/bare throughput: {result.ratio:.2f}",
        f"ratings saved/expected: {ratings.saved}/{ratings.expected}; "
        f"{len(ratings.duplicated)} duplicated; {len(ratings.lost)} lost; "
        f"{len(ratings.unsent)} stored but never sent ({ratings.posts} POSTs; "
        f"{ratings.doubles} ratings sent twice at once, both answered with success)",
        f"patients: {ratings.patients_seen} of the {ratings.pool} seeded signed in (the clinic: "
        f"{ratings.pool} load patients' episodes and {ratings.background} others)",
        "",
        f"{'request':<13} {'phase':<6} {'count':>6} {'errors':>6} {'median ms':>10} {'p95 ms':>8}",
    ]
    for phase in (mixed, bare):
        for stats in phase.requests_by_name:
            lines.append(
                f"{stats.name:<13} {phase.name:<6} {stats.count:>6} {stats.failures:>6} "
                f"{stats.median_ms:>10.0f} {stats.p95_ms:>8.0f}"
            )
    lines += [
        "",
        f"{len(result.server_errors)} errors in gunicorn's log; whole run "
        f"{result.seconds:.1f} s (seeding, collectstatic, gunicorn's and locust's starts "
        "included).",
    ]
    for phase in (mixed, bare):
        if phase.locust_busy:
            lines.append(
                f"Locust's own CPU use went above 90 % in the {phase.name} phase: its timings "
                "include waiting for the CPU it shares with gunicorn."
            )
    if ratings.patients_seen == ratings.pool:
        lines.append("The pool of patients ran out: the mixed phase ended with clinicians only.")
    problems = result.problems
    if problems:
        lines.append(f"FAILED, {len(problems)} problem(s):")
        lines += [f"  {problem}" for problem in problems[:20]]
    return lines


# The server.


def server_trouble(log):
    """What went wrong in gunicorn's log: its own errors, and each traceback as the line
    before it (Django's "Internal Server Error: /clinic/") and the exception it ends with."""
    lines = log.splitlines()
    found = []
    for index, line in enumerate(lines):
        if any(trouble in line for trouble in SERVER_TROUBLE):
            found.append(line)
        elif line.startswith("Traceback"):
            before = lines[index - 1] if index else ""
            rest = lines[index + 1 :]
            ending = next((later for later in rest if later and not later[0].isspace()), "")
            found.append(f"{before} {ending}".strip())
    return found


@dataclass
class Server:
    port: int = 0
    log: str = ""


@contextmanager
def gunicorn(folder):
    """painlog under gunicorn with two workers on a free loopback port, on this process's
    database, with production settings (tools/load_settings.py says what differs): debug off,
    the manifest of collected static files."""
    environment = server_environment(folder / "static")
    collect_static(environment)
    log_path = folder / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "painlog.wsgi:application",
                f"--workers={WORKERS}",
                # Port 0: the system picks a free port, read back from gunicorn's log.
                f"--bind={HOST}:0",
                "--preload",
                "--no-control-socket",
                f"--timeout={WORKER_TIMEOUT}",
                f"--graceful-timeout={STOP_TIMEOUT}",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server()
    try:
        server.port = wait_for_port(process, log_path)
        wait_until_answering(server.port, process, log_path)
        yield server
    finally:
        stop(process)
        server.log = log_path.read_text(errors="replace")
        wait_for_server_connections_to_close()


def server_environment(static_root):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SERVER_SETTINGS,
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "PAINLOG_STATIC_ROOT": str(static_root),
    }
    environment.pop("REDIS_URL", None)
    if settings.REDIS_URL:
        environment["REDIS_URL"] = settings.REDIS_URL
    return environment


def database_url():
    """DATABASE_URL for the server: the database this process uses now (the test database)."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.creation.is_in_memory_db(database["NAME"]):
            raise ImproperlyConfigured(
                "The load run needs SQLite in a file: gunicorn cannot open an in-memory database."
            )
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        host = quote(database["HOST"] or "localhost", safe="")
        port = database["PORT"] or 5432
        name = quote(database["NAME"], safe="")
        return f"postgres://{credentials}{'@' if credentials else ''}{host}:{port}/{name}"
    raise ImproperlyConfigured(f"No load run for the {connection.vendor} database.")


def collect_static(environment):
    """Production settings serve static files from WhiteNoise's manifest, made by collectstatic.

    Run as its own process with the server's environment, so the manifest is the one the
    server's settings expect, whatever this process's settings say.
    """
    ignore = [f"--ignore={pattern}" for pattern in STATIC_IGNORE]
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0", *ignore],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"collectstatic failed:\n{result.stderr}")


def wait_for_port(process, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = LISTENING.search(log_path.read_bytes())
        if found:
            return int(found[1])
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text(errors='replace')}")


def wait_until_answering(port, process, log_path):
    """Poll the bare view until a worker answers (signed out, it redirects to sign in)."""
    bare = reverse("bench_session", urlconf="tools.bench_urls")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        conversation = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            conversation.request("GET", bare)
            status = conversation.getresponse().status
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
            continue
        finally:
            conversation.close()
        if status < 500:
            return
        break
    raise RuntimeError(f"gunicorn does not answer:\n{log_path.read_text(errors='replace')}")


def stop(process):
    """Stop gunicorn: a graceful TERM first, KILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT + 5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_server_connections_to_close():
    """PostgreSQL refuses to drop a database that has sessions, and the stopped workers'
    sessions end a moment after the workers do: wait for them before the test database goes.
    """
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
