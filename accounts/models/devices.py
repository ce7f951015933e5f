"""The second factor: a TOTP authenticator app whose secret is encrypted at rest."""

import time

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key, key_validator

from assistance.crypto import EncryptedTextField


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """django-otp's TOTP device with its secret sealed by the identity key ring.

    ``TOTPDevice`` keeps the shared secret in plain hex, so a database dump
    would let anyone generate codes. Here the same hex secret is a Fernet
    token made with ``IDENTITY_ENCRYPTION_KEYS`` (``assistance.crypto``) and
    rotated with the identities. Verification, replay protection (``last_t``),
    drift and throttling are django-otp's own: the methods below are
    ``TOTPDevice``'s, which read only the fields this model has too.
    """

    key = EncryptedTextField(
        _("secret"), max_length=80, validators=[key_validator], default=default_key
    )
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings

    def was_just_used(self, token: str) -> bool:
        """A right code of a time step already used: the app still shows it, the next is coming.

        django-otp refuses it (``last_t``) so that a code seen over a shoulder cannot be
        replayed; the person only needs to wait for the next one.
        """
        try:
            value = int(token)
        except ValueError:
            return False
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp.verify(value, self.tolerance) and totp.t() <= self.last_t

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")
