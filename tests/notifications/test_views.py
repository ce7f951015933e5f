"""The email preferences page, per role."""

import pytest
from django.urls import reverse

from ctportal.access import Role
from notifications.kinds import NotificationKind
from notifications.models import MailPreferences
from tests import factories as f

URL = "/notifications/"


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (Role.DONOR, {NotificationKind.REPORT_READY}),
        (Role.PROGRAMME_OFFICER, {NotificationKind.JOB_ENDED}),
        (Role.CASE_WORKER, {NotificationKind.JOB_ENDED, NotificationKind.CASE_DIGEST}),
        (Role.ADMINISTRATOR, {NotificationKind.JOB_ENDED, NotificationKind.ACCOUNT_LOCKED}),
        (Role.ANALYST, {NotificationKind.JOB_ENDED}),
    ],
)
def test_each_role_is_offered_the_kinds_it_can_receive(client, db, role, offered):
    user = f.UserFactory(role=role, email="x@example.org")
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    choices = {value for value, _ in response.context["form"].fields["wanted"].choices}
    assert choices == {kind.value for kind in offered}
    assert set(response.context["form"].initial["wanted"]) == choices


def test_unticking_a_kind_turns_it_off_and_the_page_shows_it(client, db):
    user = f.UserFactory(role=Role.CASE_WORKER, email="case@example.org")
    client.force_login(user)

    response = client.post(URL, {"language": "fr", "wanted": [NotificationKind.JOB_ENDED]})

    assert response.status_code == 302
    saved = MailPreferences.objects.get(user=user)
    assert (saved.language, saved.muted) == ("fr", [NotificationKind.CASE_DIGEST])
    page = client.get(URL)
    assert page.context["form"].initial == {
        "language": "fr",
        "wanted": [NotificationKind.JOB_ENDED],
    }


def test_a_kind_outside_the_role_is_refused_and_nothing_saved(client, db):
    user = f.UserFactory(role=Role.DONOR, email="donor@example.org")
    client.force_login(user)

    response = client.post(URL, {"language": "", "wanted": [NotificationKind.ACCOUNT_LOCKED]})

    assert response.status_code == 200
    assert "wanted" in response.context["form"].errors
    assert not MailPreferences.objects.filter(user=user).exists()


def test_signed_out_people_go_to_sign_in_and_people_without_a_role_get_a_404(client, db):
    assert client.get(URL).status_code == 302
    client.force_login(f.UserFactory(role=""))
    assert client.get(URL).status_code in (302, 404)


def test_signing_in_remembers_the_language_for_mail(client, db):
    user = f.UserFactory(role=Role.PROGRAMME_OFFICER, email="o@example.org")
    user.set_password("Nile delta training 2024")
    user.save()
    client.cookies["django_language"] = "ar"

    client.post(
        reverse("login"), {"username": user.username, "password": "Nile delta training 2024"}
    )

    assert MailPreferences.objects.get(user=user).signin_language == "ar"
