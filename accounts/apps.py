from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    # Chosen for "accounts" in INSTALLED_APPS although the module holds a second config.
    default = True
    name = "accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from . import lockout  # noqa: F401 - connects the lock recorder to django-axes


class SignInAttemptsConfig(AxesAppConfig):
    """django-axes under a name administrators read, in their language, in the admin index."""

    verbose_name = _("Sign-in attempts")
