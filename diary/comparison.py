"""Reading two blocks of one patient against each other (CLINICAL.md section 4).

Pure Python like `diagnosis`: a comparative block is a second injection with an anesthetic of
another duration. Relief lasting longer with the long-acting agent is *concordant* with the
joint being the pain source; the reverse is *discordant*, a hint that the first relief was a
false positive (a single block gives one in 20–40 % of patients).
"""

from itertools import combinations

CONCORDANT = "concordant"
DISCORDANT = "discordant"

SHORT_ACTING = "short"
LONG_ACTING = "long"

# How long each agent numbs, by the codes of `Episode.anesthetic`. "other" has no known
# duration, so a block with it is never compared.
DURATION = {
    "lidocaine": SHORT_ACTING,
    "bupivacaine": LONG_ACTING,
    "ropivacaine": LONG_ACTING,
}


def concordance(first_agent, first_hours, second_agent, second_hours):
    """CONCORDANT, DISCORDANT, or None when the two blocks cannot be compared.

    `*_hours` are the blocks' `Summary.relief_hours`. Only a short-acting block against a
    long-acting one compares; so do the hours only when both are known (None means the block
    could not be read) and at least one block gave relief. Relief that is not longer with the
    long-acting agent, the same length included, is discordant.
    """
    durations = (DURATION.get(first_agent), DURATION.get(second_agent))
    if set(durations) != {SHORT_ACTING, LONG_ACTING}:
        return None
    if first_hours is None or second_hours is None or not (first_hours or second_hours):
        return None
    if durations[0] == SHORT_ACTING:
        short_hours, long_hours = first_hours, second_hours
    else:
        short_hours, long_hours = second_hours, first_hours
    return CONCORDANT if long_hours > short_hours else DISCORDANT


def comparable_pairs(blocks):
    """(earlier, later, result) for every pair of `blocks` that compares, in the given order.

    `blocks` have `.anesthetic` and `.relief_hours`, e.g. the rows of the compare page.
    """
    for first, second in combinations(blocks, 2):
        result = concordance(
            first.anesthetic, first.relief_hours, second.anesthetic, second.relief_hours
        )
        if result is not None:
            yield first, second, result
