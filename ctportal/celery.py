"""The Celery application. Eager in the embedded default, Redis-backed in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctportal.settings.local")

app = Celery("ctportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Counts every task's outcome for /metrics, in whichever process runs tasks.
import ctportal.observability.tasks  # noqa: E402, F401
