from django.urls import path

from . import document_views, import_views, people_views, views

app_name = "trainings"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("calendar/", views.session_calendar, name="calendar"),
    path("new/", views.session_create, name="create"),
    path("export.<str:fmt>", views.session_export, name="export"),
    path("people/", people_views.people_list, name="people"),
    path("people/duplicates/", people_views.people_duplicates, name="duplicates"),
    path("people/merge/", people_views.people_merge, name="merge"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/copy/", views.session_copy, name="copy"),
    path("<int:pk>/documents/new/", document_views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:doc_pk>/", document_views.document_download, name="document"),
    path("<int:pk>/import/", import_views.session_import, name="import"),
    path(
        "<int:pk>/import/template.<str:fmt>",
        import_views.import_template,
        name="import_template",
    ),
    path("imports/<int:pk>/status/", import_views.import_status, name="import_status"),
    path("imports/<int:pk>/run-again/", import_views.import_rerun, name="import_rerun"),
    path("imports/<int:pk>/check-again/", import_views.import_recheck, name="import_recheck"),
]
