from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("sessions", views.TrainingSessionViewSet, basename="training-session")
router.register("participants", views.ParticipantViewSet, basename="training-participant")
router.register("counts", views.ParticipantCountViewSet, basename="training-count")

urlpatterns = [
    path("aggregate/", views.AggregateView.as_view(), name="training-aggregate"),
    *router.urls,
]
