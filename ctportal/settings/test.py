"""Test settings: the same database and cache choice as base (SQLite or DATABASE_URL)."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, REST_FRAMEWORK, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Files in memory whatever the environment names: tests marked s3 switch to the
# S3-compatible server themselves (tests/s3).
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run eagerly in tests; the worker tests start a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "1000/minute",
        "user_burst": "100000/minute",
        "user": "100000/hour",
    },
}
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "ctportal-test"
    # Tests clear the cache, which flushes the whole Redis database: parallel workers
    # (pytest-xdist) each get a database of their own, after the one REDIS_URL names.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if _worker.startswith("gw"):
        _url = urlsplit(REDIS_URL)
        _base = int(_url.path.strip("/") or 0)
        CACHES["default"]["LOCATION"] = urlunsplit(
            _url._replace(path=f"/{_base + 1 + int(_worker[2:])}")
        )

# Static files come straight from the finders; no collectstatic before tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
