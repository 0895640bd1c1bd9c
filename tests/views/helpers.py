"""What the view tests share: the clock held still, and the words a reader sees of a page."""

import html
import re

import time_machine


def at(moment):
    """The clock stopped at `moment`, for a `with` block."""
    return time_machine.travel(moment, tick=False)


def text(fragment):
    """What a reader sees of an HTML fragment: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())
