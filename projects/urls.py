from django.urls import path

from . import document_views, export_views, views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("dashboard/", views.portfolio_dashboard, name="portfolio_dashboard"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/dashboard/", views.project_dashboard, name="dashboard"),
    path("<int:pk>/results/", views.project_results, name="results"),
    path("<int:pk>/iati.xml", export_views.project_iati, name="iati"),
    path("<int:pk>/documents/new/", document_views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:doc_pk>/", document_views.document_download, name="document"),
    path("iati.xml", export_views.portfolio_iati, name="portfolio_iati"),
    path("exports/", export_views.exports, name="exports"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("exports/<int:pk>/run-again/", export_views.export_rerun, name="export_rerun"),
]
