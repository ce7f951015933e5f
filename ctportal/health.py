"""/healthz: the state of the database, the cache, the Celery broker, file storage and the worker.

The first four serve requests: any of them down is a 503, so a load balancer
takes the node out. A worker that has not beaten for a while does not stop this
node serving pages; it is reported as "stale" and the whole as "degraded",
still a 200, for monitoring to act on.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
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


def _storage() -> str:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as stored:
            if stored.read() != b"ok":
                raise RuntimeError("storage did not return the file it was given")
    finally:
        default_storage.delete(name)
    return "ok"


CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "storage": _storage}


def _worker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "eager"}
    from ctportal.observability.tasks import heartbeat_last

    beat = heartbeat_last()
    if not beat:
        return {"status": "stale", "last_seen_seconds": None}
    age = round(time.time() - beat["at"])
    status = "ok" if age <= settings.WORKER_HEARTBEAT_STALE_AFTER else "stale"
    return {"status": status, "last_seen_seconds": age}


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
    try:
        report["worker"] = _worker()
    except Exception as exc:  # noqa: BLE001 - the cache is reported above
        report["worker"] = {"status": "unknown", "error": exc.__class__.__name__}
    status = "ok" if healthy else "down"
    if healthy and report["worker"]["status"] not in ("ok", "eager"):
        status = "degraded"
    return JsonResponse({"status": status, "checks": report}, status=200 if healthy else 503)
