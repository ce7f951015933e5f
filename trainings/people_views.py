"""Pages of the participant register: people, possible duplicates and their merge.

Programme officers, M&E officers and administrators use them; names show only
to those who may see them. Anyone else gets a 404, as for a record out of scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ctportal import access

from . import register, services
from .forms import MergeForm

PAGE_SIZE = 50
REGISTER_ROLES = {access.Role.PROGRAMME_OFFICER, access.Role.ME_OFFICER, access.Role.ADMINISTRATOR}


def _require_register(request: HttpRequest) -> bool:
    if access.role_of(request.user) not in REGISTER_ROLES:
        raise Http404
    return access.sees_participant_names(request.user)


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    with_names = _require_register(request)
    query = request.GET.get("q", "")[:100]
    people = register.people_register(user=request.user, query=query, with_names=with_names)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "trainings/people_list.html",
        {"page_obj": page, "people": page.object_list, "query": query, "sees_names": with_names},
    )


@login_required
@require_GET
def people_duplicates(request: HttpRequest) -> HttpResponse:
    with_names = _require_register(request)
    return render(
        request,
        "trainings/people_duplicates.html",
        {
            "groups": register.possible_duplicates(user=request.user),
            "sees_names": with_names,
        },
    )


@login_required
@require_POST
def people_merge(request: HttpRequest) -> HttpResponse:
    with_names = _require_register(request)
    people = register.people_register(user=request.user, with_names=with_names)
    form = MergeForm(request.POST, people=people, with_names=with_names)
    if form.is_valid():
        try:
            services.persons_merge(
                user=request.user,
                keep=form.cleaned_data["keep"],
                duplicate=form.cleaned_data["duplicate"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("The two records are now one person."))
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect("trainings:duplicates")
