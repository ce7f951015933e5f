"""Encryption at rest of what identifies a victim.

Each value is a Fernet token (AES-128-CBC with an HMAC-SHA256, a random IV
per value) made with the first key of ``settings.IDENTITY_ENCRYPTION_KEYS``;
every key of the list decrypts, which is how keys are rotated. The keys come
from the environment and never from the database, so a database dump alone
reveals no identity. Tokens are random, so encrypted fields cannot be
searched or compared by the database: the fields refuse every lookup but
``isnull`` rather than silently matching nothing.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class UndecryptableValue(Exception):
    """A stored value that none of the configured keys decrypts."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("IDENTITY_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "IDENTITY_ENCRYPTION_KEYS holds a value that is not a Fernet key."
        ) from exc


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.IDENTITY_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        # The token itself stays out of the message: logs must not carry it.
        raise UndecryptableValue("A stored identity value matches none of the keys.") from None


def reencrypt(token: str) -> str:
    """The same value encrypted with the current first key."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableValue("A stored identity value matches none of the keys.") from None


def encrypt_bytes(data: bytes) -> bytes:
    """A file's content as a Fernet token (case-note attachments)."""
    return cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return cipher().decrypt(token)
    except InvalidToken:
        raise UndecryptableValue("A stored file matches none of the keys.") from None


def sealed_with_current_key(token: bytes) -> bool:
    """Whether a token was made with the first key (nothing to rotate)."""
    try:
        Fernet(settings.IDENTITY_ENCRYPTION_KEYS[0]).decrypt(token)
    except (InvalidToken, IndexError, ValueError):
        return False
    return True


def reencrypt_bytes(token: bytes) -> bytes:
    try:
        return cipher().rotate(token)
    except InvalidToken:
        raise UndecryptableValue("A stored file matches none of the keys.") from None


class EncryptedMixin:
    """Refuse lookups that cannot work on random tokens."""

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name):
        return None


class EncryptedTextField(EncryptedMixin, models.TextField):
    """Text stored as a Fernet token; ``max_length`` limits the plain text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length:
            self.validators.append(MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""

    def formfield(self, **kwargs):
        if self.max_length and self.max_length <= 255:
            return forms.CharField(
                max_length=self.max_length,
                required=not self.blank,
                label=self.verbose_name,
                help_text=self.help_text,
                **kwargs,
            )
        return super().formfield(**kwargs)


class EncryptedDateField(EncryptedMixin, models.TextField):
    """A date stored as the Fernet token of its ISO form."""

    default_error_messages = {"invalid": _("Enter a valid date (YYYY-MM-DD).")}

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, datetime.date):
            return value or None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def from_db_value(self, value, expression, connection):
        return datetime.date.fromisoformat(decrypt(value)) if value else None

    def get_prep_value(self, value):
        value = self.to_python(value)
        return None if value is None else encrypt(value.isoformat())

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.isoformat() if value else ""

    def formfield(self, **kwargs):
        return forms.DateField(
            required=not self.blank, label=self.verbose_name, help_text=self.help_text, **kwargs
        )
