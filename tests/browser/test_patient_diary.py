"""A patient keeps the diary on a phone with taps, at normal and at large text size."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from diary.models import Episode, Rating
from tests.browser.conftest import (
    daily_episode,
    provocation_episode,
    scrolls_sideways,
    shoot,
    sign_in,
    upcoming_episode,
)


def choice(page, question, answer):
    """The button of one answer in a question's row of buttons (the label over a hidden radio)."""
    group = page.get_by_role("group", name=question)
    return group.locator("label").filter(has_text=re.compile(rf"^{re.escape(answer)}(\s|$)"))


def looks(page, name):
    shoot(page, name)
    assert not scrolls_sideways(page), f"{name} scrolls sideways"


def record_a_diary(page, patient, size):
    """Baseline, then a daily rating, then the provocation test, with taps; then History.

    Today shows the episode in progress that was injected last, so each episode is created
    when its step begins: booked ahead (baseline due), two days in (day 1 late, day 2 open),
    then injected 25 minutes ago (the provocation test).
    """
    booked = upcoming_episode(patient)
    sign_in(page, patient.username)
    today = page.get_by_role("navigation").get_by_role("link", name="Today")

    # The usual pain, before the injection.
    due = page.locator(".due-button")
    expect(due).to_contain_text("Your usual pain (before the injection)")
    looks(page, f"{size}-today-baseline-due")
    due.tap()
    page.get_by_label("Which activity usually brings on your pain?").fill("walking")
    choice(page, "Your usual pain during that activity", "6").tap()
    looks(page, f"{size}-baseline")
    page.get_by_role("button", name="Save my usual pain").tap()
    expect(page.get_by_role("status")).to_contain_text("Your usual pain is saved.")
    expect(page.get_by_text("Nothing is due right now.")).to_be_visible()
    expect(page.locator(".next-due")).to_contain_text("Provocation test")
    looks(page, f"{size}-today-baseline-saved")

    # Two days after an injection: yesterday's rating is still open, and comes first.
    daily = daily_episode(patient)
    today.tap()
    expect(due).to_contain_text("Still open, from yesterday")
    expect(due).to_contain_text("Day 1")
    looks(page, f"{size}-today-daily-due")
    due.tap()
    expect(page.get_by_text("This is the rating for yesterday.")).to_be_visible()
    choice(page, "Your pain today", "4").tap()
    choice(page, "How much relief do you feel?", "30 %").tap()
    page.get_by_text("Soreness at the injection site").tap()
    page.get_by_role("group", name="Ice or heat").get_by_text("Ice", exact=True).tap()
    looks(page, f"{size}-rate-daily")
    page.get_by_role("button", name="Save", exact=True).tap()
    expect(page.get_by_role("status")).to_contain_text("Saved: Day 1, pain 4.")
    expect(due).to_contain_text("Day 2")
    looks(page, f"{size}-today-daily-saved")

    # Injected 25 minutes ago: the provocation test is due.
    injected = provocation_episode(patient)
    today.tap()
    expect(due).to_contain_text("Provocation test")
    looks(page, f"{size}-today-provocation-due")
    due.tap()
    expect(page.get_by_text("standing up")).to_be_visible()
    choice(page, "Your pain right now", "2").tap()
    choice(page, "How much relief do you feel?", "70 %").tap()
    looks(page, f"{size}-rate-provocation")
    shoot(page, f"{size}-rate-provocation-screen", whole_page=False)  # "Save" within reach
    page.get_by_role("button", name="Save", exact=True).tap()
    expect(page.get_by_role("status")).to_contain_text("Saved: Provocation test, pain 2.")
    hour_1 = timezone.localtime(injected.injected_at + timedelta(hours=1), patient.clinic.zone)
    next_due = page.locator(".next-due")
    expect(next_due).to_contain_text("Hour 1 after the injection")
    expect(next_due).to_contain_text(hour_1.strftime("%H:%M"))
    looks(page, f"{size}-today-provocation-saved")

    page.get_by_role("navigation").get_by_role("link", name="History").tap()
    ratings = page.get_by_role("listitem").filter(has_text="Pain")
    expect(ratings.filter(has_text="Provocation test")).to_contain_text("Pain 2/10")
    expect(ratings.filter(has_text="Provocation test")).to_contain_text("70 %")
    expect(ratings.filter(has_text="Day 1")).to_contain_text("Pain 4/10")
    looks(page, f"{size}-history")

    booked.refresh_from_db()
    assert (booked.baseline_pain, booked.provoking_activity) == (6, "walking")
    day_1 = Rating.objects.get(episode=daily)
    assert (day_1.day, day_1.late, day_1.pain, day_1.relief) == (1, True, 4, 30)
    assert (day_1.site_soreness, day_1.ice_heat) == (True, Rating.IceHeat.ICE)
    test = Rating.objects.get(episode=injected)
    assert (test.slot, test.pain, test.relief) == (0, 2, 70)
    assert Rating.objects.count() == 2


def test_patient_keeps_the_diary_with_taps_on_a_phone(phone_page, patient):
    record_a_diary(phone_page, patient, "phone")


def test_patient_keeps_the_diary_with_taps_at_200_percent_text(large_text_page, patient):
    record_a_diary(large_text_page, patient, "phone-200pct")


def test_a_rating_survives_a_lost_connection_and_is_saved_once(phone_page, patient):
    episode = provocation_episode(patient)
    sign_in(phone_page, patient.username)
    phone_page.locator(".due-button").tap()
    form_url = f"{phone_page.url.rstrip('/')}/{episode.uuid}/rate/provocation/"
    expect(phone_page).to_have_url(form_url)
    choice(phone_page, "Your pain right now", "3").tap()
    choice(phone_page, "How much relief do you feel?", "60 %").tap()
    phone_page.get_by_text("Numbness").tap()

    phone_page.context.set_offline(True)
    phone_page.get_by_role("button", name="Save", exact=True).tap()
    # Chrome's "No internet" page takes the form's place in the history (same address).
    expect(phone_page).to_have_url("chrome-error://chromewebdata/")
    shoot(phone_page, "phone-rate-offline")
    assert not Rating.objects.filter(episode=episode).exists()

    phone_page.context.set_offline(False)
    phone_page.go_back()
    expect(phone_page).to_have_url(re.compile(r"/diary/$"))
    phone_page.locator(".due-button").tap()
    expect(phone_page).to_have_url(form_url)
    pain = phone_page.get_by_role("group", name="Your pain right now")
    expect(pain.get_by_role("radio", name="3", exact=True)).to_be_checked()
    relief = phone_page.get_by_role("group", name="How much relief do you feel?")
    expect(relief.get_by_role("radio", name="60 %")).to_be_checked()
    expect(phone_page.get_by_role("checkbox", name="Numbness")).to_be_checked()
    shoot(phone_page, "phone-rate-after-offline")

    phone_page.get_by_role("button", name="Save", exact=True).tap()
    expect(phone_page.get_by_role("status")).to_contain_text("Saved: Provocation test, pain 3.")
    rating = Rating.objects.get(episode=episode)
    assert (rating.pain, rating.relief, rating.numbness) == (3, 60, True)
    drafts = phone_page.evaluate(
        "Object.keys(sessionStorage).filter((key) => key.startsWith('painlog:draft'))"
    )
    assert drafts == []
    assert Episode.objects.count() == 1
