"""Every URL the project defines, requested as everyone who might try it.

Objects of clinic 1 fill the URL parameters. Strangers get 404 (never 403) for objects they
may not know exist; anonymous visitors are sent to sign in; nobody ever gets a 500. A URL
pattern without an entry below fails `test_every_url_pattern_has_an_entry`.
"""

from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from diary import tokens
from diary.models import Role
from tests.factories import make_episode, make_user, rating_for

PERSONAS = ["anonymous", "owner", "other_patient", "clinician", "other_clinician", "admin"]
SIGN_IN = "sign-in"  # a redirect to the sign-in page

# Who gets what on GET, by URL name: persona -> expected status (SIGN_IN for the redirect).
OWN_EPISODE = {  # a patient's own episode page: nobody else may know it exists
    "anonymous": SIGN_IN,
    "owner": 200,
    "other_patient": 404,
    "clinician": 404,
    "other_clinician": 404,
    "admin": 404,
}
PATIENT_PAGE = {**OWN_EPISODE, "other_patient": 200}  # every patient has their own
CLINIC_EPISODE = {  # an episode or patient of clinic 1, for clinicians
    "anonymous": SIGN_IN,
    "owner": 404,
    "other_patient": 404,
    "clinician": 200,
    "other_clinician": 404,
    "admin": 404,
}
CLINIC_PAGE = {**CLINIC_EPISODE, "other_clinician": 200}  # every clinic has its own
SIGNED_IN = {persona: 200 for persona in PERSONAS} | {"anonymous": SIGN_IN}

MATRIX = {
    "home": {"anonymous": SIGN_IN, **{p: 302 for p in PERSONAS[1:]}},
    "login": {"anonymous": 200, **{p: 302 for p in PERSONAS[1:]}},
    "logout": {persona: 405 for persona in PERSONAS} | {"anonymous": SIGN_IN},  # POST only
    "setup": {persona: 302 for persona in PERSONAS},  # moves the token to the session
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "patient:today": PATIENT_PAGE,
    "patient:history": PATIENT_PAGE,
    "patient:export": PATIENT_PAGE,
    "patient:baseline": OWN_EPISODE,
    "patient:rate": OWN_EPISODE,
    "patient:correct": OWN_EPISODE,
    "patient:calendar": OWN_EPISODE,
    "patient:reminders": OWN_EPISODE,
    # POST only: a GET is refused before the episode is looked up, for any patient.
    "patient:calendar_link": {**OWN_EPISODE, "owner": 405, "other_patient": 405},
    # The token in the URL is the key: whoever holds it gets the feed, no session needed.
    "calendar_feed": {persona: 200 for persona in PERSONAS},
    "clinic:dashboard": CLINIC_PAGE,
    "clinic:export": CLINIC_PAGE,
    "clinic:enroll": CLINIC_PAGE,
    "clinic:episode": CLINIC_EPISODE,
    "clinic:report": CLINIC_EPISODE,
    "clinic:episode_csv": CLINIC_EPISODE,
    "clinic:compare": CLINIC_EPISODE,
    "clinic:book": CLINIC_EPISODE,
    "clinic:setup_link": CLINIC_EPISODE,
    # POST only: a GET is refused before the patient is looked up, for any clinician.
    "clinic:setup_link_email": {**CLINIC_EPISODE, "clinician": 405, "other_clinician": 405},
    "clinic:setup_link_new": {**CLINIC_EPISODE, "clinician": 405, "other_clinician": 405},
    "clinic:injection_time": CLINIC_EPISODE,
    "clinic:baseline": CLINIC_EPISODE,
    "episodes:chart": {**CLINIC_EPISODE, "owner": 200},
}

# Views that take a POST: for those entitled, a POST (even an empty one) answers with the
# form again (200) or a redirect (302). Every other view answers 405 to them.
ACCEPTS_POST = {
    "login",
    "logout",
    "setup",
    "password_change",
    "patient:baseline",
    "patient:rate",
    "patient:correct",
    "patient:reminders",
    "patient:calendar_link",
    "clinic:enroll",
    "clinic:book",
    "clinic:setup_link_email",
    "clinic:setup_link_new",
    "clinic:injection_time",
    "clinic:baseline",
}

# POST-only views refuse a GET before any lookup; to a POST, a stranger gets the 404.
POST_ONLY_STRANGERS = {
    ("patient:calendar_link", "other_patient"),
    ("clinic:setup_link_email", "other_clinician"),
    ("clinic:setup_link_new", "other_clinician"),
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's own admin: see test_only_admins_reach_the_admin
            yield from url_names(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


@pytest.fixture
def world(clinic, other_clinic, patient, other_patient, clinician, other_clinician, admin_user):
    now = timezone.now()
    episode = make_episode(patient, clinician, injected_at=now - timedelta(minutes=25))
    upcoming = make_episode(patient, clinician, injected_at=now + timedelta(days=1), baseline=None)
    # A rating the owner may still correct (hour-1; the provocation test stays open).
    rating_for(episode, "hour-1", 3)
    new_patient = make_user("newpatient", Role.PATIENT, clinic)
    personas = {
        "anonymous": None,
        "owner": patient,
        "other_patient": other_patient,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "admin": admin_user,
    }
    tokens.issue(new_patient)
    uidb64, token = tokens.link_path(new_patient).strip("/").split("/")[-2:]
    arguments = {
        "setup": [uidb64, token],
        "patient:baseline": [upcoming.uuid],
        "patient:rate": [episode.uuid, "provocation"],
        "patient:correct": [episode.uuid, "hour-1"],
        "clinic:baseline": [upcoming.uuid],
        "patient:calendar": [episode.uuid],
        "patient:reminders": [episode.uuid],
        "patient:calendar_link": [episode.uuid],
    }
    episode.new_calendar_token()
    arguments["calendar_feed"] = [episode.calendar_token]
    for name in [
        "clinic:compare",
        "clinic:book",
        "clinic:setup_link",
        "clinic:setup_link_email",
        "clinic:setup_link_new",
    ]:
        arguments[name] = [patient.public_id]
    for name in [
        "clinic:episode",
        "clinic:report",
        "clinic:episode_csv",
        "clinic:injection_time",
        "episodes:chart",
    ]:
        arguments[name] = [episode.uuid]
    return personas, arguments


def request_as(client, user, method, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return SIGN_IN
    return response.status_code


def outcomes(client, world, name, method):
    """(persona, URL, outcome) of `method` on the URL named `name`, for each persona."""
    personas, arguments = world
    url = reverse(name, args=arguments.get(name, []))
    for persona, user in personas.items():
        yield persona, url, outcome(request_as(client, user, method, url))


# Asked elsewhere, and why.
ELSEWHERE = {
    # An async view (django-health-check): asked over the live server by tests/test_health.py,
    # as a load balancer asks it; in-process, Playwright's event loop in the same worker would
    # refuse it.
    "health",
}


def test_every_url_pattern_has_an_entry():
    assert set(url_names()) == set(MATRIX) | ELSEWHERE


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_what_it_should(client, world, name):
    for persona, url, got in outcomes(client, world, name, "get"):
        assert got == MATRIX[name][persona], f"GET {url} as {persona}: {got}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_post_is_answered_without_leaking_or_failing(client, world, name):
    for persona, url, got in outcomes(client, world, name, "post"):
        expected_get = MATRIX[name][persona]
        if (name, persona) in POST_ONLY_STRANGERS:
            allowed = {404}
        elif expected_get in (404, SIGN_IN):
            # Strangers learn nothing: 404 (or 405, which says nothing of the object).
            allowed = {expected_get, 405} if expected_get == 404 else {SIGN_IN}
        elif name in ACCEPTS_POST:
            allowed = {200, 302, SIGN_IN} if name == "logout" else {200, 302}
        else:
            allowed = {405}
        assert got in allowed, f"POST {url} as {persona}: {got}, expected one of {allowed}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona, expected", [("anonymous", 302), ("owner", 302), ("clinician", 302), ("admin", 200)]
)
def test_only_admins_reach_the_admin(client, world, persona, expected):
    personas, _ = world
    response = request_as(client, personas[persona], "get", reverse("admin:index"))

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("admin:login"))
