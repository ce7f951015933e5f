"""gunicorn settings: workers sized from the machine's cores, a few threads each.

Requests mostly wait on PostgreSQL, so each worker runs threads; 2 x cores + 1
workers is gunicorn's own advice. WEB_CONCURRENCY and WEB_THREADS override them.
With CONN_MAX_AGE every thread may hold one database connection: workers x
threads must stay under PostgreSQL's max_connections (100 by default).
"""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("WEB_THREADS") or 4)
worker_class = "gthread"
# A request still running after this long is stopped and its worker replaced.
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = "*"
# gunicorn's control socket has one default path per user: several servers on one host
# (web nodes, the drills) would take it from each other. Nothing here uses it.
control_socket_disable = True

# Several workers, one /metrics: prometheus_client keeps each worker's figures in
# PROMETHEUS_MULTIPROC_DIR, emptied at start; a worker's files are closed when it exits.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _metrics_dir:
        import pathlib

        directory = pathlib.Path(_metrics_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# LOG_FORMAT=json: access lines are JSON objects too, with the request id the portal returned.
_production = "production" in os.environ.get("DJANGO_SETTINGS_MODULE", "")
if os.environ.get("LOG_FORMAT", "json" if _production else "text") == "json":
    access_log_format = (
        '{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
        '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
        '"request_id": "%({x-request-id}o)s", "user_agent": "%(a)s"}'
    )
