import pytest
from django.contrib import admin

from assistance import services
from assistance.models import CaseNote, Identity, IdentityAccess


def test_identities_and_notes_are_not_in_the_admin():
    assert Identity not in admin.site._registry
    assert CaseNote not in admin.site._registry


def test_administrators_review_cases_and_the_access_log(client, users, case_workers, cases):
    services.identity_save(user=case_workers["lb"], case=cases["lb"], data={"given_name": "Amina"})
    client.force_login(users["admin"])

    cases_page = client.get("/admin/assistance/case/")
    log_page = client.get("/admin/assistance/identityaccess/")
    entry = IdentityAccess.objects.get()
    detail = client.get(f"/admin/assistance/identityaccess/{entry.pk}/change/")

    assert cases_page.status_code == 200
    assert cases["lb"].reference in cases_page.content.decode()
    assert log_page.status_code == 200
    assert detail.status_code == 200
    assert "Amina" not in cases_page.content.decode() + detail.content.decode()


def test_the_access_log_cannot_be_changed_or_deleted_in_the_admin(
    client, users, case_workers, cases
):
    services.identity_read(user=case_workers["lb"], case=cases["lb"])
    entry = IdentityAccess.objects.get()
    client.force_login(users["admin"])

    change = client.post(
        f"/admin/assistance/identityaccess/{entry.pk}/change/", {"action": "write"}
    )
    delete = client.post(f"/admin/assistance/identityaccess/{entry.pk}/delete/", {"post": "yes"})
    add = client.get("/admin/assistance/identityaccess/add/")

    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "read"


@pytest.mark.parametrize("who", ["me", "analyst"])
def test_staff_without_the_administrator_role_see_no_log(client, users, case_workers, cases, who):
    services.identity_read(user=case_workers["lb"], case=cases["lb"])
    user = users[who]
    user.is_staff = True
    user.save()
    client.force_login(user)

    assert client.get("/admin/assistance/identityaccess/").status_code == 403


def test_shelters_are_read_only_in_the_admin(client, users, shelter):
    """Capacity rules live in the shelter service; the admin only lists shelters."""
    client.force_login(users["admin"])
    assert client.get("/admin/assistance/shelter/").status_code == 200
    assert client.get("/admin/assistance/shelter/add/").status_code == 403
    response = client.post(
        f"/admin/assistance/shelter/{shelter.pk}/change/",
        {"name": shelter.name, "capacity": 0, "country": shelter.country_id},
    )
    assert response.status_code in (302, 403)
    shelter.refresh_from_db()
    assert shelter.capacity == 2
