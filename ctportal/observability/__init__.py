"""What operators see of a running portal: Prometheus metrics, error reports and logs.

- ``prometheus``: ``/metrics`` for Prometheus, behind an address list or a token,
  with the portal's own figures (jobs by state, Celery task outcomes, the
  worker's heartbeat) beside django-prometheus's request and database metrics.
- ``tasks``: counts every Celery task's outcome and keeps the worker's heartbeat,
  in the shared cache so every web node reports the same numbers.
- ``sentry``: optional error reports (``SENTRY_DSN``), scrubbed of identities,
  notes and request bodies before they leave the process.

Request ids (django-guid) tie log lines of a request to those of the Celery
tasks it started; production logs are JSON lines (python-json-logger).
"""
