"""Every clinician page passes axe (nothing serious or critical) at 1280×800, and the
dashboard, the episode page and the compare page on a 360 px phone too. One sign-in walks
through all the pages: every finding is collected, so one run lists them all."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diary import tokens
from diary.models import BlockType, Role, User
from tests.browser.conftest import (
    blocking_violations,
    daily_episode,
    press,
    readable,
    scrolls_sideways,
    shoot,
    sign_in,
    upcoming_episode,
)
from tests.browser.patient_pages import daily_rating, provocation_rating
from tests.factories import make_episode, make_user


@pytest.fixture
def clinic_data(patient, clinician):
    """A patient with two blocks to compare, one waiting for a baseline, one just enrolled."""
    earlier = make_episode(
        patient,
        clinician,
        injected_at=timezone.now() - timedelta(days=60),
        block_type=BlockType.DIAGNOSTIC,
        steroid="",
    )
    provocation_rating(earlier, pain=1, relief=80)
    episode = daily_episode(patient, clinician)
    provocation_rating(episode, pain=2, relief=70)
    daily_rating(episode, 1, pain=3, relief=60, late=True, fever_redness=True)

    waiting = make_user("waiting", Role.PATIENT, patient.clinic)
    booked = upcoming_episode(waiting, clinician)

    enrolled = User.objects.create_patient(
        patient.clinic, "Maria", "Example", email="maria@example.invalid"
    )
    upcoming_episode(enrolled, clinician)
    tokens.issue(enrolled)
    return {"patient": patient, "episode": episode, "booked": booked, "enrolled": enrolled}


def address(path_of):
    """Opening the page at `path_of(data)`, which must answer 200."""

    def go(page, data):
        response = page.goto(path_of(data))
        assert response.ok, f"HTTP {response.status} at {page.url}"

    return go


def enroll_with_errors(page, data):
    page.goto("/clinic/enroll/")
    # Sent empty, as a browser without `required` would: the server's messages.
    page.locator("form[method=post]").last.evaluate("form => { form.noValidate = true; }")
    press(page.get_by_role("button", name="Enroll and book"))
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")


ENROLL = "Enroll a patient and book the injection"

# name → (how to get there from the data, the page's <h1>)
PAGES = {
    "dashboard": (address(lambda data: "/clinic/"), "Episodes"),
    "dashboard-filtered": (
        address(lambda data: "/clinic/?q=patient&status=in_progress"),
        "Episodes",
    ),
    "episode": (address(lambda data: data["episode"].get_absolute_url()), "Patient Test"),
    "compare": (
        address(lambda data: f"/clinic/patients/{data['patient'].public_id}/compare/"),
        "Patient Test: blocks compared",
    ),
    "enroll": (address(lambda data: "/clinic/enroll/"), ENROLL),
    "enroll-errors": (enroll_with_errors, ENROLL),
    "book": (
        address(lambda data: f"/clinic/patients/{data['patient'].public_id}/book/"),
        "Book an injection for Patient Test",
    ),
    "setup-link": (
        address(lambda data: f"/clinic/patients/{data['enrolled'].public_id}/setup/"),
        "Maria Example",
    ),
    "injection-time": (
        address(lambda data: f"/clinic/episodes/{data['episode'].uuid}/injection-time/"),
        "Actual injection time",
    ),
    "baseline": (
        address(lambda data: f"/clinic/episodes/{data['booked'].uuid}/baseline/"),
        "The patient's baseline",
    ),
    "password-change": (address(lambda data: "/accounts/password/"), "Change your password"),
}


def visit(page, name, data):
    go, heading = PAGES[name]
    go(page, data)
    main_heading = page.get_by_role("heading", level=1)
    expect(main_heading).to_have_text(heading)


def test_every_clinician_page_passes_axe_on_a_desktop(desktop_page, clinician, clinic_data):
    sign_in(desktop_page, clinician.username)
    found = {}
    for name in PAGES:
        visit(desktop_page, name, clinic_data)
        if name == "setup-link":
            expect(desktop_page.locator("svg.qr-code")).to_be_visible()
        if name == "dashboard-filtered":
            expect(desktop_page.locator("tbody tr")).to_have_count(1)  # the filter kept one
        shoot(desktop_page, f"desktop-clinic-{name}")
        if violations := blocking_violations(desktop_page):
            found[name] = f"{desktop_page.url}\n{readable(violations)}"
        assert not scrolls_sideways(desktop_page), f"{name} scrolls sideways at 1280 px"

    assert not found, "axe on the clinician's pages:\n" + "\n".join(
        f"{name}: {text}" for name, text in found.items()
    )


def test_dashboard_and_episode_pass_axe_on_a_phone(phone_page, clinician, clinic_data):
    sign_in(phone_page, clinician.username)
    found = {}
    for name in ["dashboard", "episode", "compare"]:
        visit(phone_page, name, clinic_data)
        shoot(phone_page, f"phone-clinic-{name}")
        if violations := blocking_violations(phone_page):
            found[name] = f"{phone_page.url}\n{readable(violations)}"
        assert not scrolls_sideways(phone_page), f"{name} scrolls sideways at 360 px"

    assert not found, "axe on a phone:\n" + "\n".join(
        f"{name}: {text}" for name, text in found.items()
    )


def test_two_blocks_fit_a_phone_without_scrolling(phone_page, clinician, clinic_data):
    sign_in(phone_page, clinician.username)
    visit(phone_page, "compare", clinic_data)

    table = phone_page.locator(".table-responsive").first
    widths = table.evaluate("box => [box.scrollWidth, box.clientWidth]")

    assert widths[0] <= widths[1], f"the table scrolls: {widths[0]} px in {widths[1]} px"
