"""manage.py benchmark: its table, and the verdicts that make it exit 1.

The timings themselves are never asserted (they are the machine's); the command is run end
to end on tiny sizes, and its verdicts are checked on results made up for the purpose.
"""

import io
import os
import subprocess
import sys
from pathlib import Path

from django.urls import NoReverseMatch, reverse
from pytest import raises

from tools.benchmark import BUDGETS, EXPECTED_STATUS, Result, report

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "bare",
    "bare_write",
    "today",
    "today_fresh",
    "dashboard",
    "dashboard_fresh",
    "episode",
    "episode_fresh",
    "compare",
    "compare_fresh",
    "rating_post",
    "baseline_post",
    "chart_first",
    "chart_cached",
    "chart_304",
    "report_pdf",
    "clinic_csv",
]


def benchmark(tmp_path, *arguments):
    """`manage.py benchmark` on SQLite in a temporary file of its own, whatever database the
    suite runs on."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    env.setdefault("DJANGO_SECRET_KEY", "benchmark-test-only")
    done = subprocess.run(
        [sys.executable, "manage.py", "benchmark", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_it_prints_a_row_for_every_page_at_both_sizes(tmp_path):
    done = benchmark(tmp_path, "--small", "2", "--large", "5", "--repeat", "1", "--no-budgets")
    lines = [line for line in done.stdout.splitlines() if line.split()[:1] in [[p] for p in PAGES]]
    rows = [line.split() for line in lines]
    assert [(row[0], row[1]) for row in rows] == [
        (page, size) for size in ("2", "5") for page in PAGES
    ]
    for line, row in zip(lines, rows, strict=True):
        median, p95, queries = float(row[2]), float(row[3]), int(row[7])
        assert 0 < median <= p95
        assert queries >= 2  # every page reads the session and the user
        assert line.endswith(" ok") or "FAIL: " in line
    # Every page answered as it should (a 200, the POSTs' redirect, the chart's 304).
    assert "HTTP" not in done.stdout
    # Writes are measured against the bare write, reads against the bare read.
    against = {row[0]: row[4] for row in rows}
    assert against["rating_post"] == against["baseline_post"] == "bare_write"
    assert against["dashboard_fresh"] == against["chart_cached"] == "bare"


def test_its_bare_views_are_not_painlogs():
    with raises(NoReverseMatch):
        reverse("bench_session")
    with raises(NoReverseMatch):
        reverse("bench_write")


def test_it_prints_the_plan_of_each_query_of_a_dashboard_read_afresh(tmp_path):
    done = benchmark(tmp_path, "--plans", "--large", "60")
    queries = done.stdout.split("\n--- ")[1:]
    # Unfiltered and filtered by result: the count, the lists, the rows.
    assert len(queries) >= 8
    assert sum("COUNT(*)" in query for query in queries) == 2
    for query in queries:
        statement, *plan = query.splitlines()
        assert 'FROM "diary_episode"' in statement and plan
        assert any("diary_episode" in line for line in plan)


def result(page, size, ratio, queries=4, median=2.0, status=None):
    status = status or EXPECTED_STATUS.get(page, 200)
    return Result(page, size, median, median * 1.2, queries, status, ratio)


def verdicts(results):
    return report(io.StringIO(), results, 100, 10000)


def test_it_passes_pages_within_their_budgets():
    results = [
        result(page, size, budget * 0.9)
        for size in (100, 10000)
        for page, budget in BUDGETS.items()
    ]
    assert verdicts(results) == []


def test_it_fails_a_page_over_its_ratio_growing_or_with_other_queries_or_status():
    results = [
        result("today", 100, 2.0),
        result("today", 10000, 3.1),  # over 3x, and grown 1.55x beyond the bare view
        result("dashboard", 100, 2.0, queries=4),
        result("dashboard", 10000, 2.0, queries=5),  # one query more at the large size
        result("rating_post", 100, 2.0),
        result("rating_post", 10000, 2.6),  # over 2.5x the bare write
        result("chart_304", 100, 1.2),
        result("chart_304", 10000, 1.2, status=200),  # the browser's copy was sent again
    ]
    assert verdicts(results) == [
        "today at 10000: over 3.0x",
        "today at 10000: grew 1.55x",
        "dashboard at 10000: queries grew",
        "rating_post at 10000: over 2.5x",
        "chart_304 at 10000: HTTP 200",
    ]
