from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import ObtainTokenView
from ctportal import api_docs
from ctportal.api import SWAGGER_UI_STYLE_HASH

urlpatterns = [
    path("api/v1/", api_docs.ApiRootView.as_view(), name="api-root"),
    path("api/v1/trainings/", include("trainings.api.urls")),
    path("api/v1/research/", include("research.api.urls")),
    path("api/v1/assistance/ctdc/", include("assistance.api.ctdc_urls")),
    path("api/v1/assistance/", include("assistance.api.urls")),
    path("api/v1/metrics/", include("dashboards.api_urls")),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/guide/", api_docs.guide, name="api-guide"),
    path("api/docs/", api_docs.reference, name="api-docs"),
    path(
        "api/docs/try/",
        login_required(
            csp_update({"style-src": [SWAGGER_UI_STYLE_HASH]})(
                SpectacularSwaggerSplitView.as_view(url_name="api-schema")
            )
        ),
        name="api-swagger",
    ),
]
