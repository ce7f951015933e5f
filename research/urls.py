from django.urls import path

from . import awareness_views, file_views, legislation_views, views

app_name = "research"

urlpatterns = [
    path("", views.library, name="library"),
    path("export.<str:fmt>", views.output_export, name="output_export"),
    path("outputs/new/", views.output_create, name="output_create"),
    path("outputs/<int:pk>/", views.output_detail, name="output"),
    path("outputs/<int:pk>/edit/", views.output_edit, name="output_edit"),
    path("outputs/<int:pk>/files/new/", file_views.output_file_upload, name="output_upload"),
    path(
        "outputs/<int:pk>/files/<int:file_pk>/",
        file_views.output_file_download,
        name="output_file",
    ),
    path("legislation/", legislation_views.support_list, name="supports"),
    path("legislation/timeline/", legislation_views.support_timeline, name="timeline"),
    path("legislation/export.<str:fmt>", legislation_views.support_export, name="support_export"),
    path("legislation/new/", legislation_views.support_create, name="support_create"),
    path("legislation/<int:pk>/", legislation_views.support_detail, name="support"),
    path("legislation/<int:pk>/edit/", legislation_views.support_edit, name="support_edit"),
    path("legislation/<int:pk>/stages/", legislation_views.stage_add, name="stage_add"),
    path("awareness/", awareness_views.activity_list, name="activities"),
    path("awareness/export.<str:fmt>", awareness_views.activity_export, name="activity_export"),
    path("awareness/new/", awareness_views.activity_create, name="activity_create"),
    path("awareness/<int:pk>/", awareness_views.activity_detail, name="activity"),
    path("awareness/<int:pk>/edit/", awareness_views.activity_edit, name="activity_edit"),
    path(
        "awareness/<int:pk>/files/new/",
        file_views.activity_material_upload,
        name="activity_upload",
    ),
    path(
        "awareness/<int:pk>/files/<int:file_pk>/",
        file_views.activity_material_download,
        name="activity_file",
    ),
]
