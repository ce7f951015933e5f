"""The kinds of email the portal sends, and who may receive each.

No kind carries victim data: case digests name cases by their pseudonymous
reference only, and every message links back to the portal, where the access
policy decides what the reader sees.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ctportal.access import Role, role_of


class NotificationKind(models.TextChoices):
    REPORT_READY = "report_ready", _("A donor report of a project you fund is ready")
    JOB_ENDED = "job_ended", _("An import or export you started has finished or failed")
    CASE_DIGEST = "case_digest", _("Weekly list of your office's cases needing follow-up")
    ACCOUNT_LOCKED = "account_locked", _("An account was locked after failed sign-ins")


# Who may receive each kind (and so sees it on the preferences page).
ROLES: dict[str, set[str]] = {
    NotificationKind.REPORT_READY: {Role.DONOR},
    NotificationKind.JOB_ENDED: {
        Role.PROGRAMME_OFFICER,
        Role.ME_OFFICER,
        Role.ANALYST,
        Role.CASE_WORKER,
        Role.ADMINISTRATOR,
    },
    NotificationKind.CASE_DIGEST: {Role.CASE_WORKER},
    NotificationKind.ACCOUNT_LOCKED: {Role.ADMINISTRATOR},
}


def kinds_for(user) -> list[NotificationKind]:
    """The kinds this user may receive, in the order of the list above."""
    role = role_of(user)
    return [kind for kind in NotificationKind if role in ROLES[kind]]
