"""History and optimistic locking shared by every service.

django-simple-history records who changed what; services pass the acting
user explicitly so changes made from the API, tasks and commands are
attributed as well as those made from pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaleVersion(Exception):
    """Someone else saved the record after the caller loaded it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(
            _(
                "This record was changed by someone else while you were editing it. "
                "Reload it to see their changes, then apply yours again."
            )
        )


def save_with_history(instance: models.Model, *, user, reason: str = "") -> models.Model:
    """Validate, then save the instance with the acting user on its history row."""
    instance.full_clean()
    instance._history_user = user
    if reason:
        instance._change_reason = reason
    instance.save()
    return instance


def delete_with_history(instance: models.Model, *, user) -> None:
    instance._history_user = user
    instance.delete()


def check_version(model: type[models.Model], pk: int, expected: int | None) -> int:
    """Lock the row and compare versions; returns the next version number."""
    current = model.objects.select_for_update().values_list("version", flat=True).get(pk=pk)
    if expected is not None and int(expected) != current:
        raise StaleVersion(current)
    return current + 1


def prefix_errors(error: ValidationError, prefix: str, index: int | None = None) -> ValidationError:
    """Re-key a child record's field errors so forms and API can place them."""
    key = prefix if index is None else f"{prefix}[{index}]"
    if hasattr(error, "error_dict"):
        return ValidationError(
            {f"{key}.{field}": msgs for field, msgs in error.message_dict.items()}
        )
    return ValidationError({key: error.messages})
