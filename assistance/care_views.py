"""Pages of the care given to a case (services, referrals, stays, notes) and of shelters.

Every form here is for the case workers of the case's country office only
(404 for everyone else); the services validate and write. Note attachments
are handed out only through ``note_files`` (``CaseNote.objects.visible_to``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from ctportal import access
from ctportal.forms import add_service_errors
from ctportal.uploads import limit_upload_size

from . import care_services, selectors
from .forms import (
    AdmitForm,
    DischargeForm,
    NoteForm,
    ReferralForm,
    ReferralStatusForm,
    ServiceForm,
    ShelterForm,
)
from .models import Referral, Shelter, ShelterStay
from .note_files import note_attachment_response
from .views import case_form_page, workable_case


@login_required
@require_http_methods(["GET", "POST"])
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    initial = {"start_date": timezone.localdate(), "currency": "USD"}
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        case=case,
        user=request.user,
    )
    return case_form_page(
        request,
        case=case,
        form=form,
        save=lambda: care_services.service_record(
            user=request.user, case=case, data=form.cleaned_data
        ),
        heading=_("Record a service"),
        success=_("The service has been recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_send(request: HttpRequest, pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial={"sent_on": timezone.localdate()},
        case=case,
        user=request.user,
    )
    return case_form_page(
        request,
        case=case,
        form=form,
        save=lambda: care_services.referral_send(
            user=request.user,
            case=case,
            data=form.referral_data(),
            override_reason=form.cleaned_data.get("override_reason", ""),
        ),
        heading=_("Send a referral"),
        success=_("The referral has been recorded."),
        lead=(
            None
            if case.consent_referral
            else _(
                "The victim has not consented to be referred: give the reason for referring "
                "without their consent, or record the consent on the case first."
            )
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_status(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("from_organisation", "to_organisation"),
        pk=referral_pk,
    )
    form = ReferralStatusForm(
        request.POST if request.method == "POST" else None,
        initial={"responded_on": timezone.localdate()},
        referral=referral,
    )
    return case_form_page(
        request,
        case=case,
        form=form,
        save=lambda: care_services.referral_update_status(
            user=request.user,
            referral=referral,
            status=form.cleaned_data["status"],
            responded_on=form.cleaned_data["responded_on"],
        ),
        heading=_("Answer to the referral"),
        success=_("The referral has been updated."),
        lead=_("From %(from)s to %(to)s, sent on %(date)s: %(status)s.")
        % {
            "from": referral.from_organisation,
            "to": referral.to_organisation,
            "date": date_format(referral.sent_on),
            "status": referral.get_status_display(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def stay_admit(request: HttpRequest, pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    form = AdmitForm(
        request.POST if request.method == "POST" else None,
        initial={"admitted_on": timezone.localdate()},
        shelters=selectors.shelter_occupancy(user=request.user),
    )
    return case_form_page(
        request,
        case=case,
        form=form,
        save=lambda: care_services.stay_admit(
            user=request.user,
            case=case,
            shelter=form.cleaned_data["shelter"],
            admitted_on=form.cleaned_data["admitted_on"],
        ),
        heading=_("Admit to a shelter"),
        success=_("The admission has been recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stay_discharge(request: HttpRequest, pk: int, stay_pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    stays = ShelterStay.objects.visible_to(request.user).filter(case=case)
    stay = get_object_or_404(stays.select_related("shelter"), pk=stay_pk)
    form = DischargeForm(
        request.POST if request.method == "POST" else None,
        initial={"discharged_on": timezone.localdate()},
    )
    return case_form_page(
        request,
        case=case,
        form=form,
        save=lambda: care_services.stay_discharge(
            user=request.user, stay=stay, discharged_on=form.cleaned_data["discharged_on"]
        ),
        heading=_("Discharge from the shelter"),
        success=_("The discharge has been recorded."),
        lead=_("%(shelter)s, admitted on %(date)s.")
        % {"shelter": stay.shelter.name, "date": date_format(stay.admitted_on)},
    )


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@limit_upload_size
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = workable_case(request, pk)
    posted = request.method == "POST"
    form = NoteForm(request.POST if posted else None, request.FILES if posted else None)
    return case_form_page(
        request,
        case=case,
        form=form,
        save=lambda: care_services.note_add(
            user=request.user,
            case=case,
            text=form.cleaned_data["text"],
            attachment=form.cleaned_data["attachment"],
            attachment_title=form.cleaned_data["attachment_title"],
        ),
        heading=_("Add a note"),
        success=_("The note has been added."),
        lead=_("Notes are encrypted and shown only to the case workers of this office."),
        multipart=True,
    )


@login_required
@require_GET
def note_attachment(request: HttpRequest, pk: int, note_pk: int) -> FileResponse:
    """A note's attachment, decrypted, for the case workers of the case's office; else 404."""
    return note_attachment_response(user=request.user, case_pk=pk, note_pk=note_pk)


def _shelter_keeper(user) -> int | None:
    """Administrators (None: every country) and local case workers (their office); else 404."""
    if access.role_of(user) == access.Role.ADMINISTRATOR:
        return None
    office = access.case_office_id(user)
    if office is None:
        raise Http404
    return office


@login_required
@require_GET
def shelter_list(request: HttpRequest) -> HttpResponse:
    _shelter_keeper(request.user)
    shelters = list(selectors.shelter_occupancy(user=request.user))
    for shelter in shelters:
        shelter.free = max(shelter.capacity - shelter.occupancy, 0)
    return render(
        request,
        "assistance/shelter_list.html",
        {
            "shelters": shelters,
            "today": timezone.localdate(),
            "totals": {
                "capacity": sum(s.capacity for s in shelters),
                "occupancy": sum(s.occupancy for s in shelters),
                "free": sum(s.free for s in shelters),
            },
        },
    )


def _shelter_editor(request: HttpRequest, shelter: Shelter | None) -> HttpResponse:
    office = _shelter_keeper(request.user)
    data = request.POST if request.method == "POST" else None
    initial = ShelterForm.initial_for(shelter) if shelter is not None and data is None else None
    form = ShelterForm(data, initial=initial, office=office)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                care_services.shelter_save(
                    user=request.user, data=form.cleaned_data, shelter=shelter
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The shelter has been saved."))
                return redirect("assistance:shelters")
    return render(
        request, "assistance/shelter_form.html", {"form": form, "shelter": shelter}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def shelter_create(request: HttpRequest) -> HttpResponse:
    return _shelter_editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def shelter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _shelter_keeper(request.user)
    shelter = get_object_or_404(Shelter.objects.visible_to(request.user), pk=pk)
    return _shelter_editor(request, shelter)
