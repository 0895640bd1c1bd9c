"""Comparative blocks (CLINICAL.md section 4), without Django or a database."""

from types import SimpleNamespace

import pytest

from diary.comparison import CONCORDANT, DISCORDANT, comparable_pairs, concordance


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(("lidocaine", 1.5), ("bupivacaine", 4.0), CONCORDANT, id="longer-with-long"),
        pytest.param(("bupivacaine", 4.0), ("lidocaine", 1.5), CONCORDANT, id="either-order"),
        pytest.param(("lidocaine", 0.0), ("ropivacaine", 3.0), CONCORDANT, id="ropivacaine"),
        pytest.param(("lidocaine", 4.0), ("bupivacaine", 1.5), DISCORDANT, id="shorter-with-long"),
        pytest.param(("lidocaine", 2.0), ("bupivacaine", 2.0), DISCORDANT, id="same-length"),
        pytest.param(("bupivacaine", 0.0), ("lidocaine", 2.0), DISCORDANT, id="none-with-long"),
        pytest.param(("lidocaine", 0.0), ("bupivacaine", 0.0), None, id="no-relief-either"),
        pytest.param(("lidocaine", None), ("bupivacaine", 4.0), None, id="unreadable-block"),
        pytest.param(("lidocaine", 1.0), ("lidocaine", 4.0), None, id="same-agent"),
        pytest.param(("bupivacaine", 1.0), ("ropivacaine", 4.0), None, id="both-long-acting"),
        pytest.param(("other", 1.0), ("bupivacaine", 4.0), None, id="unknown-agent"),
    ],
)
def test_it_reads_relief_duration_against_the_agents(first, second, expected):
    assert concordance(*first, *second) == expected


def test_it_pairs_every_comparable_block_in_order():
    blocks = [
        SimpleNamespace(name="a", anesthetic="lidocaine", relief_hours=1.0),
        SimpleNamespace(name="b", anesthetic="bupivacaine", relief_hours=4.0),
        SimpleNamespace(name="c", anesthetic="lidocaine", relief_hours=6.0),
        SimpleNamespace(name="d", anesthetic="other", relief_hours=6.0),
    ]

    pairs = [
        (first.name, second.name, result) for first, second, result in comparable_pairs(blocks)
    ]

    assert pairs == [("a", "b", CONCORDANT), ("b", "c", DISCORDANT)]
