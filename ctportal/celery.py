"""The Celery application. Eager in the embedded default, Redis-backed in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctportal.settings.local")

app = Celery("ctportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Counts every task's outcome for /metrics, in whichever process runs tasks.
import ctportal.observability.tasks  # noqa: E402, F401

# A worker whose consumer stops taking messages ends itself, for its supervisor to restart.
import ctportal.watchdog  # noqa: E402, F401
