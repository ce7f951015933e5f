"""Erasing what identifies a victim, keeping the anonymised case for figures.

Identifying data of a case, and what erasure does with it:
- the identity (names, date of birth, phone, email, address, documents): row deleted;
- case notes, free text that may name people, and their attachments (scans of
  passports, medical certificates): rows deleted, files removed from storage;
- the reason given for a referral sent without consent (free text): replaced
  by a fixed marker, in the referral and in its history.
The case row with its CTDC fields (sex, age at identification, nationality,
exploitation types...), its services, referrals and shelter stays stay, so the
case still counts in every figure. Each erasure is logged in IdentityErasure.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ctportal import access
from ctportal.network import client_ip

from ..models import (
    Case,
    CaseNote,
    ErasureKind,
    Identity,
    IdentityErasure,
    Referral,
)
from ..vocabulary import CaseStatus

logger = logging.getLogger(__name__)

ERASED_REASON = "[erased]"
REASON_LIMIT = 500


def retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Cases closed before this day have had their identities kept long enough."""
    today = today or timezone.localdate()
    years = settings.IDENTITY_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year that has none
        return today.replace(year=today.year - years, day=28)


def _has_identifying_data():
    case = OuterRef("pk")
    return (
        Exists(Identity.objects.filter(case=case))
        | Exists(CaseNote.objects.filter(case=case))
        | Exists(
            Referral.objects.filter(case=case, consent_override=True).exclude(
                override_reason=ERASED_REASON
            )
        )
    )


def _remove_files(names: Iterable[str], storage) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The file is encrypted under the identity keys; a leftover is logged, not fatal.
            logger.warning("Attachment %s of an erased case could not be removed", name)


def _erase(case: Case) -> dict[str, int | bool]:
    identity_erased = Identity.objects.filter(case=case).delete()[0] > 0
    notes = list(CaseNote.objects.filter(case=case).only("pk", "attachment"))
    files = [note.attachment.name for note in notes if note.attachment]
    CaseNote.objects.filter(case=case).delete()
    if files:
        storage = CaseNote._meta.get_field("attachment").storage
        transaction.on_commit(lambda: _remove_files(files, storage))
    overridden = Referral.objects.filter(case=case, consent_override=True).exclude(
        override_reason=ERASED_REASON
    )
    reasons = overridden.update(override_reason=ERASED_REASON)
    # The history keeps every earlier value of a referral: the reason goes there too.
    Referral.history.filter(case_id=case.pk).exclude(override_reason="").exclude(
        override_reason=ERASED_REASON
    ).update(override_reason=ERASED_REASON)
    return {
        "identity_erased": identity_erased,
        "notes_erased": len(notes),
        "attachments_erased": len(files),
        "referral_reasons_erased": reasons,
    }


@transaction.atomic
def identity_erase(
    *, user, case: Case, reason: str, request: HttpRequest | None = None
) -> IdentityErasure:
    """Erase a victim's identifying data on request: administrators only; irreversible.

    ``reason`` says why (the request received), without naming the person.
    Raises PermissionDenied for anyone but an administrator, Http404-like
    Case.DoesNotExist outside their scope, ValidationError without a reason.
    """
    if access.role_of(user) != access.Role.ADMINISTRATOR:
        raise PermissionDenied
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the identity is erased.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            {"reason": _("At most %(limit)s characters.") % {"limit": REASON_LIMIT}}
        )
    case = Case.objects.visible_to(user).select_for_update().get(pk=case.pk)
    erased = _erase(case)
    return IdentityErasure.objects.create(
        case=case,
        kind=ErasureKind.REQUEST,
        erased_by=user,
        reason=reason,
        ip_address=client_ip(request) if request is not None else None,
        **erased,
    )


def identities_erase_expired(*, today: datetime.date | None = None) -> list[int]:
    """Erase the identifying data of every case closed before the retention cutoff.

    Safe to run again at any time: a case with nothing identifying left is not
    touched. Each case is erased in its own transaction. Returns their ids.
    """
    cutoff = retention_cutoff(today)
    due = (
        Case.objects.filter(status=CaseStatus.CLOSED, closed_on__lt=cutoff)
        .filter(_has_identifying_data())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    erased = []
    for pk in due.iterator():
        with transaction.atomic():
            case = (
                Case.objects.select_for_update()
                .filter(pk=pk, status=CaseStatus.CLOSED, closed_on__lt=cutoff)
                .first()
            )
            if case is None:  # reopened since the list was read
                continue
            counts = _erase(case)
            IdentityErasure.objects.create(
                case=case,
                kind=ErasureKind.RETENTION,
                reason=(
                    f"Closed on {case.closed_on.isoformat()}; retention period of "
                    f"{settings.IDENTITY_RETENTION_YEARS} years over."
                ),
                **counts,
            )
        erased.append(pk)
    return erased
