"""Reading two blocks of one patient against each other (CLINICAL.md section 4).

Pure Python like `diagnosis`: dual comparative blocks are two diagnostic (anesthetic-only)
blocks of the same joint and side, one with a short-acting agent and one with a long-acting
one, in either order. Compared by agent, never by order: relief lasting longer with the
long-acting agent is *concordant*; the reverse is *discordant*, less specific but not negative.
A single block gives a false positive in roughly 10–40 % of patients, which is why clinics
repeat it.
"""

from dataclasses import dataclass
from itertools import combinations

# Verdicts.
CONCORDANT = "concordant"
DISCORDANT = "discordant"
NOT_CONFIRMED = "not_confirmed"
NEGATIVE = "negative"
VERDICTS = (CONCORDANT, DISCORDANT, NOT_CONFIRMED, NEGATIVE)

# Why there is no verdict, in the order they are checked.
DIFFERENT_SIDES = "different_sides"
CORTISONE = "cortisone"
UNKNOWN_AGENT = "unknown_agent"
SAME_AGENT = "same_agent"
NOT_READ = "not_read"
STILL_RUNNING = "still_running"
EQUAL_DURATIONS = "equal_durations"
NO_VERDICT = (
    DIFFERENT_SIDES,
    CORTISONE,
    UNKNOWN_AGENT,
    SAME_AGENT,
    NOT_READ,
    STILL_RUNNING,
    EQUAL_DURATIONS,
)

SHORT_ACTING = "short"
LONG_ACTING = "long"

# How long each agent numbs, by the codes of `Episode.anesthetic`. "other" has no known
# duration, so a block with it is never compared.
DURATION = {
    "lidocaine": SHORT_ACTING,
    "bupivacaine": LONG_ACTING,
    "ropivacaine": LONG_ACTING,
}


@dataclass(frozen=True)
class Verdict:
    """Two blocks read against each other: `code` is a verdict (VERDICTS) or why there is
    none (NO_VERDICT). `first` is the short-acting block where the agents tell them apart,
    else the earlier one; `running` the block whose relief was still running, if any."""

    code: str
    first: object
    second: object
    running: object = None

    @property
    def decided(self):
        return self.code in VERDICTS


def verdict(one, other):
    """The verdict on two blocks, given in injection order.

    Each block has `.side`, `.steroid` (True when it carried cortisone), `.anesthetic` (a
    code), `.diagnostic` (diagnosis' result), `.relief_hours` and `.still_running` (its relief
    was still at the positive level at its last timed entry of the anesthetic phase).
    """
    kinds = (DURATION.get(one.anesthetic), DURATION.get(other.anesthetic))
    first, second = (other, one) if kinds == (LONG_ACTING, SHORT_ACTING) else (one, other)
    results = {one.diagnostic, other.diagnostic}

    def no_verdict(code, running=None):
        return Verdict(code, first, second, running)

    if one.side != other.side:
        return no_verdict(DIFFERENT_SIDES)
    if one.steroid or other.steroid:
        return no_verdict(CORTISONE)
    if None in kinds:
        return no_verdict(UNKNOWN_AGENT)
    if kinds[0] == kinds[1]:
        return no_verdict(SAME_AGENT)
    if not results <= {"positive", "negative"}:
        return no_verdict(NOT_READ)
    if results == {"negative"}:
        return Verdict(NEGATIVE, first, second)
    if results == {"positive", "negative"}:
        return Verdict(NOT_CONFIRMED, first, second)
    running = next((block for block in (first, second) if block.still_running), None)
    if running is not None:
        return no_verdict(STILL_RUNNING, running)
    if first.relief_hours == second.relief_hours:
        return no_verdict(EQUAL_DURATIONS)
    code = CONCORDANT if second.relief_hours > first.relief_hours else DISCORDANT
    return Verdict(code, first, second)


def verdicts(blocks):
    """The verdict on every pair of `blocks` (given in injection order)."""
    return [verdict(one, other) for one, other in combinations(blocks, 2)]
