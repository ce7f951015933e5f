"""Events of other apps that become email notifications."""

import logging

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from ctportal.jobs import job_ended

from . import announcements, services

logger = logging.getLogger(__name__)


@receiver(job_ended, dispatch_uid="notifications.job_ended")
def _job_ended(sender, job, **kwargs) -> None:
    try:
        announcements.job_ended_announce(job)
    except Exception:  # a notice that cannot be recorded must not undo the finished job
        logger.exception("could not announce the end of %s #%s", sender._meta.label, job.pk)


@receiver(user_logged_in, dispatch_uid="notifications.language")
def _remember_language(sender, request, user, **kwargs) -> None:
    language = getattr(request, "LANGUAGE_CODE", "") if request is not None else ""
    if language:
        services.language_remember(user=user, language=language)
