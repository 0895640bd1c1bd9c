"""How painlog writes its numbers for people: relief in whole percent, hours to a tenth.

Pure Python, for the charts as much as the pages: display only, every comparison uses the
unrounded value (diagnosis.relief).
"""

MISSING = "–"


def percent(value):
    """Relief for people, rounded, with its sign: "88 %", "-25 %"; a dash when there is none."""
    return MISSING if value is None else f"{value:.0f} %"


def hours(value):
    """Hours of relief for people, one decimal: "4.0 h"; a dash when there are none."""
    return MISSING if value is None else f"{value:.1f} h"
