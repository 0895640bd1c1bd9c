"""Real-browser fixtures: Debian's Chromium through Playwright, against pytest-django's live server.

Every test here runs in a phone (360×740, touch) or desktop (1280×800) context and signs in
through the real login page: django-axes needs the request, so `client.login()` cannot be used.
"""

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_episode

CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = "Chromium not found at /usr/bin/chromium: apt-get install chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
    "reduced_motion": "reduce",  # no transitions: screenshots show the settled page
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "reduced_motion": "reduce"}

# Chrome's own text-size setting cannot be scripted. Large text is emulated by doubling the root
# font size on every page (an init script, so it survives navigation): Bootstrap and painlog.css
# size text, spacing and tap targets in rem, as Android's font scale does. CSS zoom would scale
# everything, px borders included, which is browser zoom rather than large text.
LARGE_TEXT = """
document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = "html { font-size: 200% !important; }";
  document.head.append(style);
});
"""


@pytest.fixture(scope="session", autouse=True)
def chromium_present():
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM.exists():
        terminalreporter.write_line(f"Browser tests skipped: {NO_CHROMIUM}", yellow=True)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    return {
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    # The live server speaks plain HTTP; production settings mark cookies Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def phone(new_context, live_server):
    context = new_context(**PHONE, base_url=live_server.url)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone_page(phone):
    return phone.new_page()


@pytest.fixture
def large_text_page(new_context, live_server):
    """A phone page with text at 200 %, on every page it visits."""
    # The CSP refuses inline <style>, the emulation's own included: this context alone skips it.
    context = new_context(**PHONE, base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    context.add_init_script(LARGE_TEXT)
    return context.new_page()


@pytest.fixture
def dark_phone_page(new_context, live_server):
    context = new_context(**PHONE, base_url=live_server.url, color_scheme="dark")
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def desktop_page(new_context, live_server):
    context = new_context(**DESKTOP, base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    return context.new_page()


def sign_in(page, username, password="pw"):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    press(page.get_by_role("button", name="Sign in"))
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def press(locator):
    """A tap on a touch screen, a click elsewhere."""
    if locator.page.evaluate("navigator.maxTouchPoints > 0"):
        locator.tap()
    else:
        locator.click()


# Lazy images (charts below the fold) load before the picture is taken. A whole-page picture
# has no "bottom of the screen": a sticky "Save" is pictured in its place in the form. (Set
# through the CSSOM: the CSP refuses an injected stylesheet.)
BEFORE_PICTURE = """
async () => {
  const images = Array.from(document.images);
  images.forEach((image) => { image.loading = "eager"; });
  await Promise.all(images.map((image) => image.decode().catch(() => null)));
  document.querySelectorAll("form[data-keep-draft] > [type=submit]").forEach((button) => {
    button.style.position = "static";
  });
}
"""
AFTER_PICTURE = """
() => document.querySelectorAll("form[data-keep-draft] > [type=submit]").forEach((button) => {
  button.style.position = "";
})
"""


def shoot(page, name, *, whole_page=True):
    """Save the page as screenshots/<name>.png at CSS pixel size: whole, or the screen only."""
    SCREENSHOTS.mkdir(exist_ok=True)
    on_site = whole_page and page.url.startswith("http")  # not Chrome's own error page
    if on_site:
        page.evaluate(BEFORE_PICTURE)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=whole_page, scale="css")
    if on_site:
        page.evaluate(AFTER_PICTURE)


def scrolls_sideways(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


AXE = Axe()
BLOCKING = {"serious", "critical"}


def blocking_violations(page):
    """axe's serious and critical findings on the page as it is now."""
    violations = AXE.run(page).response["violations"]
    return [violation for violation in violations if violation["impact"] in BLOCKING]


def readable(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            lines.append(f"       {node['failureSummary'].replace(chr(10), ' ')}")
    return "\n".join(lines)


# Episodes built relative to the real clock: nothing is frozen in the browser.


def upcoming_episode(patient, clinician=None):
    """Booked for the day after tomorrow, usual pain not yet recorded: the baseline is due."""
    return make_episode(
        patient, clinician, injected_at=timezone.now() + timedelta(days=2), baseline=None
    )


def provocation_episode(patient, clinician=None):
    """Injected 25 minutes ago: the provocation test (20–60 min) is due."""
    return make_episode(patient, clinician, injected_at=timezone.now() - timedelta(minutes=25))


def daily_episode(patient, clinician=None, **fields):
    """Injected two days ago at 10:00 clinic time: day 1 is open late, day 2 is open."""
    zone = patient.clinic.zone
    two_days_ago = timezone.localtime(timezone.now(), zone).date() - timedelta(days=2)
    injected_at = datetime.combine(two_days_ago, time(10, 0), tzinfo=zone)
    return make_episode(patient, clinician, injected_at=injected_at, **fields)
