"""diary/display.py: numbers as people read them."""

import pytest

from diary import display


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "–"), (87.5, "88 %"), (75.0, "75 %"), (-12.5, "-12 %")]
)
def test_it_rounds_relief_only_for_display(value, expected):
    assert display.percent(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, "–"), (0.0, "0.0 h"), (4.05, "4.0 h")])
def test_it_gives_hours_to_a_tenth(value, expected):
    assert display.hours(value) == expected
