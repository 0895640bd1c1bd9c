"""A patient the clinic enrolled opens the set-up link on a phone, chooses a password with taps
and lands on Today; the same link opened again says it was used and to ask the clinic.

At normal text size and at 200 %: axe, 44 px tap targets and no sideways scroll on each page.
"""

import re

import pytest
from playwright.sync_api import expect

from diary import tokens
from diary.models import User
from tests.browser.conftest import (
    blocking_violations,
    press,
    readable,
    scrolls_sideways,
    shoot,
    upcoming_episode,
)
from tests.browser.test_phone_pages import small_targets

PASSWORD = "quiet-meadow-river-42"

# A button whose label does not fit in it (an <input type=submit> does not wrap by itself).
CLIPPED_BUTTONS = """
() => Array.from(document.querySelectorAll(".btn"))
  .filter((button) => button.scrollWidth > button.clientWidth + 1)
  .map((button) => button.outerHTML.slice(0, 120))
"""


def meets_the_phone_bar(page, name):
    shoot(page, name)
    violations = blocking_violations(page)
    assert not violations, f"axe on {name} ({page.url}):\n{readable(violations)}"
    assert not (found := small_targets(page, name)), found
    assert not scrolls_sideways(page), f"{name} scrolls sideways"
    assert not (clipped := page.evaluate(CLIPPED_BUTTONS)), f"cut-off labels on {name}: {clipped}"


@pytest.mark.parametrize(
    ("page_fixture", "size"), [("phone_page", "phone"), ("large_text_page", "phone-200pct")]
)
def test_patient_chooses_a_password_through_the_set_up_link(
    request, live_server, clinic, page_fixture, size
):
    # live_server named here, not only through the page fixture: pytest-django then gives the
    # test a transactional database the server's thread can write to.
    page = request.getfixturevalue(page_fixture)
    patient = User.objects.create_patient(clinic, "Maria", "Example")
    assert not patient.has_usable_password()
    upcoming_episode(patient)  # booked with the enrolment
    tokens.issue(patient)
    link = tokens.link_path(patient)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(page.locator(".setup-username")).to_contain_text(patient.username)
    # Django moves the token into the session: the address bar no longer shows it.
    assert link.rstrip("/").rsplit("/", 1)[-1] not in page.url
    meets_the_phone_bar(page, f"{size}-setup")

    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the same password again").fill(PASSWORD)
    press(page.get_by_role("button", name="Save my password"))

    expect(page).to_have_url(re.compile(r"/diary/$"))
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your password is saved.")
    expect(page.locator(".due-button")).to_contain_text("Your usual pain (before the injection)")
    meets_the_phone_bar(page, f"{size}-setup-today")
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    assert tokens.state(patient) == tokens.USED

    page.goto(link)
    expect(
        page.get_by_role("heading", name="This set-up link has already been used")
    ).to_be_visible()
    expect(page.get_by_text("Ask your clinic for a new set-up link.")).to_be_visible()
    meets_the_phone_bar(page, f"{size}-setup-used")
