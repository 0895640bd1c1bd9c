"""The load run's people, for locust: tools/loadrun.py seeds them, starts gunicorn and runs
`locust -f tools/locustfile.py --headless …` against it.

PatientUser takes a patient from the seeded pool, signs in through the login page, opens
Today, records the rating due (the `due-button` link) and opens Today again, until nothing is
due; then it signs out and takes the next patient. One rating in four is sent twice at the
same moment, a double tap on Save: the app must store it once. ClinicianUser reads the
dashboard and opens an episode from it. BareUser asks the bare signed-in view only: the
throughput the pages are compared with.

Configured by environment variables (tools/loadrun.py sets them):

LOADRUN_PEOPLE      a JSON file: {"password", "patients": [user names], "clinician", "bare"}
LOADRUN_RESULTS     a JSON-lines file this appends to: each rating POST once before it is sent
                    ("answered": false) and once more if it is answered with success
LOADRUN_CLINICIANS  how many of the users are clinicians (the others are patients)
LOADRUN_SUMMARY     where locust's figures are written as JSON once every user has stopped

Plain HTTP, no Django: this runs in locust's process, as a browser would from outside.
"""

import functools
import json
import os
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

SIGN_IN = "/accounts/login/"
SIGN_OUT = "/accounts/logout/"
TODAY = "/diary/"
DASHBOARD = "/clinic/"
BARE = "/bench/session/"
RATING = re.compile(r"/diary/(?P<episode>[0-9a-f-]{36})/rate/(?P<item>[a-z0-9-]+)/")
EPISODE_PAGE = re.compile(r"/clinic/episodes/[0-9a-f-]{36}/")
DOUBLE_EVERY = 4  # every fourth rating a user sends is sent twice at the same moment
# Seconds a request may take: well above what one takes under this load, so a request that
# hangs fails the run instead of stalling it.
TIMEOUT = 30


@functools.cache
def people():
    return json.loads(Path(os.environ["LOADRUN_PEOPLE"]).read_text())


@functools.cache
def patient_pool():
    """One pool for all the patient users: locust runs them as greenlets of one process."""
    return iter(people()["patients"])


@functools.cache
def results():
    # Line-buffered: each line is on disk as it is written, even if locust is stopped.
    return open(os.environ["LOADRUN_RESULTS"], "a", buffering=1)


class Page(HTMLParser):
    """What a simulated browser reads in a page: its links and its form's inputs."""

    def __init__(self, html):
        super().__init__()
        self.links = []  # (href, classes)
        self.fields = {}  # what a browser submits when nobody touches the form
        self.inputs = set()  # the names of all the form's inputs
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], (attrs.get("class") or "").split()))
        if tag != "input" or not attrs.get("name"):
            return
        self.inputs.add(attrs["name"])
        kind = attrs.get("type", "text")
        if kind == "hidden" or (kind in {"radio", "checkbox"} and "checked" in attrs):
            self.fields[attrs["name"]] = attrs.get("value", "on")

    def link(self, css_class):
        return next((href for href, classes in self.links if css_class in classes), None)

    @property
    def csrf_token(self):
        return self.fields.get("csrfmiddlewaretoken")


class Person(HttpUser):
    """Someone with a browser: signs in through the login page, sends forms with their CSRF
    token and the Origin and Referer headers a browser sends, and follows no redirect by
    itself, so each answer is checked and timed on its own."""

    abstract = True
    wait_time = constant(0)  # the next step as soon as the last is answered

    def call(self, method, path, name, status, *, location=None, fields=None, page=None):
        """Send one request, counted under `name`; a failure unless it is answered with
        `status` (and a redirect to `location`). Returns the response, or None on a failure.

        `page`: the path of the page whose form is sent (its Referer)."""
        headers = {}
        if fields is not None:
            headers = {"Origin": self.host, "Referer": self.host + (page or path)}
        with self.client.request(
            method,
            path,
            name=name,
            data=fields,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            timeout=TIMEOUT,
        ) as response:
            answer = f"{response.status_code} {response.headers.get('Location') or ''}".strip()
            expected = f"{status} {location or ''}".strip()
            if answer != expected:
                response.failure(f"{method} {path}: {answer}, expected {expected}")
                return None
            return response

    def sign_in(self, username, next_page):
        """Sign in as a browser does when sent to the login page from `next_page`."""
        login = f"{SIGN_IN}?next={next_page}"
        form = self.call("GET", login, "sign-in form", 200)
        if form is None:
            return False
        fields = Page(form.text).fields
        fields.update(username=username, password=people()["password"])
        signed_in = self.call("POST", login, "sign in", 302, location=next_page, fields=fields)
        return signed_in is not None


class PatientUser(Person):
    """Patients from the pool, one after another, each recording what is due on Today.

    Each task is one step (sign in, one rating, sign out), so that locust's --stop-timeout
    ends the run between steps, never between a POST and its answer.
    """

    def on_start(self):
        self.patient = None
        self.today = None  # Today as last read: what is due, the sign-out form's token
        self.saved = set()  # this patient's ratings answered with success
        self.ratings = 0  # ratings this user has sent

    @task
    def next_step(self):
        if self.patient is None:
            self.start_next_patient()
        elif due := self.today.link("due-button"):
            self.rate(due)
        else:
            self.sign_out()

    def start_next_patient(self):
        self.client.cookies.clear()  # another patient, another phone
        self.patient = next(patient_pool(), None)
        if self.patient is None:
            raise StopUser  # the pool is empty
        self.saved = set()
        if not (self.sign_in(self.patient, TODAY) and self.open_today()):
            self.patient = None  # counted as failed; the next patient

    def open_today(self):
        today = self.call("GET", TODAY, "today", 200)
        self.today = Page(today.text) if today is not None else None
        return self.today is not None

    def rate(self, url):
        if url in self.saved:
            self.patient = None  # leave this patient, whose Today does not move on
            raise RuntimeError(f"{url} is due again after it was saved")
        rating = RATING.fullmatch(url)
        if rating is None:
            self.patient = None
            raise RuntimeError(f"Today's due link {url} is not a rating's")
        form = self.call("GET", url, "rating form", 200)
        if form is None:
            self.patient = None
            return
        page = Page(form.text)
        fields = page.fields
        pain = random.randint(0, 10)
        fields.update(pain=pain, relief=100 - 10 * pain)
        if "ice_heat" in page.inputs:  # the daily form's; a browser sends the choice ticked
            fields.setdefault("ice_heat", "none")
        self.ratings += 1
        times = 2 if self.ratings % DOUBLE_EVERY == 0 else 1
        rating = {**rating.groupdict(), "pain": pain, "double": times == 2}
        taps = [gevent.spawn(self.save, url, fields, rating) for _ in range(times)]
        gevent.joinall(taps)
        if any(tap.value for tap in taps):
            self.saved.add(url)
        if not self.open_today():
            self.patient = None

    def save(self, url, fields, rating):
        """POST the rating; True when answered with success (a redirect to Today).

        Written to the results before it is sent and again when answered: the run checks
        that what was answered is stored once, and that nothing was stored that was not sent.
        """
        write_result({**rating, "answered": False})
        answered = self.call("POST", url, "rating POST", 302, location=TODAY, fields=fields)
        if answered is not None:
            write_result({**rating, "answered": True})
        return answered is not None

    def sign_out(self):
        fields = {"csrfmiddlewaretoken": self.today.csrf_token}
        self.call("POST", SIGN_OUT, "sign out", 302, location=SIGN_IN, fields=fields, page=TODAY)
        self.patient = None


def write_result(line):
    results().write(json.dumps(line) + "\n")


class ClinicianUser(Person):
    """A clinician of the load clinic reading the dashboard and an episode from it."""

    fixed_count = int(os.environ.get("LOADRUN_CLINICIANS", "1"))

    def on_start(self):
        if not self.sign_in(people()["clinician"], DASHBOARD):
            raise StopUser

    @task
    def read(self):
        dashboard = self.call("GET", DASHBOARD, "dashboard", 200)
        if dashboard is None:
            return
        episodes = [href for href, _ in Page(dashboard.text).links if EPISODE_PAGE.fullmatch(href)]
        if episodes:
            self.call("GET", random.choice(episodes), "episode", 200)


class BareUser(Person):
    """The bare signed-in view (a 204: the session and the user read, nothing else)."""

    def on_start(self):
        if not self.sign_in(people()["bare"], BARE):
            raise StopUser

    @task
    def bare(self):
        self.call("GET", BARE, "bare", 204)


@events.test_stop.add_listener
def write_summary(environment, **kwargs):
    """Locust's figures once every user has stopped: each request name's count, failures,
    median and 95th percentile (ms), the failures and the users' exceptions. (Its --csv files
    are rewritten each second while it runs, and miss the last second and the users' last
    steps.)"""
    stats = environment.stats
    summary = {
        "total": figures(stats.total),
        "requests": [figures(entry) for entry in stats.entries.values()],
        "failures": [
            {"name": error.name, "error": str(error.error), "count": error.occurrences}
            for error in stats.errors.values()
        ],
        "exceptions": [
            {"message": exception["msg"], "count": exception["count"]}
            for exception in environment.runner.exceptions.values()
        ],
        # Locust warns when its own process is this busy: its timings then include waiting
        # for the CPU, not only for the server.
        "cpu_above_90": environment.runner.cpu_warning_emitted,
    }
    Path(os.environ["LOADRUN_SUMMARY"]).write_text(json.dumps(summary))


def figures(entry):
    return {
        "name": entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "median_ms": entry.median_response_time,
        "p95_ms": entry.get_response_time_percentile(0.95),
        "per_second": entry.total_rps,
    }
