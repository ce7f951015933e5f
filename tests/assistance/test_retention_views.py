"""The administrator's page to erase an identity on request: confirmation, roles, log."""

import pytest
from django.urls import reverse

from assistance import services
from assistance.models import CaseNote, IdentityErasure
from tests.assistance.test_api import role_users


@pytest.fixture
def identified(cases, case_workers):
    services.identity_save(
        user=case_workers["lb"], case=cases["lb"], data={"given_name": "Zahra-Unique-Name"}
    )
    CaseNote.objects.create(case=cases["lb"], author=case_workers["lb"], text="Note-Unique")
    return cases["lb"]


def url(case) -> str:
    return reverse("assistance:identity_erase", args=[case.pk])


def identity_rows(case) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM assistance_identity WHERE case_id = %s", [case.pk])
        return cursor.fetchone()[0]


def test_the_administrator_confirms_then_the_identity_is_erased(client, users, identified):
    client.force_login(users["admin"])
    page = client.get(url(identified))
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be undone" in html
    assert "Zahra-Unique-Name" not in html and "Note-Unique" not in html
    response = client.post(
        url(identified),
        {"reason": "Request by letter", "confirm_reference": identified.reference.lower()},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assistance:case", args=[identified.pk])
    assert identity_rows(identified) == 0
    assert not CaseNote.objects.filter(case=identified).exists()
    erasure = IdentityErasure.objects.get()
    assert (erasure.erased_by, erasure.reason, erasure.ip_address) == (
        users["admin"],
        "Request by letter",
        "198.51.100.7",
    )
    # The case page still opens, and lists the erasure on the erasure page.
    assert client.get(reverse("assistance:case", args=[identified.pk])).status_code == 200
    assert "Request by letter" in client.get(url(identified)).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "Request", "confirm_reference": "CT-WRONG"}, "confirm_reference"),
        ({"reason": "", "confirm_reference": "SAME"}, "reason"),
        ({"reason": "   ", "confirm_reference": "SAME"}, "reason"),
        ({"reason": "x" * 501, "confirm_reference": "SAME"}, "reason"),
    ],
)
def test_without_confirmation_or_reason_nothing_is_erased(client, users, identified, data, field):
    client.force_login(users["admin"])
    if data["confirm_reference"] == "SAME":
        data = {**data, "confirm_reference": identified.reference}
    response = client.post(url(identified), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert identity_rows(identified) == 1
    assert not IdentityErasure.objects.exists()


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("case_worker_lb", 403),
        ("case_worker_eg", 404),
        ("officer_eg", 404),
        ("officer_lb_project", 404),
        ("me", 404),
        ("donor_b", 404),
        ("analyst", 404),
        ("norole", 302),  # no role: sent to the sign-in page
    ],
)
def test_only_administrators_open_the_erasure_page(
    client, users, case_workers, identified, who, code
):
    client.force_login(role_users(users, case_workers)[who])
    assert client.get(url(identified)).status_code == code
    response = client.post(url(identified), {"reason": "x", "confirm_reference": "x"})
    assert response.status_code == code
    assert identity_rows(identified) == 1


def test_the_case_page_offers_the_erasure_to_administrators_only(
    client, users, case_workers, identified
):
    case_page = reverse("assistance:case", args=[identified.pk])
    client.force_login(users["admin"])
    assert url(identified) in client.get(case_page).content.decode()
    client.force_login(case_workers["lb"])
    assert url(identified) not in client.get(case_page).content.decode()
