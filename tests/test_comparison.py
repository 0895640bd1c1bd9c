"""Comparative blocks (CLINICAL.md section 4), without Django or a database."""

from types import SimpleNamespace

import pytest

from diary import comparison
from diary.comparison import verdict, verdicts


def block(anesthetic, hours=None, result="positive", *, side="right", steroid=False, **more):
    """A block as the compare page reads it: positive with relief for `hours`, ended."""
    fields = {"running": False, "name": anesthetic}
    fields.update(more)
    return SimpleNamespace(
        anesthetic=anesthetic,
        relief_hours=hours if hours is not None else (1.0 if result == "positive" else 0.0),
        diagnostic=result,
        side=side,
        steroid=steroid,
        still_running=fields["running"],
        name=fields["name"],
    )


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        pytest.param(block("lidocaine", 1.5), block("bupivacaine", 4.0), "concordant", id="c"),
        pytest.param(block("bupivacaine", 4.0), block("lidocaine", 1.5), "concordant", id="order"),
        pytest.param(block("lidocaine", 0.5), block("ropivacaine", 3.0), "concordant", id="ropi"),
        pytest.param(block("lidocaine", 4.0), block("bupivacaine", 1.5), "discordant", id="d"),
        pytest.param(
            block("bupivacaine", 1.0), block("lidocaine", 2.0), "discordant", id="d-either-order"
        ),
        pytest.param(
            block("lidocaine", 1.0),
            block("bupivacaine", result="negative"),
            "not_confirmed",
            id="positive-then-negative",
        ),
        pytest.param(
            block("lidocaine", result="negative"),
            block("bupivacaine", 3.0),
            "not_confirmed",
            id="negative-then-positive",
        ),
        pytest.param(
            block("lidocaine", result="negative"),
            block("bupivacaine", result="negative"),
            "negative",
            id="negative-on-both",
        ),
        pytest.param(
            block("lidocaine", 1.0),
            block("bupivacaine", 4.0, side="left"),
            "different_sides",
            id="different-sides",
        ),
        pytest.param(
            block("lidocaine", 1.0),
            block("bupivacaine", 4.0, steroid=True),
            "cortisone",
            id="cortisone",
        ),
        pytest.param(block("lidocaine", 1.0), block("lidocaine", 4.0), "same_agent", id="same"),
        pytest.param(
            block("bupivacaine", 1.0), block("ropivacaine", 4.0), "same_agent", id="both-long"
        ),
        pytest.param(block("other", 1.0), block("bupivacaine", 4.0), "unknown_agent", id="other"),
        pytest.param(
            block("lidocaine", 1.0),
            block("bupivacaine", result="indeterminate"),
            "not_read",
            id="indeterminate",
        ),
        pytest.param(
            block("lidocaine", result="incomplete"),
            block("bupivacaine", 4.0),
            "not_read",
            id="incomplete",
        ),
        pytest.param(
            block("lidocaine", 1.0),
            block("bupivacaine", 8.0, running=True),
            "still_running",
            id="still-running",
        ),
        pytest.param(
            block("lidocaine", 2.0), block("bupivacaine", 2.0), "equal_durations", id="equal"
        ),
    ],
)
def test_it_reads_two_blocks_as_section_4_says(one, other, expected):
    assert verdict(one, other).code == expected


def test_it_compares_by_agent_not_by_order():
    lido, bupi = block("lidocaine", 1.0), block("bupivacaine", 4.0)

    for one, other in ((lido, bupi), (bupi, lido)):
        found = verdict(one, other)
        assert (found.first, found.second, found.decided) == (lido, bupi, True)


def test_it_names_the_block_whose_relief_was_still_running():
    running = block("bupivacaine", 8.0, running=True)

    found = verdict(block("lidocaine", 1.0), running)

    assert (found.code, found.running, found.decided) == ("still_running", running, False)


def test_it_checks_the_sides_before_anything_else():
    one = block("lidocaine", result="incomplete", steroid=True)
    other = block("other", side="left")

    assert verdict(one, other).code == "different_sides"


def test_it_reads_every_pair_of_a_patients_blocks():
    blocks = [block("lidocaine", 1.0, name="a"), block("bupivacaine", 4.0, name="b")]
    blocks.append(block("lidocaine", 6.0, name="c"))

    found = [(v.first.name, v.second.name, v.code) for v in verdicts(blocks)]

    assert found == [("a", "b", "concordant"), ("a", "c", "same_agent"), ("c", "b", "discordant")]


def test_it_has_a_code_for_each_line_of_the_table():
    assert comparison.VERDICTS == ("concordant", "discordant", "not_confirmed", "negative")
