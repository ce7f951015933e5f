"""/healthz: the state of the database, the cache and the Celery broker."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value it was given")
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from ctportal.celery import app

    with app.connection_for_write() as conn:
        # One quick try, so /healthz answers within a second whatever is down.
        conn.ensure_connection(max_retries=0, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    return "ok"


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def healthz(request):
    report = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            report[name] = {"status": check()}
        except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
            healthy = False
            report[name] = {"status": "down", "error": exc.__class__.__name__}
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": report}, status=200 if healthy else 503
    )
