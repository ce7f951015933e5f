"""System checks of victim assistance."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def identity_keys(app_configs, **kwargs):
    """Say so when identities are encrypted with the embedded development key."""
    if settings.IDENTITY_ENCRYPTION_DEVELOPMENT_KEY in settings.IDENTITY_ENCRYPTION_KEYS:
        return [
            Warning(
                "Victims' identities are encrypted with the embedded development key.",
                hint="Set IDENTITY_ENCRYPTION_KEYS (see .env.example) before recording real cases.",
                id="assistance.W001",
            )
        ]
    return []
