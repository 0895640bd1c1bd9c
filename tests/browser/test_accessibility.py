"""Dark mode passes axe too; the pain scale is one labelled group of radios.

Every patient page in light mode is checked with axe in test_phone_pages.py.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    blocking_violations,
    provocation_episode,
    readable,
    shoot,
    sign_in,
)
from tests.browser.patient_pages import PAGES


@pytest.mark.parametrize(
    "name", ["today-provocation-due", "today-red-flag", "rate-daily-fever-ticked", "history"]
)
def test_patient_page_in_dark_mode_has_no_serious_accessibility_violation(
    dark_phone_page, patient, name
):
    PAGES[name](dark_phone_page, patient)
    expect(dark_phone_page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    shoot(dark_phone_page, f"phone-dark-{name}")

    violations = blocking_violations(dark_phone_page)

    assert not violations, f"axe on {name} in dark mode:\n{readable(violations)}"


def test_pain_buttons_are_one_radio_group_with_a_visible_legend(phone_page, patient):
    episode = provocation_episode(patient)
    sign_in(phone_page, patient.username)
    phone_page.goto(f"/diary/{episode.uuid}/rate/provocation/")

    group = phone_page.get_by_role("group", name="Your pain right now")
    expect(group.locator("legend")).to_be_visible()
    expect(group.get_by_role("radio")).to_have_count(11)
    names = set(group.get_by_role("radio").evaluate_all("radios => radios.map(r => r.name)"))
    assert names == {"pain"}
    expect(group.get_by_role("radio", name="No pain")).to_have_value("0")
    expect(group.get_by_role("radio", name="Worst pain imaginable")).to_have_value("10")
