"""From Today, a patient on a phone opens the reminder settings, changes the time of the daily
rating and the e-mails with taps, then makes the private calendar link and finds it there."""

import re
from datetime import time

from playwright.sync_api import expect

from tests.browser.conftest import press, provocation_episode, scrolls_sideways, shoot, sign_in

SETTINGS_LINK = "Reminder time, e-mail and calendar link"


def test_patient_changes_the_reminders_and_makes_a_calendar_link(phone_page, patient):
    patient.email = "patient@example.invalid"
    patient.save(update_fields=["email"])
    episode = provocation_episode(patient)
    sign_in(phone_page, patient.username)
    reminders = re.compile(rf"/diary/{episode.uuid}/reminders/$")

    press(phone_page.get_by_role("link", name=SETTINGS_LINK))
    expect(phone_page).to_have_url(reminders)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Reminders")
    daily_time = phone_page.get_by_label("Time for your daily rating")
    expect(daily_time).to_have_value("19:00")
    e_mails = phone_page.get_by_label("E-mail me when a rating is due")
    expect(e_mails).to_be_checked()
    shoot(phone_page, "phone-reminders-flow")
    assert not scrolls_sideways(phone_page)

    daily_time.fill("08:30")
    press(e_mails)
    expect(e_mails).not_to_be_checked()
    press(phone_page.get_by_role("button", name="Save my reminder settings"))
    expect(phone_page.get_by_role("status")).to_contain_text("Your reminder settings are saved.")
    expect(phone_page.locator(".due-button")).to_contain_text("Provocation test")
    episode.refresh_from_db()
    patient.refresh_from_db()
    assert episode.daily_time == time(8, 30)
    assert patient.email_reminders is False

    press(phone_page.get_by_role("link", name=SETTINGS_LINK))
    expect(daily_time).to_have_value("08:30")
    press(phone_page.get_by_role("button", name="Make my calendar link"))
    expect(phone_page).to_have_url(reminders)
    expect(phone_page.get_by_role("status")).to_contain_text("Here is your calendar link.")
    episode.refresh_from_db()
    link = phone_page.get_by_label("Your private calendar link")
    expect(link).to_have_value(re.compile(rf"^http://.+/calendar/{episode.calendar_token}\.ics$"))
    expect(phone_page.get_by_role("button", name="Make a new link")).to_be_visible()
    shoot(phone_page, "phone-reminders-flow-link")
