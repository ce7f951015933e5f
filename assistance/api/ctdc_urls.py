from django.urls import path
from rest_framework.routers import SimpleRouter

from .ctdc import ExportViewSet, RecordsView

router = SimpleRouter()
router.register("exports", ExportViewSet, basename="ctdc-export")

urlpatterns = [
    path("records/", RecordsView.as_view(), name="ctdc-records"),
    *router.urls,
]
