"""Settings shared by every environment, read from the environment.

With no variables at all the portal runs embedded: SQLite under var/, a
local-memory cache and Celery tasks executed eagerly in-process.
DATABASE_URL switches to PostgreSQL, REDIS_URL to Redis for the cache and
the Celery broker.
"""

import base64
import hashlib
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from .media import media_storages

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="embedded-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the portal's own page (ctportal.errors), not Django's bare one.
CSRF_FAILURE_VIEW = "ctportal.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts.apps.SignInAttemptsConfig",
    "csp",
    "django_prometheus",
    "django_guid",
    "ctportal",
    "accounts",
    "projects",
    "trainings",
    "assistance",
    "research",
    "dashboards",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ctportal.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ctportal.middleware.RoleRequiredMiddleware",
    "accounts.second_factor.SecondFactorMiddleware",
    "ctportal.navigation.SectionMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "ctportal.urls"
WSGI_APPLICATION = "ctportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ctportal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ctportal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, checked before each request reuses them, so a database
# restart costs the requests in flight, not every request of the connection's life.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# Seconds to wait for Redis before going on without it (cache) or giving up (broker).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)


def redis_cache(location: str) -> dict:
    """The cache on Redis. It fails open: with Redis unreachable every read is a miss
    and every write is skipped, with a warning logged (logger ``ctportal.cache``), and
    pages, the API (its throttles) and dashboards go on from the database."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="ctportal"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            "IGNORE_EXCEPTIONS": True,
        },
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "ctportal.cache"

# Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A job's outcome is kept on its own row; nothing reads task results, and storing
# them would tie every send to the result backend too.
CELERY_TASK_IGNORE_RESULT = True
# A job's message is acknowledged once the job ends, and handed back to the queue
# when the worker running it dies, so a killed worker loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every background job ends within JOB_TIME_LIMIT seconds (see ctportal.jobs). A message
# not acknowledged within the visibility timeout is delivered again: just over the
# limit, so only a job whose worker vanished is redelivered.
JOB_TIME_LIMIT = env.int("JOB_TIME_LIMIT", default=660)
# A running job touches its heartbeat every JOB_HEARTBEAT seconds; silent for
# JOB_STOPPED_AFTER seconds it is shown as stopped and may be run again.
JOB_HEARTBEAT = env.int("JOB_HEARTBEAT", default=15)
JOB_STOPPED_AFTER = env.int("JOB_STOPPED_AFTER", default=120)
# A job sent this many seconds ago and never started lost its message (a broker
# restarted without its data): the sweeper, every JOB_SWEEP seconds, sends it again.
JOB_RESEND_AFTER = env.int("JOB_RESEND_AFTER", default=600)
JOB_SWEEP = env.int("JOB_SWEEP", default=60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=JOB_TIME_LIMIT + 60),
    "socket_connect_timeout": 1,
}
# Sending a job never holds a web request for long: one quick try, and a job that
# could not be sent stays in the outbox (ctportal.jobs) for the sweeper.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = False
# Each worker also reads a queue of its own, where it probes itself: a worker whose consumer
# takes no message for WORKER_WATCHDOG_GRACE seconds while the broker is reachable and a
# slot is free stops, for its supervisor to start afresh (ctportal.watchdog; 0 turns it off).
CELERY_WORKER_DIRECT = True
WORKER_WATCHDOG_INTERVAL = env.int("WORKER_WATCHDOG_INTERVAL", default=30)
WORKER_WATCHDOG_GRACE = env.int("WORKER_WATCHDOG_GRACE", default=120)
# Identities of cases closed longer ago than this are erased (the anonymised case stays).
IDENTITY_RETENTION_YEARS = env.int("IDENTITY_RETENTION_YEARS", default=5)
CELERY_BEAT_SCHEDULE = {
    # Email notifications recorded while the broker was unreachable.
    "send-waiting-notifications": {
        "task": "notifications.tasks.send_waiting_notifications",
        "schedule": 300,
    },
    # Monday morning: each case worker's cases needing follow-up (references only).
    "case-digests-weekly": {
        "task": "notifications.tasks.send_case_digests",
        "schedule": crontab(minute=0, hour=6, day_of_week=1),
    },
    # /healthz and /metrics tell from this whether a worker is taking tasks.
    "worker-heartbeat": {"task": "ctportal.tasks.worker_heartbeat", "schedule": 60},
    # Jobs recorded while the broker was unreachable, or whose message was lost.
    "send-waiting-jobs": {"task": "ctportal.tasks.send_waiting_jobs", "schedule": JOB_SWEEP},
    # Figures kept for dashboards: rebuilt after changes anyway; this catches up on any
    # rebuild lost with its worker, and on scopes and widgets added since.
    "figure-summaries": {"task": "dashboards.tasks.rebuild_summaries", "schedule": 60 * 30},
    # Every night: identities whose retention period is over are erased.
    "identity-retention-nightly": {
        "task": "assistance.tasks.erase_expired_identities",
        "schedule": crontab(minute=15, hour=1),
    },
    "portfolio-iati-export-nightly": {
        "task": "projects.tasks.scheduled_portfolio_export",
        "schedule": 60 * 60 * 24,
    },
    # Every day of a quarter's first week: the previous quarter's donor reports (once each).
    "donor-reports-quarterly": {
        "task": "reports.tasks.schedule_quarterly_reports",
        "schedule": crontab(minute=30, hour=2, day_of_month="1-7", month_of_year="1,4,7,10"),
        "kwargs": {"languages": ["en"]},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Case workers, administrators and admin staff confirm every sign-in with a
# time-based one-time password (accounts.second_factor).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="ctportal")

# Victims' identity details are encrypted with these Fernet keys: the first
# encrypts, every key decrypts, so a new key goes first and old ones stay until
# `manage.py rotate_identity_keys` has re-encrypted everything. Without the
# variable the embedded portal uses a fixed development key derived here and
# `manage.py check` says so; production refuses to start without real keys.
IDENTITY_ENCRYPTION_DEVELOPMENT_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"ctportal embedded development identity key").digest()
).decode()
IDENTITY_ENCRYPTION_KEYS = env.list("IDENTITY_ENCRYPTION_KEYS", default=[]) or [
    IDENTITY_ENCRYPTION_DEVELOPMENT_KEY
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

# Sessions live in the database, so any web node reads a session another one started.
SESSION_ENGINE = "accounts.sessions"
# Sessions end after 30 minutes without a request (renewed at most once a minute,
# accounts.sessions).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Failed sign-ins: five per account, from one address or from many, lock it.
# The lock starts at 15 minutes and doubles with each further lock of the day,
# up to 4 hours (accounts.lockout); administrators get a mail and can lift it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
# Failures while locked neither extend the lock nor count again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Each failure expires after its own account's lock time, not the caller's.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures and locks are rows in the database, shared by every web node (never a
# process's memory or a cache that may be flushed).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Reverse proxies in front of the portal that append the client to X-Forwarded-For
# (0: clients connect directly). Sign-in locks and the identity access log use it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "ctportal.network.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language, everywhere (ctportal/formats).
FORMAT_MODULE_PATH = ["ctportal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Media on an S3-compatible store when MEDIA_STORAGE_URL or AWS_STORAGE_BUCKET_NAME is
# set, on the disk under MEDIA_ROOT otherwise (see ctportal/settings/media.py).
STORAGES = {
    **media_storages(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest document a user may upload (ctportal.uploads); bigger files are dropped as they arrive.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ctportal.api.HasRole"],
    "DEFAULT_FILTER_BACKENDS": [
        "ctportal.api_filters.PortalFilterBackend",
        "ctportal.api_filters.PortalOrderingFilter",
        "ctportal.api_filters.PortalSearchFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "ctportal.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "ctportal.api.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "ctportal.api.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "ctportal.api.CSVRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "ctportal.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "ctportal.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        # Both per-user rates (user_burst, user) in one cache round trip.
        "ctportal.api.UserRatesThrottle",
    ],
    # An analyst exporting 100,000 transactions at 1,000 a page makes 100 requests
    # in a minute or two; the hourly limit leaves room for several such exports
    # and a dashboard's worth of calls, the burst limit stops a runaway loop.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="30/minute"),
        "user_burst": env("API_THROTTLE_USER_BURST", default="300/minute"),
        "user": env("API_THROTTLE_USER", default="10000/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles count the same client address as sign-in locks (ctportal.network): with
    # proxies in front, the one the outermost trusted proxy saw. Left unset, DRF would
    # count the whole X-Forwarded-For, which a caller forges to escape the limits.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ctportal API",
    "DESCRIPTION": (
        "The counter-trafficking portfolio as data: projects and reference data "
        "(countries, organisations, funding, transactions, results, indicators, documents), "
        "trainings and their participants, research and policy support, victim assistance "
        "(cases, services, referrals, shelter stays, notes, the directory of service "
        "providers, figures), anonymised case data in the CTDC layout, and the "
        "dashboards' metrics.\n\n"
        "Authenticate with a personal token (`Authorization: Token <token>`), created at "
        "/accounts/tokens/. Every list is paginated (`page`, `page_size` up to 1000), "
        "answers JSON or CSV (`?format=csv`), and holds only what the caller may see: "
        "records outside their scope answer 404, and aggregate readers (donors, analysts) "
        "get no rows of people in small groups. Getting started: /api/guide/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The areas the reference at /api/docs/ groups operations under (ctportal.api_docs).
    "TAGS": [
        {"name": "Projects and reference data"},
        {"name": "Trainings"},
        {"name": "Research and policy"},
        {"name": "Victim assistance"},
        {"name": "Anonymised case data (CTDC)"},
        {"name": "Metrics"},
        {"name": "Authentication"},
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema is for people with a role, like every other page.
    "SERVE_PERMISSIONS": ["ctportal.api.HasRole"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ctportal.api_schema.document_errors",
    ],
    # Several models have a "kind"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "projects.models.OrganisationKind",
        "TransactionKindEnum": "projects.models.TransactionKind",
        "ResultKindEnum": "projects.models.ResultKind",
        "ProjectStatusEnum": "projects.models.ProjectStatus",
        "SessionKindEnum": "trainings.models.SessionKind",
        "SessionStatusEnum": "trainings.models.SessionStatus",
        "ResearchOutputKindEnum": "research.models.OutputKind",
        "ResearchOutputStatusEnum": "research.models.OutputStatus",
        "AwarenessActivityKindEnum": "research.models.ActivityKind",
        "CountryEnum": "django_countries.countries",
        "LanguageEnum": LANGUAGES,
    },
}

# Content Security Policy: nothing from outside, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Every request has an id (X-Request-ID: the proxy's when it sends a valid one, or a new
# one), returned in the response and carried into the Celery tasks it starts, so the
# log lines of one request and its jobs can be found together.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
# LOG_FORMAT=json (production's default): one JSON object a line, for log collectors.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "celery_tracing": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s "
            "%(celery_parent_id)s %(celery_current_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
                "celery_parent_id": "task_parent_id",
                "celery_current_id": "task_id",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT if LOG_FORMAT in ("text", "json") else "text",
            "filters": ["request_id", "celery_tracing"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django_guid": {"level": "WARNING"}},
}
# The worker logs through the same configuration, so its lines carry the request id too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# /metrics (Prometheus): from these addresses (after TRUSTED_PROXY_COUNT), or with
# "Authorization: Bearer METRICS_TOKEN" from anywhere.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Set with several gunicorn workers: prometheus_client adds up the workers' figures there.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# The worker runs the heartbeat task every minute; older than this, /healthz says "stale".
WORKER_HEARTBEAT_STALE_AFTER = env.int("WORKER_HEARTBEAT_STALE_AFTER", default=180)

# Error reports to Sentry, scrubbed of identities, notes and request bodies.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from ctportal.observability.sentry import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Mail (lock notices to administrators): the console unless EMAIL_URL is set,
# e.g. smtp+tls://user:password@smtp.example.org:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ctportal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

EXPORTS_DIR = "exports"
# Absolute address of the portal, for links in files built outside a request (IATI exports).
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")
