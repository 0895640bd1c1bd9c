"""painlog settings: one module, configured by environment variables with safe defaults.

DJANGO_DEBUG            "1" turns debug on (off otherwise)
DJANGO_SECRET_KEY       required when debug is off
DJANGO_ALLOWED_HOSTS    comma-separated host names (default: localhost only)
DATABASE_URL            e.g. postgres://user@host:5432/db (default: SQLite file var/painlog.sqlite3)
DJANGO_DB_PREPARE       "0" turns off PostgreSQL's prepared statements (behind PgBouncer)
REDIS_URL               shared cache, sessions and login lockout for several app servers
EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL
DJANGO_HSTS_PRELOAD     "1" opts in to the HSTS preload list (a commitment hard to undo)
PAINLOG_SITE_URL        e.g. https://painlog.example.org, for links in reminder e-mails
PAINLOG_STATIC_ROOT     where collectstatic writes (default: staticfiles/)
PAINLOG_PROXY_HOPS      reverse proxies whose X-Forwarded-For is believed (default 0: none)
PAINLOG_TRUSTED_PROXIES or their networks, comma-separated (default: none)
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PAINLOG_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "diary",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "csp",
    "health_check",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "diary.middleware.StaffIdleTimeoutMiddleware",
    "diary.middleware.ClinicTimeZoneMiddleware",
    "diary.middleware.PrivacyHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "painlog.urls"
WSGI_APPLICATION = "painlog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite file by default; DATABASE_URL (dj-database-url) for PostgreSQL.
SQLITE_PATH = VAR_DIR / "painlog.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planning, not running, is most of the time PostgreSQL spends on painlog's small queries
    # (docs/performance.md): with server-side parameters, psycopg prepares each query the fifth
    # time a connection runs it, and PostgreSQL plans it no more. Behind a pooler in
    # transaction mode (PgBouncer), set DJANGO_DB_PREPARE=0.
    if os.environ.get("DJANGO_DB_PREPARE", "1") == "1":
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one process writes; immediate transactions take the write
    # lock at BEGIN, so several gunicorn workers queue up instead of failing "database is locked".
    # synchronous=FULL: each commit reaches the disk before it returns, so a rating, a red flag
    # or an audit entry answered with success survives a power cut (NORMAL could lose the last
    # commits since a checkpoint). Connections persist (CONN_MAX_AGE, as for PostgreSQL): one
    # closed after each request would copy the WAL into the database file, and wait for the
    # disk, at every request that wrote.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=20000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "diary.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600  # the one-time set-up link lives 7 days

# Cache, sessions and login lockout: local by default, shared in Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "painlog",
        }
    }
    # Read from Redis, written through to the database: a Redis restart signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Patients stay signed in on their phone for the diary period; staff time out when idle.
SESSION_COOKIE_AGE = 14 * 24 * 3600
STAFF_IDLE_SECONDS = 30 * 60

# Failed sign-ins: 5 tries, then 15 minutes locked, per user name and address together.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if REDIS_URL
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Reverse proxies in front of painlog whose X-Forwarded-For it believes (diary/network.py): the
# lockout and the audit log use the client's address, not the proxy's. None by default.
PAINLOG_PROXY_HOPS = int(os.environ.get("PAINLOG_PROXY_HOPS", "0"))
PAINLOG_TRUSTED_PROXIES = [
    ipaddress.ip_network(network.strip())
    for network in os.environ.get("PAINLOG_TRUSTED_PROXIES", "").split(",")
    if network.strip()
]
AXES_CLIENT_IP_CALLABLE = "diary.network.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
# PAINLOG_STATIC_ROOT moves collectstatic's output: the load run (tools/loadrun.py) collects
# into a throw-away folder so its gunicorn serves the real manifest without touching this one.
# Nothing is uploaded; the health check's storage probe writes and deletes a file here.
MEDIA_ROOT = VAR_DIR / "media"
STATIC_ROOT = Path(os.environ.get("PAINLOG_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "painlog <painlog@localhost>")
# Where painlog is reached from outside, for links in e-mail sent without a request
# (send_reminders). No trailing slash.
SITE_URL = os.environ.get("PAINLOG_SITE_URL", "http://localhost:8000").rstrip("/")

# Security headers and cookies; HTTPS-only settings follow debug being off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A load balancer asks for /health/ over plain HTTP, on the private side.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD")
# W021 asks for HSTS preload; joining the browsers' preload list is hard to undo, so it stays an
# explicit opt-in (DJANGO_HSTS_PRELOAD=1) rather than a default.
SILENCED_SYSTEM_CHECKS = [] if env_flag("DJANGO_HSTS_PRELOAD") else ["security.W021"]

# Content Security Policy: everything from this host, no inline scripts, no framing.
# data: images are the QR codes and Bootstrap's own SVG icons in its CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# matplotlib writes its font cache here; the home folder may not be writable on a server.
os.environ.setdefault("MPLCONFIGDIR", str(VAR_DIR / "matplotlib"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
