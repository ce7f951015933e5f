"""``/metrics`` for Prometheus: reachable only from configured addresses or with a token.

django-prometheus measures requests and responses (counts, latency, status) in each
process; with several gunicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` makes them
one set (prometheus_client's multiprocess mode). The portal adds what no
single process knows, read from the database and the shared cache at each
scrape: background jobs by kind and state, Celery task outcomes and the age of
the worker's heartbeat.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ctportal.network import client_ip

from . import tasks as task_metrics


def metrics_allowed(request: HttpRequest) -> bool:
    """A scrape is let in with the bearer token, or from an address in METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    networks = [ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS]
    return any(ip in network for network in networks)


def _portal_task_names() -> list[str]:
    from ctportal.celery import app

    return sorted(name for name in app.tasks if not name.startswith("celery."))


class PortalCollector:
    """The portal's own figures, read at scrape time from the database and the cache."""

    def collect(self):
        from django.db.models import Count

        from ctportal.jobs import job_models

        jobs = GaugeMetricFamily(
            "ctportal_jobs", "Background jobs by kind and status", labels=["kind", "status"]
        )
        for model in job_models():
            rows = model.objects.order_by().values("status").annotate(n=Count("pk"))
            for row in rows:
                jobs.add_metric([model._meta.label_lower, row["status"]], row["n"])
        yield jobs

        counts = task_metrics.task_counts(_portal_task_names())
        tasks = CounterMetricFamily(
            "ctportal_celery_tasks", "Celery task outcomes", labels=["task", "outcome"]
        )
        for (name, outcome), value in sorted(counts.items()):
            tasks.add_metric([name, outcome], value)
        yield tasks

        beat = task_metrics.heartbeat_last()
        age = GaugeMetricFamily(
            "ctportal_worker_heartbeat_age_seconds",
            "Seconds since a Celery worker last ran the heartbeat task (-1: never seen)",
        )
        age.add_metric([], time.time() - beat["at"] if beat else -1)
        yield age


def registry() -> CollectorRegistry:
    if settings.PROMETHEUS_MULTIPROC_DIR:
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=settings.PROMETHEUS_MULTIPROC_DIR)
        return merged
    return REGISTRY


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    # A 404, not a 403: the endpoint is not advertised to those who may not scrape it.
    if not metrics_allowed(request):
        raise Http404
    output = generate_latest(registry())
    portal = CollectorRegistry()
    portal.register(PortalCollector())
    output += generate_latest(portal)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
