"""Writing the directory: every change through ``provider_save``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..vocabulary import ServiceKind
from .models import ServiceProvider

FIELDS = ("organisation", "country", "kind", "city", "services", "contact", "is_active")


@transaction.atomic
def provider_save(*, user, provider: ServiceProvider | None = None, data: dict) -> ServiceProvider:
    """Create or change a directory entry; services must be known codes, listed once."""
    provider = provider or ServiceProvider()
    for name in FIELDS:
        if name in data:
            setattr(provider, name, data[name])
    services = list(dict.fromkeys(provider.services or []))
    unknown = [code for code in services if code not in ServiceKind.values]
    if unknown:
        raise ValidationError({"services": _("Unknown services: %s.") % ", ".join(unknown)})
    if not services:
        raise ValidationError({"services": _("Name at least one service the provider offers.")})
    provider.services = services
    provider.updated_by = user
    provider.full_clean()
    provider.save()
    return provider
