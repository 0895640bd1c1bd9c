"""Pages kept in the cache while nothing they show changes.

A page's key names everything it shows that a write can change (a counter, an `updated_at`,
a name, the language); the entry holds, besides, the next moment the clock alone changes the
page (a rating turning overdue, a window opening, midnight), after which it is drawn again.
With `REDIS_URL`, every app server reads the same entries; without it each keeps its own,
filled once.
"""

import hashlib

from django.core.cache import cache


def key(prefix, parts):
    """A cache key for what `parts` (a list of plain values) names."""
    return f"painlog:{prefix}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_until(key, now, make, longest):
    """The cached value under `key`, or `make()`'s, cached until the moment it names.

    `make()` returns (value, until): until is the next moment the clock alone changes the
    value (None: never), after which the entry is made again. An entry is used only from the
    moment it was made: a server whose clock is behind the one that made it (or a clock set
    back) makes its own.
    """
    cached = cache.get(key)
    if cached is not None:
        since, until, value = cached
        if since <= now and (until is None or now < until):
            return value
    value, until = make()
    timeout = longest
    if until is not None:
        timeout = max(1, min(longest, int((until - now).total_seconds()) + 1))
    cache.set(key, (now, until, value), timeout)
    return value
