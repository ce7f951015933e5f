from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_list, name="list"),
    path("<slug:slug>/", views.dashboard_detail, name="detail"),
    path("<slug:slug>/widgets/<int:pk>.csv", views.widget_csv, name="widget_csv"),
]
