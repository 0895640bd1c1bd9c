"""Times painlog's key pages against bare views: see tools/benchmark.py."""

from tools.benchmark import Command  # noqa: F401
