from django.urls import path
from rest_framework.routers import DefaultRouter

from ..providers.api import ServiceProviderViewSet
from . import care_views, views

router = DefaultRouter()
router.register("cases", views.CaseViewSet, basename="assistance-case")
router.register("services", care_views.ServiceViewSet, basename="assistance-service")
router.register("referrals", care_views.ReferralViewSet, basename="assistance-referral")
router.register("stays", care_views.StayViewSet, basename="assistance-stay")
router.register("notes", care_views.NoteViewSet, basename="assistance-note")
router.register("shelters", care_views.ShelterViewSet, basename="assistance-shelter")
router.register("providers", ServiceProviderViewSet, basename="assistance-provider")

urlpatterns = [
    path("figures/", views.CaseFiguresView.as_view(), name="assistance-figures"),
    *router.urls,
]
