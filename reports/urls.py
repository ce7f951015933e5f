from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_create, name="create"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/generate/", views.report_generate, name="generate"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/report.<str:fmt>", views.report_file, name="file"),
]
