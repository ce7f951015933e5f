from django.urls import path

from . import export_views

app_name = "assistance_exports"

urlpatterns = [
    path("", export_views.exports, name="list"),
    path("<int:pk>/download/", export_views.download, name="download"),
    path("<int:pk>/run-again/", export_views.rerun, name="rerun"),
    path("release/", export_views.publish, name="publish"),
]
