from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("transactions", views.TransactionViewSet, basename="transaction")
router.register("results", views.ResultViewSet, basename="result")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("documents", views.DocumentViewSet, basename="document")

urlpatterns = router.urls
