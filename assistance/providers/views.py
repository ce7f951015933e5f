"""The directory page: providers by country, the case worker's own country first."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from projects.models import Country

from ..vocabulary import ServiceKind
from . import selectors


class DirectoryFilter(forms.Form):
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name_en"), required=False
    )
    service = forms.ChoiceField(
        label=_("Service"), choices=[("", _("All"))] + ServiceKind.choices, required=False
    )


@login_required
@require_GET
def provider_list(request: HttpRequest) -> HttpResponse:
    """Every active provider, grouped by country, narrowed by country and service."""
    form = DirectoryFilter(request.GET or None)
    country = service = None
    if form.is_valid():
        country, service = form.cleaned_data["country"], form.cleaned_data["service"]
    own = request.user.country_office_id
    providers = selectors.providers_for(user=request.user, country_id=own)
    if country is not None:
        providers = providers.filter(country=country)
    entries = [p for p in providers if not service or service in p.services]
    return render(
        request,
        "assistance/providers.html",
        {
            "form": form,
            "groups": selectors.grouped(entries),
            "count": len(entries),
            "heading": _("Service providers"),
            "lead": _("NGOs, shelters, clinics and lawyers that take referrals, by country."),
        },
    )
