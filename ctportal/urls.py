from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from ctportal.health import healthz
from ctportal.navigation import landing
from ctportal.observability.prometheus import metrics

urlpatterns = [
    path("", landing, name="home"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("trainings/", include("trainings.urls")),
    path("research/", include("research.urls")),
    path("reports/", include("reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("assistance/exports/", include("assistance.export_urls")),
    path("assistance/providers/", include("assistance.providers.urls")),
    path("assistance/", include("assistance.urls")),
    path("", include("ctportal.api_urls")),
]

handler400 = "ctportal.errors.bad_request"
handler403 = "ctportal.errors.permission_denied"
handler404 = "ctportal.errors.page_not_found"
handler500 = "ctportal.errors.server_error"
