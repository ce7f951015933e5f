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
