from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards and reports")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import invalidation

        # Each app declares its metrics in <app>/metrics.py.
        autodiscover_modules("metrics")
        invalidation.connect()
