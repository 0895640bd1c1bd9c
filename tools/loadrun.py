"""A bounded load run against real gunicorn: patients record ratings while clinicians read the
dashboard, then the bare signed-in view is timed under the same concurrency.

The test client runs every request in one process, one after another. Here two gunicorn
workers are separate processes with their own database connections, as in production, so
SQLite's single writer (WAL, immediate transactions) and the unique constraints on ratings meet
real concurrent writers. `manage.py benchmark --load` prints the figures; tests/test_load_run.py
asserts that nothing answered with success is lost or stored twice.

Every count is fixed and every request has a timeout, so a run is bounded. The server listens
on loopback only.
"""

import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary.models import Anesthetic, BlockType, Episode, Rating, Role, Side, User

HOST = "127.0.0.1"
WORKERS = 2
REQUEST_TIMEOUT = 10  # seconds; a dashboard under this load answers in well under one
WORKER_TIMEOUT = 30  # gunicorn restarts a worker stuck this long
PHASE_TIMEOUT = 120  # a phase's clients are given up on after this long
START_TIMEOUT = 60  # collectstatic and gunicorn's start (matplotlib's import) each
STOP_TIMEOUT = 10
# Every fourth rating of a patient is sent twice at the same moment: a double tap on Save.
DOUBLE_EVERY = 4
# Injection moments that leave different ratings open: the provocation test, hour 3, and days
# 1 (late) and 2. So both unique constraints, one per slot and one per day, meet concurrency.
INJECTED_AGO = (timedelta(minutes=25), timedelta(hours=3, minutes=20), timedelta(days=2))
# A rating is planned only when it stays open this long: a run must not outlive its windows.
OPEN_MARGIN = timedelta(minutes=10)
# As in the README's deployment recipe: only the Bootstrap files painlog uses.
STATIC_IGNORE = [
    "*.rtl.*",
    "*.esm.*",
    "bootstrap-grid*",
    "bootstrap-reboot*",
    "bootstrap-utilities*",
    "jquery*",
]
SERVER_TROUBLE = ("Traceback", "[ERROR]", "[CRITICAL]")
LISTENING = re.compile(rb"Listening at: http://127\.0\.0\.1:(\d+)")


@dataclass(frozen=True)
class PlannedRating:
    episode_id: int
    key: str  # the schedule's item key, as in the URL: "provocation", "hour-3", "day-2"
    url: str
    pain: int
    double: bool  # sent twice at the same moment

    @property
    def cost(self):
        """Requests it takes: the form's GET and the POST, or two POSTs for a double."""
        return 3 if self.double else 2


@dataclass
class Phase:
    """One timed phase: every client starts at the same moment; timed until the last ends.

    The client threads count their requests and failures here, under the lock.
    """

    name: str
    clients: int
    requests: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    # Seconds each request took, by what it asked for ("dashboard", "rating POST", …).
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def per_second(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, label, seconds, failure=None):
        with self.lock:
            self.requests += 1
            self.latencies[label].append(seconds)
            if failure:
                self.failures.append(failure)

    def fail(self, failure):
        with self.lock:
            self.failures.append(failure)


@dataclass
class LoadResult:
    """What the run did and what the database holds afterwards; `ok` unless anything failed."""

    mixed: Phase  # patients recording ratings while clinicians read the dashboard
    bare: Phase  # the bare signed-in view, same clients, same number of requests
    answered: dict  # (episode id, key) -> pain, for every rating answered with success
    doubles: set  # (episode id, key) of the ratings sent twice at once, both answered
    saved: int  # answered ratings stored exactly once, with the pain that was sent
    lost: list[str]
    duplicated: list[str]
    server_errors: list[str]  # gunicorn's log lines that say something went wrong
    seconds: float  # the whole run, from collectstatic to the server's stop

    @property
    def expected(self):
        return len(self.answered)

    @property
    def ratio(self):
        return self.mixed.per_second / self.bare.per_second if self.bare.per_second else 0.0

    @property
    def problems(self):
        return [
            *self.mixed.failures,
            *self.bare.failures,
            *(f"lost: {rating}" for rating in self.lost),
            *(f"duplicated: {rating}" for rating in self.duplicated),
            *(f"server: {line}" for line in self.server_errors),
        ]

    @property
    def ok(self):
        return not self.problems


def load_run(clinic, clinician, *, patients=4, readers=1, requests=60):
    """Run the load against gunicorn on this process's database, and check what it stored.

    `requests` is shared equally by the `patients` patient clients and the `readers` dashboard
    readers; the bare phase then sends as many from the same clients. The database must be
    one that another process can open (a SQLite file, or PostgreSQL), with its data committed.
    """
    started = time.perf_counter()
    share = requests // (patients + readers)
    if patients < 1 or readers < 1 or share < 3:
        raise ValueError("At least one patient, one reader and 3 requests per client.")
    plans = [plan_patient(clinic, clinician, number, share) for number in range(patients)]
    answered, doubles = {}, set()  # filled by the patient clients
    with gunicorn() as server:
        patient_browsers = [Browser(server.port, patient) for patient, _ in plans]
        reader_browsers = [Browser(server.port, clinician) for _ in range(readers)]
        mixed = run_phase(
            "mixed",
            [
                (patient_job, browser, ratings, answered, doubles)
                for browser, (_, ratings) in zip(patient_browsers, plans, strict=True)
            ]
            + [(reader_job, browser, share) for browser in reader_browsers],
        )
        # Each client sends the bare view as many requests as it sent in the mixed phase.
        sent = [sum(rating.cost for rating in ratings) for _, ratings in plans]
        bare = run_phase(
            "bare",
            [
                (bare_job, browser, count)
                for browser, count in zip(
                    patient_browsers + reader_browsers, sent + [share] * readers, strict=True
                )
            ],
        )
    episode_ids = {rating.episode_id for _, ratings in plans for rating in ratings}
    saved, lost, duplicated = check_ratings(answered, episode_ids)
    return LoadResult(
        mixed=mixed,
        bare=bare,
        answered=answered,
        doubles=doubles,
        saved=saved,
        lost=lost,
        duplicated=duplicated,
        server_errors=[
            line for line in server.log.splitlines() if any(s in line for s in SERVER_TROUBLE)
        ],
        seconds=time.perf_counter() - started,
    )


# The cast: patients with open ratings, made in this process before the server starts.


def plan_patient(clinic, clinician, number, budget):
    """A new patient with enough open ratings to spend `budget` requests."""
    patient = User.objects.create(
        username=f"loadrun-{clinic.pk}-patient-{number}",
        first_name="Load",
        last_name=f"Run {number}",
        role=Role.PATIENT,
        clinic=clinic,
        password=make_password(None),
    )
    now = timezone.now()
    planned, spent = [], 0
    # Each episode opens one or two ratings; `budget` episodes are always more than enough.
    for index in range(budget):
        episode = open_episode(patient, clinician, now - INJECTED_AGO[index % len(INJECTED_AGO)])
        for item in episode.schedule(now).due:
            if item.closes_at - now < OPEN_MARGIN:
                continue
            rating = PlannedRating(
                episode_id=episode.pk,
                key=item.key,
                url=reverse("patient:rate", args=[episode.uuid, item.key]),
                pain=(number + len(planned)) % 11,
                double=len(planned) % DOUBLE_EVERY == DOUBLE_EVERY - 1,
            )
            if spent + rating.cost > budget:
                return patient, planned
            planned.append(rating)
            spent += rating.cost
    return patient, planned


def open_episode(patient, clinician, injected_at):
    return Episode.objects.create(
        clinic=patient.clinic,
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
        diary_days=patient.clinic.diary_days,
        timed_ratings=True,
    )


# The clients: threads with their own cookies, speaking plain HTTP to the server.


class Browser:
    """Enough of a browser for painlog's forms: one person's cookies, and the Origin and
    Referer headers a browser sends with a POST (Django checks the Origin against the host).

    The session is made in this process (`force_login`); the server accepts it because it
    shares the database (or Redis) and the secret key.
    """

    def __init__(self, port, user):
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        client = Client()
        client.force_login(user)
        # coded_value: cookies go back exactly as the server wrote them, as browsers do.
        self.cookies = {name: morsel.coded_value for name, morsel in client.cookies.items()}
        self.lock = threading.Lock()

    def send(self, phase, label, method, path, expect, *, location=None, fields=None):
        """Send one request; count it in `phase`, with a failure unless it got `expect`.

        Returns the body as text when the answer is the expected one, else None.
        """
        headers = {"Cookie": self.cookie_header()}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        conversation = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            conversation.request(method, path, body=body, headers=headers)
            response = conversation.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            phase.count(label, time.perf_counter() - started, f"{method} {path}: {error!r}")
            return None
        finally:
            conversation.close()
        elapsed = time.perf_counter() - started
        self.keep_cookies(response.headers.get_all("Set-Cookie") or [])
        answer = f"{response.status} {response.headers.get('Location', '')}".strip()
        wanted = f"{expect} {location or ''}".strip()
        if answer != wanted:
            phase.count(label, elapsed, f"{method} {path}: {answer}, expected {wanted}")
            return None
        phase.count(label, elapsed)
        return content.decode("utf-8", errors="replace")

    def cookie_header(self):
        with self.lock:
            return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def keep_cookies(self, headers):
        with self.lock:
            for header in headers:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.coded_value


def patient_job(phase, browser, ratings, answered, doubles):
    today = reverse("patient:today")
    for rating in ratings:
        page = browser.send(phase, "rating form", "GET", rating.url, 200)
        if page is None:
            continue
        # What the patient leaves as it is (the CSRF token, "Neither" ticked for ice or heat)
        # goes back as a browser would send it; the two answers are the patient's.
        fields = form_defaults(page)
        if "csrfmiddlewaretoken" not in fields:
            phase.fail(f"GET {rating.url}: no CSRF token in the form")
            continue
        fields.update(pain=rating.pain, relief=100 - 10 * rating.pain)

        def save(url=rating.url, fields=fields):
            answer = browser.send(
                phase, "rating POST", "POST", url, 302, location=today, fields=fields
            )
            return answer is not None

        saved = both_at_once(save, save) if rating.double else [save()]
        if any(saved):
            answered[(rating.episode_id, rating.key)] = rating.pain
        if rating.double and all(saved):
            doubles.add((rating.episode_id, rating.key))


class FormDefaults(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "input" or not attrs.get("name"):
            return
        kind = attrs.get("type", "text")
        if kind == "hidden" or (kind in {"radio", "checkbox"} and "checked" in attrs):
            self.fields[attrs["name"]] = attrs.get("value", "on")


def form_defaults(page):
    """The fields a browser submits when nobody touches them: hidden ones and ticked boxes."""
    parser = FormDefaults()
    parser.feed(page)
    return parser.fields


def both_at_once(first, second):
    """Call both at the same moment, in two threads: a double tap. Returns both answers."""
    start = threading.Barrier(2, timeout=REQUEST_TIMEOUT)
    answers, errors = [False, False], []

    def call(index, function):
        try:
            start.wait()
            answers[index] = function()
        except Exception as error:  # raised again below, in the client's own thread
            errors.append(error)

    twin = threading.Thread(target=call, args=(1, second), daemon=True)
    twin.start()
    call(0, first)
    twin.join(REQUEST_TIMEOUT + 5)
    if errors:
        raise errors[0]
    return answers


def reader_job(phase, browser, count):
    dashboard = reverse("clinic:dashboard")
    for _ in range(count):
        browser.send(phase, "dashboard", "GET", dashboard, 200)


def bare_job(phase, browser, count):
    bare = reverse("session_check")
    for _ in range(count):
        browser.send(phase, "bare", "GET", bare, 204)


def run_phase(name, jobs):
    """Run each job (a function and its arguments) in its own thread, all released at once."""
    phase = Phase(name, len(jobs))
    start = threading.Barrier(len(jobs) + 1, timeout=START_TIMEOUT)

    def work(job, *args):
        try:
            start.wait()
            job(phase, *args)
        except Exception as error:  # a failure of the phase, not a crash of the run
            phase.fail(f"{job.__name__}: {error!r}")

    threads = [threading.Thread(target=work, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    deadline = started + PHASE_TIMEOUT
    for thread in threads:
        thread.join(max(0, deadline - time.perf_counter()))
    phase.seconds = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        phase.fail(f"{name}: clients still busy after {PHASE_TIMEOUT} s")
    return phase


def check_ratings(answered, episode_ids):
    """Count from the database: each rating answered with success stored once, as sent."""
    stored = defaultdict(list)
    for rating in Rating.objects.filter(episode_id__in=episode_ids):
        stored[(rating.episode_id, rating.slot_key)].append(rating.pain)
    lost = [
        f"episode {episode_id} {key}: stored {stored.get((episode_id, key), [])}, sent {pain}"
        for (episode_id, key), pain in sorted(answered.items())
        if pain not in stored.get((episode_id, key), [])
    ]
    duplicated = [
        f"episode {episode_id} {key}: stored {len(pains)} times"
        for (episode_id, key), pains in sorted(stored.items())
        if len(pains) > 1
    ]
    saved = sum(stored.get(key) == [pain] for key, pain in answered.items())
    return saved, lost, duplicated


# The server.


@dataclass
class Server:
    port: int = 0
    log: str = ""


@contextmanager
def gunicorn():
    """painlog under gunicorn with two workers on a free loopback port, on this process's
    database, with production settings: debug off, WhiteNoise's manifest of collected files.
    """
    with tempfile.TemporaryDirectory(prefix="painlog-loadrun-") as folder:
        environment = server_environment(Path(folder) / "static")
        collect_static(environment)
        log_path = Path(folder) / "gunicorn.log"
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
        "DJANGO_SETTINGS_MODULE": "painlog.settings",
        "DATABASE_URL": database_url(),
        # The same key: sessions made here with force_login are valid there.
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
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        conversation = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            conversation.request("GET", reverse("session_check"))
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
