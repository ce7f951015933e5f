from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("outputs", views.ResearchOutputViewSet, basename="research-output")
router.register("legislation", views.LegislativeSupportViewSet, basename="legislative-support")
router.register("awareness", views.AwarenessActivityViewSet, basename="awareness-activity")

urlpatterns = [*router.urls]
