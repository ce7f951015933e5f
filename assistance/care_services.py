"""Every write of the care given to a case: services, referrals, shelter stays and notes.

Each service checks that the user works on the case (see
``services.require_case_work``), validates the whole input and writes
nothing when any of it is wrong.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from ctportal import access
from ctportal.audit import save_with_history
from ctportal.uploads import accept_upload

from .models import Case, CaseNote, Referral, Service, Shelter, ShelterStay
from .note_files import sealed
from .providers.selectors import offer_mismatch
from .services import require_case_work
from .vocabulary import REFERRAL_TRANSITIONS, CaseStatus, ReferralStatus

SERVICE_FIELDS = ("kind", "provider", "start_date", "end_date", "cost", "currency")
REFERRAL_FIELDS = ("from_organisation", "to_organisation", "service_kind", "sent_on")
SHELTER_FIELDS = ("name", "organisation", "country", "capacity")


def _check(instance, errors: dict[str, Any]) -> None:
    try:
        instance.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)


def _open_case(user, case: Case) -> Case:
    """The case, locked, when the user works on it and it is not closed."""
    require_case_work(user, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError({"case": _("This case is closed.")})
    return case


def _not_future(value, field: str, errors: dict[str, Any]) -> None:
    if isinstance(value, datetime.date) and value > timezone.localdate():
        errors.setdefault(field, _("This date cannot be in the future."))


@transaction.atomic
def service_record(*, user, case: Case, data: Mapping[str, Any]) -> Service:
    """Record a service delivered to the victim (kind, provider, dates, cost)."""
    case = _open_case(user, case)
    service = Service(case=case, recorded_by=user)
    for field in SERVICE_FIELDS:
        if field in data:
            setattr(service, field, data[field])
    errors: dict[str, Any] = {}
    start, end = service.start_date, service.end_date
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        errors["end_date"] = _("The end date must be on or after the start date.")
    _not_future(start, "start_date", errors)
    mismatch = offer_mismatch(organisation_id=service.provider_id, service=service.kind)
    if mismatch:
        errors["provider"] = mismatch
    _check(service, errors)
    return save_with_history(service, user=user)


@transaction.atomic
def referral_send(
    *, user, case: Case, data: Mapping[str, Any], override_reason: str = ""
) -> Referral:
    """Refer the victim to another organisation.

    Needs the victim's consent to be referred, or, without it, the reason for
    referring anyway (recorded on the referral as an override).
    """
    case = _open_case(user, case)
    referral = Referral(case=case, sent_by=user)
    for field in REFERRAL_FIELDS:
        if field in data:
            setattr(referral, field, data[field])
    if not referral.sent_on:
        referral.sent_on = timezone.localdate()
    errors: dict[str, Any] = {}
    override_reason = (override_reason or "").strip()
    if not case.consent_referral:
        if not override_reason:
            errors["override_reason"] = _(
                "The victim has not consented to be referred. Record their consent on the case, "
                "or give the reason for referring without it."
            )
        referral.consent_override, referral.override_reason = True, override_reason
    if (
        referral.from_organisation_id
        and referral.from_organisation_id == referral.to_organisation_id
    ):
        errors["to_organisation"] = _("A referral goes to another organisation.")
    mismatch = offer_mismatch(
        organisation_id=referral.to_organisation_id, service=referral.service_kind
    )
    if mismatch:
        errors.setdefault("to_organisation", mismatch)
    if isinstance(referral.sent_on, datetime.date) and referral.sent_on < case.identification_date:
        errors["sent_on"] = _("A referral cannot be sent before the date of identification.")
    _not_future(referral.sent_on, "sent_on", errors)
    _check(referral, errors)
    return save_with_history(referral, user=user)


@transaction.atomic
def referral_update_status(
    *, user, referral: Referral, status: str, responded_on: datetime.date | None = None
) -> Referral:
    """Move a referral on: sent → accepted or declined; accepted → completed or declined."""
    require_case_work(user, referral.case)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    errors: dict[str, Any] = {}
    if status not in ReferralStatus.values:
        errors["status"] = _("Unknown code: %(codes)s.") % {"codes": status}
    elif status not in REFERRAL_TRANSITIONS[ReferralStatus(referral.status)]:
        errors["status"] = _("A referral that is “%(current)s” cannot become “%(new)s”.") % {
            "current": ReferralStatus(referral.status).label,
            "new": ReferralStatus(status).label,
        }
    responded_on = responded_on or referral.responded_on or timezone.localdate()
    if responded_on < referral.sent_on:
        errors["responded_on"] = _("The answer cannot come before the referral was sent.")
    _not_future(responded_on, "responded_on", errors)
    if errors:
        raise ValidationError(errors)
    referral.status, referral.responded_on = status, responded_on
    _check(referral, {})
    return save_with_history(referral, user=user)


def _overlapping(stays, day: datetime.date):
    return stays.filter(
        Q(admitted_on__lte=day) & (Q(discharged_on__isnull=True) | Q(discharged_on__gt=day))
    )


def _from(stays, day: datetime.date):
    """Stays still running on or after ``day``: those an open stay from that day meets."""
    return stays.filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=day))


def _busiest_day(stays, since: datetime.date) -> tuple[datetime.date, int]:
    """The day from ``since`` on with the most people staying, and how many.

    A new stay runs from its admission onwards, so a back-dated admission must
    fit on every later day too; occupancy only rises on admission days.
    """
    running = list(_from(stays, since).values_list("admitted_on", "discharged_on"))
    days = {since} | {admitted for admitted, _discharged in running if admitted > since}

    def staying(day: datetime.date) -> int:
        return sum(1 for a, d in running if a <= day and (d is None or d > day))

    return max(
        ((day, staying(day)) for day in days), key=lambda pair: (pair[1], -pair[0].toordinal())
    )


@transaction.atomic
def stay_admit(*, user, case: Case, shelter: Shelter, admitted_on: datetime.date) -> ShelterStay:
    """Admit the victim to a shelter of the office's country, within its capacity."""
    case = _open_case(user, case)
    errors: dict[str, Any] = {}
    # Locking the shelter serialises admissions, so two cannot take its last place.
    locked = Shelter.objects.visible_to(user).select_for_update().filter(pk=shelter.pk).first()
    if locked is None:
        raise ValidationError({"shelter": _("Pick a shelter of your country office.")})
    if not isinstance(admitted_on, datetime.date):
        raise ValidationError({"admitted_on": _("Give the date of admission.")})
    _not_future(admitted_on, "admitted_on", errors)
    busiest, occupied = _busiest_day(ShelterStay.objects.filter(shelter=locked), admitted_on)
    if occupied >= locked.capacity:
        errors["shelter"] = _(
            "%(shelter)s is full on %(date)s: %(occupied)s of %(capacity)s places are taken."
        ) % {
            "shelter": locked.name,
            "date": busiest.isoformat(),
            "occupied": occupied,
            "capacity": locked.capacity,
        }
    if _from(case.stays.all(), admitted_on).exists():
        errors["admitted_on"] = _("The victim is already staying in a shelter on that day.")
    stay = ShelterStay(case=case, shelter=locked, admitted_on=admitted_on)
    _check(stay, errors)
    return save_with_history(stay, user=user)


@transaction.atomic
def stay_discharge(*, user, stay: ShelterStay, discharged_on: datetime.date) -> ShelterStay:
    """Record the end of a shelter stay."""
    require_case_work(user, stay.case)
    stay = ShelterStay.objects.select_for_update().get(pk=stay.pk)
    errors: dict[str, Any] = {}
    if stay.discharged_on:
        errors["discharged_on"] = _("This stay has already ended.")
    elif not isinstance(discharged_on, datetime.date):
        errors["discharged_on"] = _("Give the date of discharge.")
    elif discharged_on < stay.admitted_on:
        errors["discharged_on"] = _(
            "The discharge cannot come before the admission (%(date)s)."
        ) % {"date": stay.admitted_on.isoformat()}
    else:
        _not_future(discharged_on, "discharged_on", errors)
    if errors:
        raise ValidationError(errors)
    stay.discharged_on = discharged_on
    _check(stay, {})
    return save_with_history(stay, user=user)


@sensitive_variables()
@transaction.atomic
def note_add(
    *,
    user,
    case: Case,
    text: str = "",
    attachment: UploadedFile | None = None,
    attachment_title: str = "",
) -> CaseNote:
    """Add a note, and optionally an attachment checked by the upload policy, to a case.

    Notes are never edited: a correction is a new note.
    """
    require_case_work(user, case)
    text = (text or "").strip()
    errors: dict[str, Any] = {}
    if not text and attachment is None:
        errors["text"] = _("Write a note or attach a file.")
    if attachment is not None:
        try:
            accept_upload(attachment)
        except ValidationError as exc:
            errors["attachment"] = exc.messages
    note = CaseNote(case=case, author=user, text=text, attachment_title=attachment_title.strip())
    if attachment is not None and "attachment" not in errors:
        note.attachment = sealed(attachment)
        note.attachment_title = note.attachment_title or attachment.name
    _check(note, errors)
    note.save()
    return note


@transaction.atomic
def shelter_save(*, user, data: Mapping[str, Any], shelter: Shelter | None = None) -> Shelter:
    """Create or change a shelter: administrators, or case workers of its country."""
    role = access.role_of(user)
    if shelter is not None:
        shelter = Shelter.objects.visible_to(user).select_for_update().filter(pk=shelter.pk).first()
        if shelter is None:
            raise Http404
    shelter = shelter or Shelter()
    for field in SHELTER_FIELDS:
        if field in data:
            setattr(shelter, field, data[field])
    errors: dict[str, Any] = {}
    if role != access.Role.ADMINISTRATOR and shelter.country_id != access.case_office_id(user):
        if access.case_office_id(user) is None:
            raise PermissionDenied
        errors["country"] = _("Pick the country of your office.")
    if shelter.pk and isinstance(shelter.capacity, int):
        occupied = _overlapping(shelter.stays.all(), timezone.localdate()).count()
        if shelter.capacity < occupied:
            errors["capacity"] = _("%(occupied)s people are staying there now.") % {
                "occupied": occupied
            }
    _check(shelter, errors)
    return save_with_history(shelter, user=user)
