"""Reading the directory: by country, the case's country first."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from projects.models import Organisation

from .models import ServiceProvider


def providers_for(*, user, country_id=None) -> QuerySet[ServiceProvider]:
    """Active providers the user may see, those of ``country_id`` first, then by country."""
    queryset = (
        ServiceProvider.objects.visible_to(user).active().select_related("organisation", "country")
    )
    first = When_(
        When(country_id=country_id, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return queryset.annotate(elsewhere=first).order_by(
        "elsewhere", "country__name_en", "organisation__name"
    )


def grouped(providers: Iterable[ServiceProvider]) -> list[tuple[str, list[ServiceProvider]]]:
    """Providers in groups by country, keeping the order given."""
    groups: dict[str, list[ServiceProvider]] = {}
    for provider in providers:
        groups.setdefault(str(provider.country), []).append(provider)
    return list(groups.items())


def organisation_choices(*, user, country_id=None) -> list:
    """Choices for a provider field: the directory by country (the case's first), then the rest.

    The rest of the register stays offered, under its own heading, for the
    organisations a case meets that the directory does not list yet.
    """
    providers = list(providers_for(user=user, country_id=country_id))
    listed = set()
    choices: list = [("", "---------")]
    for country, entries in grouped(providers):
        options = []
        for entry in entries:
            if entry.organisation_id in listed:
                continue
            listed.add(entry.organisation_id)
            label = f"{entry.organisation} · {', '.join(entry.service_labels())}"
            options.append((entry.organisation_id, label))
        choices.append((country, options))
    others = Organisation.objects.exclude(pk__in=listed).order_by("name")
    rest = [(organisation.pk, str(organisation)) for organisation in others]
    if rest:
        choices.append((_("Other organisations (not in the directory)"), rest))
    return choices


def offer_mismatch(*, organisation_id, service: str) -> str | None:
    """Why an organisation of the directory cannot take this service, or None when it can.

    An organisation the directory does not list is not judged: the register is
    wider than the directory, and a case may meet any of it.
    """
    if not organisation_id or not service:
        return None
    entries = list(
        ServiceProvider.objects.active()
        .filter(organisation_id=organisation_id)
        .values_list("services", flat=True)
    )
    if not entries or any(service in offered for offered in entries):
        return None
    return _("The directory lists this provider without this service. Choose another provider.")
