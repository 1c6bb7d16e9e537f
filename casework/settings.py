"""Casework settings, read from the environment (every variable is documented in README.md).

Importing them starts nothing. With no DATABASE_URL, Casework runs on an embedded PostgreSQL
and an embedded Redis kept in CASEWORK_DATA_DIR, which the entry points (manage.py, the WSGI
app, the Celery app) start before reading these settings (casework.devrun.services): the
local run (LOCAL_RUN), with development secrets generated once into that folder and plain
HTTP. Outside it (whenever DATABASE_URL is set, unless DEBUG or LOCAL_RUN is set on)
Casework refuses to start without a real SECRET_KEY, EVIDENCE_KEYS and CELERY_BROKER_URL.
Django's DEBUG is off unless DEBUG says on, in the local run too.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from casework.beat import beat_schedule
from casework.devrun import dev_secrets
from casework.env import (
    EMBEDDED_BROKER_URL,
    EMBEDDED_DATABASE_URL,
    EMBEDDED_OWNER_DATABASE_URL,
    data_dir,
    debug,
    env_bool,
    env_float,
    env_int,
    local_run,
    parse_evidence_keys,
    parse_oidc_role_map,
)
from casework.hotlines.manual_config import manual_settings
from casework.hotlines.nca.config import nca_settings
from casework.roles import ROLES

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
# The local run (no DATABASE_URL): embedded services, generated secrets, plain HTTP.
LOCAL_RUN = local_run()
DEBUG = debug()

if LOCAL_RUN:
    _dev = dev_secrets.load_or_create(DATA_DIR / "dev-secrets.json")
    SECRET_KEY = os.environ.get("SECRET_KEY") or _dev["secret_key"]
    EVIDENCE_KEYS = parse_evidence_keys(os.environ.get("EVIDENCE_KEYS") or _dev["evidence_keys"])
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if len(SECRET_KEY) < 32 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 32 characters when DEBUG is off"
        )
    if not os.environ.get("EVIDENCE_KEYS"):
        raise ImproperlyConfigured(
            "EVIDENCE_KEYS must be set when DEBUG is off (see README: Evidence keys)"
        )
    EVIDENCE_KEYS = parse_evidence_keys(os.environ["EVIDENCE_KEYS"])

_LOCAL_HOSTS = "localhost,127.0.0.1,[::1]" if LOCAL_RUN else ""
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", _LOCAL_HOSTS).split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "reports",
    "casework",
]

MIDDLEWARE = [
    "casework.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.middleware.NoStoreMiddleware",
    "reports.limits.RequestSizeLimitMiddleware",
    "reports.api_errors.ApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "casework.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "casework.middleware.SecondFactorMiddleware",
    "casework.middleware.SecurityHeadersMiddleware",
    "casework.middleware.SignInLockedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "casework.urls"
WSGI_APPLICATION = "casework.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.user_roles",
            ],
        },
    },
]

# Without DATABASE_URL, the embedded server an entry point started; if none did (a tool that
# only imports the settings), a socket folder that names the problem when anything connects.
DATABASE_URL = (
    os.environ.get("DATABASE_URL")
    or os.environ.get(EMBEDDED_DATABASE_URL)
    or f"postgres://casework@/casework?host={DATA_DIR / 'embedded-postgresql-not-started'}"
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# The tables' owner, for migrate only (casework.db_roles): the application's own role in
# DATABASE_URL may not rewrite the audit log. First, so the test database is made by it.
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL") or (
    os.environ.get(EMBEDDED_OWNER_DATABASE_URL) if not os.environ.get("DATABASE_URL") else ""
)
if DATABASE_OWNER_URL:
    DATABASES = {"owner": dj_database_url.parse(DATABASE_OWNER_URL), **DATABASES}
for _alias, _database in DATABASES.items():
    if _database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
    _database["TEST"] = {"NAME": "test_casework"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded files that are not evidence (hash-list imports); never served directly.
MEDIA_ROOT = Path(os.environ.get("UPLOAD_DIR", DATA_DIR / "uploads"))
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it before collectstatic

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/queues/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Sessions end after this much inactivity: requests push the expiry on (at most once a
# minute, casework.middleware.IdleSessionMiddleware).
SESSION_COOKIE_AGE = 60 * env_int("SESSION_IDLE_MINUTES", 30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
OTP_TOTP_ISSUER = "Casework"
# Sign-in throttle (casework/signin_throttle.py): failed passwords and codes in a sliding
# window, per (username, client address) and, with the higher limit, per username.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_ACCOUNT_LIMIT = env_int("LOGIN_FAILURE_ACCOUNT_LIMIT", 20)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
for _name in ("LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_ACCOUNT_LIMIT", "LOGIN_FAILURE_WINDOW_MINUTES"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
# How many proxies in front set X-Forwarded-For: the client's address is the entry that
# many hops from the right. 0 (no proxy) ignores the header, which any client can write.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
AUTHENTICATION_BACKENDS = ["casework.accounts.ThrottledModelBackend"]
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a TLS proxy that sets this header itself: clients could forge it otherwise.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Outside the local run, HTTPS only: plain HTTP is redirected and browsers are told to use nothing
# else for a year, subdomains included. Behind a TLS proxy this needs TRUST_X_FORWARDED_PROTO
# (or every request looks like plain HTTP and is redirected forever). The health check
# answers over plain HTTP too: a proxy or orchestrator probes it without TLS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not LOCAL_RUN)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if LOCAL_RUN else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not LOCAL_RUN
CSRF_COOKIE_SECURE = not LOCAL_RUN
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Single sign-on (casework/oidc/): on when OIDC_ISSUER is set, and then every one of these
# is needed. The provider's groups claim (OIDC_ROLE_CLAIM) picks the role through OIDC_ROLE_MAP.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip().rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "")
OIDC_ROLE_MAP: tuple[tuple[str, str], ...] = ()
# What the sign-in button calls the provider ("Sign in with Okta"); the issuer's host if unset.
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10)
if OIDC_ISSUER:
    for _name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_CLAIM", "OIDC_ROLE_MAP"):
        if not os.environ.get(_name, "").strip():
            raise ImproperlyConfigured(f"{_name} must be set when OIDC_ISSUER is set")
    if not OIDC_ISSUER.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"OIDC_ISSUER must be an http(s) URL, not {OIDC_ISSUER!r}")
    OIDC_ROLE_MAP = parse_oidc_role_map(os.environ["OIDC_ROLE_MAP"], ROLES)
    OIDC_PROVIDER_NAME = OIDC_PROVIDER_NAME or OIDC_ISSUER.split("://", 1)[1].split("/")[0]

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    LOCAL_RUN and os.environ.get(EMBEDDED_BROKER_URL)
)
if not CELERY_BROKER_URL:
    if not LOCAL_RUN:
        raise ImproperlyConfigured(
            "CELERY_BROKER_URL must be set when DEBUG is off (e.g. redis://redis:6379/0): the "
            "embedded broker is for the development run only"
        )
    CELERY_BROKER_URL = f"redis+socket://{DATA_DIR / 'embedded-redis-not-started.sock'}"
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-way is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # an unacknowledged message returns to the queue after this long
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
    # ...and is looked for every 10 s (kombu's default scans only every tenth time)
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# Signed checkpoints of the audit chain, outside the database (casework.audit.checkpoints).
AUDIT_CHECKPOINT_SECONDS = env_int("AUDIT_CHECKPOINT_SECONDS", 300)
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", DATA_DIR / "audit-checkpoints"))
AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")
AUDIT_SIGNING_KEY_FILE = Path(
    os.environ.get("AUDIT_SIGNING_KEY_FILE", DATA_DIR / "audit-signing.key")
)
# The Ed25519 key that signs law-enforcement evidence packages (casework.evidence_package).
EVIDENCE_SIGNING_KEY = os.environ.get("EVIDENCE_SIGNING_KEY", "")
EVIDENCE_SIGNING_KEY_FILE = Path(
    os.environ.get("EVIDENCE_SIGNING_KEY_FILE", DATA_DIR / "evidence-signing.key")
)

CELERY_TASK_IGNORE_RESULT = True
# Each worker process may use this much address space (RLIMIT_AS): a file that needs more
# fails with MemoryError in that process instead of taking the machine's memory. A child whose
# resident peak passed half of it is replaced after its task. 0: no limit.
WORKER_MEMORY_LIMIT_MB = env_int("WORKER_MEMORY_LIMIT_MB", 2048)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = WORKER_MEMORY_LIMIT_MB * 1024 // 2 or None  # KiB
# A worker renews its lease on the media item it processes every third of this; the sweep
# (every MEDIA_SWEEP_SECONDS) queues again an item whose lease ran out: its worker died.
MEDIA_LEASE_SECONDS = env_int("MEDIA_LEASE_SECONDS", 15)
MEDIA_SWEEP_SECONDS = env_int("MEDIA_SWEEP_SECONDS", 5)
# The Celery queue media processing goes to (a worker of its own may serve it with -Q).
MEDIA_QUEUE = os.environ.get("MEDIA_QUEUE", "celery")
# Keep each worker's database connection between tasks (Celery's default reconnects per task).
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Every EXCHANGE_FETCH_MINUTES the worker fetches each enabled hash exchange (README).
EXCHANGE_FETCH_MINUTES = env_int("EXCHANGE_FETCH_MINUTES", 60)
CELERY_BEAT_SCHEDULE = beat_schedule(
    media_sweep_seconds=MEDIA_SWEEP_SECONDS, exchange_fetch_minutes=EXCHANGE_FETCH_MINUTES
)

# --- Intake and evidence ------------------------------------------------------------------
EVIDENCE_DIR = Path(os.environ.get("EVIDENCE_DIR", DATA_DIR / "evidence"))
# Preservation (casework/preservation/): evidence in a hotline report is kept this many days
# after its submission. 18 U.S.C. 2258A(h), as amended by the REPORT Act, asks for one year;
# a shorter span is refused rather than clamped, so that nobody believes it is in force.
EVIDENCE_PRESERVE_DAYS = env_int("EVIDENCE_PRESERVE_DAYS", 365)
if EVIDENCE_PRESERVE_DAYS < 365:
    raise ImproperlyConfigured(
        f"EVIDENCE_PRESERVE_DAYS must be at least 365 (18 U.S.C. 2258A(h) asks for a year "
        f"after a hotline report), not {EVIDENCE_PRESERVE_DAYS}"
    )
# Evidence of a case closed without a hotline report is purged this many days after closing.
EVIDENCE_KEEP_CLOSED_DAYS = env_int("EVIDENCE_KEEP_CLOSED_DAYS", 90)
if EVIDENCE_KEEP_CLOSED_DAYS < 1:
    raise ImproperlyConfigured("EVIDENCE_KEEP_CLOSED_DAYS must be at least 1")
INTAKE_MAX_REQUEST_BYTES = env_int("INTAKE_MAX_REQUEST_BYTES", 100 * 1024 * 1024)
INTAKE_MAX_MEDIA_COUNT = env_int("INTAKE_MAX_MEDIA_COUNT", 20)
INTAKE_BATCH_MAX_ITEMS = env_int("INTAKE_BATCH_MAX_ITEMS", 1000)
INTAKE_MAX_MEDIA_BYTES = env_int("INTAKE_MAX_MEDIA_BYTES", 50 * 1024 * 1024)
INTAKE_MAX_IMAGE_PIXELS = env_int("INTAKE_MAX_IMAGE_PIXELS", 50_000_000)
# Frames of one animated image (each is decoded at intake to refuse a truncated one).
INTAKE_MAX_FRAMES = env_int("INTAKE_MAX_FRAMES", 1000)
# What one report may cost to decode: the pixels its files declare (frames and the keyframes
# a video's preview decodes included), summed; checked from headers before decoding any.
INTAKE_MAX_REQUEST_PIXELS = env_int("INTAKE_MAX_REQUEST_PIXELS", 250_000_000)
# What one platform may send in a rolling window, in declared pixels; 0 turns it off.
INTAKE_PLATFORM_MAX_PIXELS = env_int("INTAKE_PLATFORM_MAX_PIXELS", 10_000_000_000)
INTAKE_PLATFORM_WINDOW_SECONDS = env_int("INTAKE_PLATFORM_WINDOW_SECONDS", 3600)
# PDQ matches against hash lists within this Hamming distance (of 256 bits).
PDQ_MATCH_DISTANCE = env_int("PDQ_MATCH_DISTANCE", 31)
# Hash-list hygiene: an entry matching FLOOD_MATCHES media within FLOOD_WINDOW_MINUTES, or a
# third-party entry decided not CSAM NOT_CSAM_FLAG_COUNT times, is quarantined for review.
FLOOD_MATCHES = env_int("FLOOD_MATCHES", 50)
FLOOD_WINDOW_MINUTES = env_int("FLOOD_WINDOW_MINUTES", 60)
NOT_CSAM_FLAG_COUNT = env_int("NOT_CSAM_FLAG_COUNT", 3)
# vPDQ: frames hashed per second of video (0: every frame), and the matching rule
# (python-threatexchange's defaults): frames of quality >= VPDQ_QUALITY_MIN, a frame matches
# within VPDQ_FRAME_DISTANCE, videos match when the query's matched share and the compared
# video's reach the two percentages.
VPDQ_FRAMES_PER_SECOND = env_float("VPDQ_FRAMES_PER_SECOND", 1.0)
VPDQ_QUALITY_MIN = env_int("VPDQ_QUALITY_MIN", 50)
VPDQ_FRAME_DISTANCE = env_int("VPDQ_FRAME_DISTANCE", 31)
VPDQ_QUERY_MATCH_PERCENT = env_float("VPDQ_QUERY_MATCH_PERCENT", 80.0)
VPDQ_COMPARED_MATCH_PERCENT = env_float("VPDQ_COMPARED_MATCH_PERCENT", 0.0)
# A failed media task retries after 1x, 2x, 4x, 8x this many seconds, then fails for good.
MEDIA_RETRY_BACKOFF_SECONDS = env_int("MEDIA_RETRY_BACKOFF_SECONDS", 5)
# Django's own limits must not undercut ours: the size middleware enforces them first.
DATA_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_MEDIA_BYTES

# --- Review -------------------------------------------------------------------------------
CASE_LEASE_MINUTES = env_int("CASE_LEASE_MINUTES", 15)
# Reviewer wellbeing (casework.wellbeing): after this much active CSAM review the case page
# proposes a break of WELLBEING_BREAK_MINUTES; "not now" asks again after the snooze.
WELLBEING_BREAK_AFTER_MINUTES = env_int("WELLBEING_BREAK_AFTER_MINUTES", 60)
WELLBEING_BREAK_MINUTES = env_int("WELLBEING_BREAK_MINUTES", 10)
WELLBEING_BREAK_SNOOZE_MINUTES = env_int("WELLBEING_BREAK_SNOOZE_MINUTES", 15)

# --- Escalation to hotlines -----------------------------------------------------------------
# NCMEC's CyberTipline Reporting API: the service root including its path; the client appends
# /submit, /upload, … It defaults to NCMEC's test root; production only when set explicitly.
NCMEC_TEST_BASE_URL = "https://exttest.cybertip.org/ispws"
NCMEC_BASE_URL = os.environ.get("NCMEC_BASE_URL", NCMEC_TEST_BASE_URL).rstrip("/")
NCMEC_USERNAME = os.environ.get("NCMEC_USERNAME", "")
NCMEC_PASSWORD = os.environ.get("NCMEC_PASSWORD", "")
NCMEC_TIMEOUT_SECONDS = env_int("NCMEC_TIMEOUT_SECONDS", 60)
NCMEC_REPORTER_FIRST_NAME = os.environ.get("NCMEC_REPORTER_FIRST_NAME", "")
NCMEC_REPORTER_LAST_NAME = os.environ.get("NCMEC_REPORTER_LAST_NAME", "")
NCMEC_REPORTER_EMAIL = os.environ.get("NCMEC_REPORTER_EMAIL", "")
NCMEC_REPORTER_PHONE = os.environ.get("NCMEC_REPORTER_PHONE", "")
NCMEC_COMPANY_TEMPLATE = os.environ.get("NCMEC_COMPANY_TEMPLATE", "")
NCMEC_TERMS_OF_SERVICE = os.environ.get("NCMEC_TERMS_OF_SERVICE", "")
NCMEC_LEGAL_URL = os.environ.get("NCMEC_LEGAL_URL", "")
# Which approved cases go to NCMEC: "us" (a report with jurisdiction US) or "always".
NCMEC_ROUTING = os.environ.get("NCMEC_ROUTING", "us")
if NCMEC_ROUTING not in {"us", "always"}:
    raise ImproperlyConfigured(f"NCMEC_ROUTING must be us or always, not {NCMEC_ROUTING!r}")
# A failing step is tried again after base x 2^(n-1) seconds (at most the cap); after this
# many failed attempts the escalation needs a lead's attention.
ESCALATION_MAX_ATTEMPTS = env_int("ESCALATION_MAX_ATTEMPTS", 8)
ESCALATION_RETRY_BASE_SECONDS = env_int("ESCALATION_RETRY_BASE_SECONDS", 30)
ESCALATION_RETRY_MAX_SECONDS = env_int("ESCALATION_RETRY_MAX_SECONDS", 3600)
# Manual channels and the routing rules' service country (casework/hotlines/manual_config.py).
globals().update(manual_settings())
# The Celery queue escalation tasks go to (a separate worker may serve hotline traffic).
ESCALATION_QUEUE = os.environ.get("ESCALATION_QUEUE", "celery")

# The UK NCA (casework/hotlines/nca): NCA_* from the environment; see the README.
globals().update(nca_settings())

# The signed webhook: every verdict, approval and return, POSTed the moment it is recorded to
# the platform's enforcement or a partner. Empty URL: nothing is sent. Retries follow the
# ESCALATION_* backoff and attempt limit.
WEBHOOK_URL = os.environ.get("WEBHOOK_URL", "")
WEBHOOK_KEY_ID = os.environ.get("WEBHOOK_KEY_ID") or ("dev" if LOCAL_RUN else "")
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET", "")
if LOCAL_RUN and not WEBHOOK_SECRET:
    # The development run's secret follows from its generated SECRET_KEY: made once, like it.
    WEBHOOK_SECRET = dev_secrets.derived(_dev["secret_key"], "webhook")
if WEBHOOK_URL and (len(WEBHOOK_SECRET) < 32 or not WEBHOOK_KEY_ID):
    raise ImproperlyConfigured(
        "WEBHOOK_URL is set: WEBHOOK_KEY_ID must name the key and WEBHOOK_SECRET must be a "
        "random string of at least 32 characters"
    )

# The bearer token a Prometheus scraper sends to /metrics; none: /metrics refuses everyone.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "casework.log_format.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"}
        | ({"formatter": "json"} if LOG_FORMAT == "json" else {})
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# In JSON, the worker and beat log through the same handler rather than Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
