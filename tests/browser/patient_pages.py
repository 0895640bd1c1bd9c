"""The patient's pages, each in a state worth looking at, for the page-by-page checks.

Each entry builds its data for `patient` and leaves `page` on the page, signed in (except the
login page). Keys name the screenshots: phone-today-provocation-due.png, and so on.
"""

from datetime import timedelta

from django.utils import timezone

from tests.browser.conftest import (
    daily_episode,
    press,
    provocation_episode,
    sign_in,
    upcoming_episode,
)
from tests.factories import daily, make_episode, timed


def daily_rating(episode, day, *, pain=4, relief=40, **fields):
    """Day `day`'s rating, recorded by the patient just now."""
    values = {"recorded_by": episode.patient, "recorded_at": timezone.now(), **fields}
    return daily(episode, day, pain, relief=relief, **values)


def provocation_rating(episode, *, pain=2, relief=70, **fields):
    """The patient's provocation test, 24 minutes after the injection."""
    return timed(episode, 24, pain, relief=relief, recorded_by=episode.patient, **fields)


def signed_in_at(page, patient, path):
    sign_in(page, patient.username)
    page.goto(path)


def login(page, patient):
    page.goto("/accounts/login/")


def today_no_diary(page, patient):
    signed_in_at(page, patient, "/diary/")


def today_baseline_due(page, patient):
    upcoming_episode(patient)
    signed_in_at(page, patient, "/diary/")


def today_provocation_due(page, patient):
    provocation_episode(patient)
    signed_in_at(page, patient, "/diary/")


def today_daily_due(page, patient):
    episode = daily_episode(patient)
    provocation_rating(episode)
    signed_in_at(page, patient, "/diary/")


def today_red_flag(page, patient):
    episode = daily_episode(patient)
    daily_rating(episode, 1, fever_redness=True, site_soreness=True, late=True)
    signed_in_at(page, patient, "/diary/")


def today_complete(page, patient):
    episode = make_episode(patient, injected_at=timezone.now() - timedelta(days=20))
    for day in range(1, episode.diary_days + 1):
        daily_rating(episode, day, pain=max(0, 7 - day))
    signed_in_at(page, patient, "/diary/")


def baseline_form(page, patient):
    episode = upcoming_episode(patient)
    signed_in_at(page, patient, f"/diary/{episode.uuid}/baseline/")


def rate_provocation(page, patient):
    episode = provocation_episode(patient)
    signed_in_at(page, patient, f"/diary/{episode.uuid}/rate/provocation/")


def rate_daily_fever_ticked(page, patient):
    episode = daily_episode(patient)
    signed_in_at(page, patient, f"/diary/{episode.uuid}/rate/day-2/")
    press(page.get_by_label("Fever, redness or drainage at the injection site"))


def rate_with_errors(page, patient):
    """Saved with no pain chosen: the server's messages, as a browser without `required` shows."""
    episode = provocation_episode(patient)
    signed_in_at(page, patient, f"/diary/{episode.uuid}/rate/provocation/")
    page.locator("form[method=post]").last.evaluate("form => { form.noValidate = true; }")
    press(page.get_by_role("button", name="Save"))
    page.get_by_text("Nothing was saved yet").wait_for()


def reminders(page, patient):
    """With an e-mail address (the tick box can be switched) and a calendar link made."""
    patient.email = "patient@example.invalid"
    patient.save(update_fields=["email"])
    episode = provocation_episode(patient)
    episode.new_calendar_token()
    signed_in_at(page, patient, f"/diary/{episode.uuid}/reminders/")


def reminders_with_errors(page, patient):
    """Saved with no time: the server's message, as a browser without `required` shows."""
    episode = provocation_episode(patient)
    signed_in_at(page, patient, f"/diary/{episode.uuid}/reminders/")
    page.locator("#reminder-settings").evaluate("form => { form.noValidate = true; }")
    page.get_by_label("Time for your daily rating").fill("")
    press(page.get_by_role("button", name="Save my reminder settings"))
    page.get_by_text("Nothing was saved yet").wait_for()


def history(page, patient):
    episode = daily_episode(patient)
    provocation_rating(episode, note="Walked to the car without stopping.")
    daily_rating(episode, 1, analgesic=True, analgesic_name="paracetamol", numbness=True)
    signed_in_at(page, patient, "/diary/history/")


def password_change(page, patient):
    signed_in_at(page, patient, "/accounts/password/")


def password_change_done(page, patient):
    signed_in_at(page, patient, "/accounts/password/done/")


PAGES = {
    "login": login,
    "today-no-diary": today_no_diary,
    "today-baseline-due": today_baseline_due,
    "today-provocation-due": today_provocation_due,
    "today-daily-due": today_daily_due,
    "today-red-flag": today_red_flag,
    "today-complete": today_complete,
    "baseline": baseline_form,
    "rate-provocation": rate_provocation,
    "rate-daily-fever-ticked": rate_daily_fever_ticked,
    "rate-errors": rate_with_errors,
    "reminders": reminders,
    "reminders-errors": reminders_with_errors,
    "history": history,
    "password-change": password_change,
    "password-change-done": password_change_done,
}
