"""Settings of the load run's gunicorn (tools/loadrun.py): production settings, with the
benchmark's URLconf and a fast password check.

Configured like production by the environment (DJANGO_DEBUG=0, DATABASE_URL, …); only what
the run needs differs, each with why.
"""

from painlog.settings import *  # noqa: F403

# painlog's URLs and the bare views the run compares them with (/bench/session/).
ROOT_URLCONF = "tools.bench_urls"

# One PBKDF2 check costs a third of a second of CPU (docs/performance.md): every patient
# signing in would queue the pages behind it, and the run would measure sign-in only.
# The run's people are seeded with MD5 hashes (tools/loadrun.py), as the tests' are.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The run speaks plain HTTP on loopback, and locust's client (requests) keeps a Secure cookie
# but never sends it back over http: signed in, the next request would be signed out, and the
# CSRF check would fail every POST. The flag changes the Set-Cookie header only, not the work
# a request costs.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Pages name static files through the same manifest as production's storage, but without
# compressing every file (gzip, and Brotli since locust brings the brotli package that
# WhiteNoise then uses: most of the run's start): the run asks for pages, never static files.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
