"""Every write of a case and of an identity, and the one way to read an identity.

Functions that handle identities hide their local variables from error
reports (``sensitive_variables``), so a crash never mails a name.

Services check the access policy themselves, so pages, API and commands
cannot forget it: a case outside the user's scope is a 404, a case they may
see but not work on (administrators) a 403. Bad input raises a
ValidationError keyed by field and writes nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from ctportal import access
from ctportal.audit import StaleVersion, check_version, save_with_history
from ctportal.network import client_ip
from projects.models import Project

from .crypto import reencrypt
from .models import Case, CaseNote, Identity, IdentityAccess, new_reference
from .vocabulary import FLAG_GROUPS, CaseStatus, ClosureReason, IdentityAction, flag_field

logger = logging.getLogger(__name__)

CASE_FIELDS = (
    "project",
    "identification_date",
    "identified_by",
    "referring_organisation",
    "sex",
    "age_at_identification",
    "citizenship",
    "country_of_origin",
    "transit_countries",
    "country_of_exploitation",
    "labour_sector",
    "recruiter_relation",
    "status",
    "consent_assistance",
    "consent_referral",
    "consent_share_data",
    "consent_date",
)
IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "documents",
)
CONSENTS = ("consent_assistance", "consent_referral", "consent_share_data")


def require_case_work(user, case: Case) -> None:
    """Writing on a case: 404 outside the user's scope, 403 when seen but not worked on."""
    if access.can_work_case(user, case):
        return
    if Case.objects.visible_to(user).filter(pk=case.pk).exists():
        raise PermissionDenied
    raise Http404


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _raise(errors: Mapping[str, Any]) -> None:
    if errors:
        raise ValidationError(dict(errors))


def _full_clean(instance, errors: dict[str, Any]) -> None:
    """Model validation merged with the service's own messages, which win."""
    try:
        instance.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    _raise(errors)


def _apply(case: Case, data: Mapping[str, Any], errors: dict[str, Any]) -> None:
    for field in CASE_FIELDS:
        if field in data:
            setattr(case, field, data[field])
    for group, vocabulary in FLAG_GROUPS.items():
        if group not in data:
            continue
        codes = list(data[group] or [])
        unknown = [str(code) for code in codes if code not in vocabulary.values]
        if unknown:
            errors[group] = _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}
            continue
        for code in vocabulary.values:
            setattr(case, flag_field(code), code in codes)


def _validate(case: Case, user, errors: dict[str, Any]) -> None:
    today = timezone.localdate()
    if isinstance(case.identification_date, datetime.date) and case.identification_date > today:
        errors["identification_date"] = _("The date of identification cannot be in the future.")
    if any(getattr(case, consent) for consent in CONSENTS) and not case.consent_date:
        errors["consent_date"] = _("Give the date on which the consent was given.")
    elif isinstance(case.consent_date, datetime.date) and case.consent_date > today:
        errors["consent_date"] = _("The date of consent cannot be in the future.")
    if case.labour_sector and not case.is_forced_labour:
        errors["labour_sector"] = _("A labour sector is recorded for forced labour only.")
    if (
        case.project_id
        and not access.scope_projects(Project.objects.filter(pk=case.project_id), user).exists()
    ):
        errors["project"] = _("Pick a project you work on.")
    identity = Identity.objects.filter(case_id=case.pk).first() if case.pk else None
    if identity and identity.date_of_birth:
        errors.update(_birth_errors(case, identity.date_of_birth, "identification_date"))


def _birth_errors(case: Case, birth: datetime.date, field: str) -> dict[str, str]:
    """Identification before birth, or an age that contradicts the date of birth."""
    day = case.identification_date
    if not isinstance(day, datetime.date):
        return {}
    if day < birth:
        return {field: _("The date of identification is before the date of birth.")}
    age = case.age_at_identification
    if age is not None and age != age_on(birth, day):
        return {
            field: _(
                "The date of birth gives an age of %(computed)s at identification, "
                "but the case records %(age)s."
            )
            % {"computed": age_on(birth, day), "age": age}
        }
    return {}


def _unique_reference() -> str:
    reference = new_reference()
    while Case.objects.filter(reference=reference).exists():
        reference = new_reference()
    return reference


@sensitive_variables()
@transaction.atomic
def case_register(
    *,
    user,
    data: Mapping[str, Any],
    identity: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Register a case in the case worker's country office, optionally with its identity.

    ``data`` holds Case fields plus code lists ``exploitation_types``,
    ``means_of_control`` and ``vulnerabilities``. Raises PermissionDenied
    for anyone but a verified case worker with a country office.
    """
    office = access.case_office_id(user)
    if office is None:
        raise PermissionDenied
    case = Case(country_office_id=office, registered_by=user, reference=_unique_reference())
    errors: dict[str, Any] = {}
    _apply(case, data, errors)
    if case.status == CaseStatus.CLOSED:
        errors["status"] = _("A new case cannot be closed.")
    _validate(case, user, errors)
    _full_clean(case, errors)
    save_with_history(case, user=user)
    if identity:
        identity_save(user=user, case=case, data=identity, request=request)
    return case


@transaction.atomic
def case_update(
    *, user, case: Case, data: Mapping[str, Any], expected_version: int | None = None
) -> Case:
    """Change a case's fields; raises StaleVersion when someone saved it in between."""
    require_case_work(user, case)
    version = check_version(Case, case.pk, expected_version)
    case = Case.objects.get(pk=case.pk)
    was_closed = case.status == CaseStatus.CLOSED
    errors: dict[str, Any] = {}
    _apply(case, data, errors)
    if "status" in data:
        if was_closed and case.status != CaseStatus.CLOSED:
            errors["status"] = _("This case is closed; its status cannot change.")
        elif not was_closed and case.status == CaseStatus.CLOSED:
            errors["status"] = _("Close a case with “Close case”: it needs a closure reason.")
    _validate(case, user, errors)
    case.version = version
    _full_clean(case, errors)
    return save_with_history(case, user=user)


@transaction.atomic
def case_close(
    *,
    user,
    case: Case,
    closure_reason: str,
    closed_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Case:
    """Close a case with its reason (and date, today by default)."""
    require_case_work(user, case)
    version = check_version(Case, case.pk, expected_version)
    case = Case.objects.get(pk=case.pk)
    closed_on = closed_on or timezone.localdate()
    errors: dict[str, Any] = {}
    if case.status == CaseStatus.CLOSED:
        errors["status"] = _("This case is already closed.")
    if not closure_reason:
        errors["closure_reason"] = _("Give the reason for closing the case.")
    elif closure_reason not in ClosureReason.values:
        errors["closure_reason"] = _("Unknown code: %(codes)s.") % {"codes": closure_reason}
    if closed_on < case.identification_date:
        errors["closed_on"] = _("A case cannot be closed before its date of identification.")
    elif closed_on > timezone.localdate():
        errors["closed_on"] = _("The closing date cannot be in the future.")
    _raise(errors)
    case.status, case.closure_reason, case.closed_on = CaseStatus.CLOSED, closure_reason, closed_on
    case.version = version
    _full_clean(case, {})
    return save_with_history(case, user=user, reason="closed")


def _log_access(*, user, case: Case, action: str, request: HttpRequest | None) -> IdentityAccess:
    meta = request.META if request is not None else {}
    return IdentityAccess.objects.create(
        user=user,
        case=case,
        action=action,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:255],
    )


def _identity_scope(user, case: Case) -> Case:
    """The case, locked, if its identity is within the user's reach; 404 otherwise."""
    try:
        return Case.objects.with_identity_access(user).select_for_update().get(pk=case.pk)
    except Case.DoesNotExist:
        # Who tried which case, never anything of the identity itself.
        logger.warning("Identity of case %s refused to user %s", case.pk, getattr(user, "pk", None))
        raise Http404 from None


@sensitive_variables()
@transaction.atomic
def identity_read(*, user, case: Case, request: HttpRequest | None = None) -> Identity | None:
    """The identity of a case (None when not recorded yet), logged in the same transaction.

    Only case workers of the case's country office with a verified second
    factor get it; everyone else, administrators included, gets Http404.
    """
    case = _identity_scope(user, case)
    _log_access(user=user, case=case, action=IdentityAction.READ, request=request)
    return Identity.objects.filter(case=case).first()


def identity_version(identity: Identity | None) -> int:
    """The version of an identity: when it was last saved, in microseconds (0: none yet)."""
    if identity is None or identity.updated_at is None:
        return 0
    return int(identity.updated_at.timestamp() * 1_000_000)


@sensitive_variables()
@transaction.atomic
def identity_save(
    *,
    user,
    case: Case,
    data: Mapping[str, Any],
    request: HttpRequest | None = None,
    expected_version: int | None = None,
) -> Identity:
    """Record or change the identity of a case (encrypted on save), logged as a write.

    A date of birth fills in the age at identification when the case has none
    and must agree with it when it has one. With ``expected_version`` (see
    ``identity_version``), raises StaleVersion when someone saved it since.
    """
    case = _identity_scope(user, case)
    identity = Identity.objects.filter(case=case).first() or Identity(case=case)
    current = identity_version(None if identity._state.adding else identity)
    if expected_version is not None and expected_version != current:
        raise StaleVersion(current)
    for field in IDENTITY_FIELDS:
        if field in data:
            setattr(identity, field, data[field] if data[field] is not None else "")
    if not identity.date_of_birth:
        identity.date_of_birth = None
    identity.updated_by = user
    errors: dict[str, Any] = {}
    try:
        identity.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    birth = identity.date_of_birth
    if isinstance(birth, datetime.date) and "date_of_birth" not in errors:
        if birth > timezone.localdate():
            errors["date_of_birth"] = _("The date of birth cannot be in the future.")
        else:
            errors.update(_birth_errors(case, birth, "date_of_birth"))
    _raise(errors)
    identity.save()
    if isinstance(birth, datetime.date) and case.age_at_identification is None:
        case.age_at_identification = age_on(birth, case.identification_date)
        case.version += 1
        save_with_history(case, user=user, reason="age from date of birth")
    _log_access(user=user, case=case, action=IdentityAction.WRITE, request=request)
    return identity


@sensitive_variables()
@transaction.atomic
def identities_reencrypt(*, batch_size: int = 500) -> int:
    """Re-encrypt every identity and note with the first key, after a new key was put first.

    Works on the stored tokens, in batches, without building model instances;
    returns the number of rows rewritten. Old keys can go once this has run.
    """
    rewritten = 0
    quote = connection.ops.quote_name
    for model, fields in ((Identity, IDENTITY_FIELDS), (CaseNote, ("text",))):
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        columns = [quote(model._meta.get_field(name).column) for name in fields]
        # Names come from the models' metadata; every value is a parameter.
        listed = ", ".join(columns)
        select = f"SELECT {pk}, {listed} FROM {table} WHERE {pk} > %s ORDER BY {pk}"  # noqa: S608
        assignments = ", ".join(f"{column} = %s" for column in columns)
        update = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
        last = 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(f"{select} LIMIT %s", [last, batch_size])
                rows = cursor.fetchall()
                if not rows:
                    break
                for pk_value, *tokens in rows:
                    cursor.execute(update, [*(reencrypt(t) if t else t for t in tokens), pk_value])
                rewritten += len(rows)
                last = rows[-1][0]
    return rewritten
