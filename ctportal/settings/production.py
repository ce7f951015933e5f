"""Production: refuses to start without SECRET_KEY, ALLOWED_HOSTS, identity keys,
PostgreSQL and Redis.

Production may run as several web nodes and workers: nothing may live in one
process's memory or on one machine's disk. Sessions, sign-in failures and locks
and job rows are in PostgreSQL; the cache (throttles, import progress, dashboard
figures) and the Celery broker are in Redis. The embedded fallbacks (SQLite
under var/, a local-memory cache, eager tasks) would each split the portal in
as many copies as there are processes, so production refuses them.
"""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, IDENTITY_ENCRYPTION_DEVELOPMENT_KEY, LOGGING, REDIS_URL, STORAGES, env

DEBUG = False
try:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(f"Production settings: {exc}.") from exc
if not ALLOWED_HOSTS or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("embedded-"):
    raise ImproperlyConfigured(
        "Production needs ALLOWED_HOSTS and a SECRET_KEY of 50 characters or more."
    )

IDENTITY_ENCRYPTION_KEYS = env.list("IDENTITY_ENCRYPTION_KEYS", default=[])
if not IDENTITY_ENCRYPTION_KEYS or IDENTITY_ENCRYPTION_DEVELOPMENT_KEY in IDENTITY_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Production needs IDENTITY_ENCRYPTION_KEYS: one or more Fernet keys, comma-separated, "
        "newest first (python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )
try:
    [Fernet(key) for key in IDENTITY_ENCRYPTION_KEYS]
except ValueError as exc:
    raise ImproperlyConfigured(
        "IDENTITY_ENCRYPTION_KEYS holds a value that is not a Fernet key "
        "(32 url-safe base64-encoded bytes)."
    ) from exc

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Production needs DATABASE_URL pointing to PostgreSQL, e.g. "
        "postgres://user:password@host:5432/ctportal (SQLite is the embedded default only)."
    )
if not REDIS_URL:
    raise ImproperlyConfigured(
        "Production needs REDIS_URL (e.g. redis://host:6379/0): the cache and the Celery "
        "broker every web node and worker share."
    )

# Each gunicorn thread keeps its database connection for a minute, checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object a line, unless LOG_FORMAT=text.
LOGGING["handlers"]["console"]["formatter"] = (
    "text" if env("LOG_FORMAT", default="json") == "text" else "json"
)
