from django.urls import path

from . import care_views, views
from .retention import views as retention_views

app_name = "assistance"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_register, name="case_register"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/identity/", views.case_identity, name="identity"),
    path("cases/<int:pk>/identity/edit/", views.identity_edit, name="identity_edit"),
    path(
        "cases/<int:pk>/erase-identity/",
        retention_views.identity_erase_page,
        name="identity_erase",
    ),
    path("cases/<int:pk>/services/new/", care_views.service_add, name="service_add"),
    path("cases/<int:pk>/referrals/new/", care_views.referral_send, name="referral_send"),
    path(
        "cases/<int:pk>/referrals/<int:referral_pk>/status/",
        care_views.referral_status,
        name="referral_status",
    ),
    path("cases/<int:pk>/stays/new/", care_views.stay_admit, name="stay_admit"),
    path(
        "cases/<int:pk>/stays/<int:stay_pk>/discharge/",
        care_views.stay_discharge,
        name="stay_discharge",
    ),
    path("cases/<int:pk>/notes/new/", care_views.note_add, name="note_add"),
    path(
        "cases/<int:pk>/notes/<int:note_pk>/attachment/",
        care_views.note_attachment,
        name="note_attachment",
    ),
    path("shelters/", care_views.shelter_list, name="shelters"),
    path("shelters/new/", care_views.shelter_create, name="shelter_create"),
    path("shelters/<int:pk>/edit/", care_views.shelter_edit, name="shelter_edit"),
    path("figures/", views.figures, name="figures"),
]
