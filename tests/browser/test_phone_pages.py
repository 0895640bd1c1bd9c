"""Every patient page on a 360 px phone: axe finds nothing serious, tap targets are 44×44 px,
nothing scrolls sideways at 360 or 320 px, nor with text at 200 %."""

import pytest

from tests.browser.conftest import blocking_violations, readable, scrolls_sideways, shoot
from tests.browser.patient_pages import PAGES

# The targets on the page, measured as a finger meets them:
# - links, buttons, selects, text fields and visible tick boxes by their own box (disabled
#   controls are not targets);
# - a radio or tick box that is visually hidden (Bootstrap's .btn-check under the 0–10 buttons)
#   by its label, which is what the finger taps;
# - except inline links in running text (WCAG 2.5.8 "Inline"): an <a> not styled as a button
#   (.btn, .nav-link, .navbar-brand) whose nearest block-level ancestor holds visible text
#   outside the link. Its height is the line height of the sentence around it. A link alone in
#   its paragraph ("Back to Today") is not in a sentence, and must be 44 px like a button.
SMALL_TARGETS = """
() => {
  const MIN = 44 - 0.5;  // allow for subpixel layout
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1
      && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  };
  const visuallyHidden = (input) => {
    const style = getComputedStyle(input);
    return input.classList.contains("btn-check") || style.pointerEvents === "none"
      || style.clip === "rect(0px, 0px, 0px, 0px)" || style.opacity === "0";
  };
  const inRunningText = (link) => {
    if (link.matches(".btn, .nav-link, .navbar-brand")) return false;
    let block = link.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) {
      block = block.parentElement;
    }
    const words = (text) => text.replace(/\\s+/g, " ").trim();
    return words(block.innerText).length > words(link.innerText).length;
  };
  const targets = [];
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled) continue;  // nothing to tap
    if (el.matches("input[type=radio], input[type=checkbox]") && visuallyHidden(el)) {
      targets.push(...Array.from(el.labels).filter(shown));
    } else if (shown(el) && !(el.matches("a") && inRunningText(el))) {
      targets.push(el);
    }
  }
  return targets
    .map((el) => ({ el, box: el.getBoundingClientRect() }))
    .filter(({ box }) => box.width < MIN || box.height < MIN)
    .map(({ el, box }) => ({
      target: el.outerHTML.slice(0, 120),
      size: `${box.width.toFixed(1)}×${box.height.toFixed(1)}`,
    }));
}
"""


def small_targets(page, name):
    """The targets under 44×44 px, readably, or "" when there are none."""
    lines = [f"  {target['size']}  {target['target']}" for target in page.evaluate(SMALL_TARGETS)]
    return f"tap targets under 44×44 px on {name}:\n" + "\n".join(lines) if lines else ""


@pytest.mark.parametrize("name", PAGES)
def test_patient_page_meets_the_phone_bar(phone_page, patient, name):
    PAGES[name](phone_page, patient)
    shoot(phone_page, f"phone-{name}")

    violations = blocking_violations(phone_page)
    assert not violations, f"axe on {name} ({phone_page.url}):\n{readable(violations)}"
    assert not (found := small_targets(phone_page, name)), found
    assert not scrolls_sideways(phone_page), f"{name} scrolls sideways at 360 px"

    phone_page.set_viewport_size({"width": 320, "height": 640})
    shoot(phone_page, f"phone-320-{name}")
    assert not scrolls_sideways(phone_page), f"{name} scrolls sideways at 320 px"


@pytest.mark.parametrize("name", PAGES)
def test_patient_page_fits_a_phone_with_large_text(large_text_page, patient, name):
    PAGES[name](large_text_page, patient)
    shoot(large_text_page, f"phone-200pct-{name}")

    assert not scrolls_sideways(large_text_page), f"{name} scrolls sideways with 200 % text"
    assert not (found := small_targets(large_text_page, name)), found
