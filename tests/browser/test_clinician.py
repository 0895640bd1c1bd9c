"""A clinician at a desktop: the dashboard, an episode with its chart, the PDF and CSV downloads."""

import re
from pathlib import Path

from playwright.sync_api import expect

from diary.models import Role
from tests.browser.conftest import blocking_violations, daily_episode, readable, shoot, sign_in
from tests.browser.patient_pages import daily_rating, provocation_rating
from tests.factories import make_user

FILE_STEM = re.compile(r"^painlog-\d{4}-\d{2}-\d{2}-right-[0-9a-f]{8}$")


def download(page, link_name):
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    saved = started.value
    assert saved.failure() is None
    return saved.suggested_filename, Path(saved.path()).read_bytes()


def test_clinician_reviews_an_episode_and_downloads_its_report(desktop_page, patient, clinician):
    episode = daily_episode(patient, clinician)
    provocation_rating(episode, pain=1, relief=90)
    daily_rating(episode, 1, pain=3, relief=60, late=True)
    waiting = make_user("waiting", Role.PATIENT, patient.clinic)
    daily_episode(waiting, clinician, baseline=None)

    sign_in(desktop_page, clinician.username)
    expect(desktop_page.get_by_role("heading", name="Episodes")).to_be_visible()
    rows = desktop_page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Waiting Test")).to_contain_text("Needs attention")
    shoot(desktop_page, "desktop-dashboard")
    assert not (found := blocking_violations(desktop_page)), readable(found)

    name, content = download(desktop_page, "All episodes (CSV)")
    assert re.fullmatch(r"painlog-episodes-\d{4}-\d{2}-\d{2}\.csv", name)
    assert content.decode("utf-8-sig").startswith("episode,patient,")

    desktop_page.get_by_role("link", name="Patient Test").click()
    expect(desktop_page.get_by_role("heading", name="Patient Test", level=1)).to_be_visible()
    chart = desktop_page.get_by_role("figure").locator("img.chart")
    expect(chart).to_be_visible()
    chart.evaluate("image => image.decode()")
    assert chart.evaluate("image => image.naturalWidth") > 0
    svg = desktop_page.request.get(chart.get_attribute("src"))
    assert svg.status == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    shoot(desktop_page, "desktop-episode")
    assert not (found := blocking_violations(desktop_page)), readable(found)

    name, content = download(desktop_page, "PDF report")
    assert FILE_STEM.match(name.removesuffix(".pdf")) and name.endswith(".pdf")
    assert content.startswith(b"%PDF")

    name, content = download(desktop_page, "Ratings (CSV)")
    assert FILE_STEM.match(name.removesuffix(".csv")) and name.endswith(".csv")
    header, *rows = content.decode("utf-8-sig").splitlines()
    assert header.startswith("episode,injection_at,side,")
    assert len(rows) == 2
