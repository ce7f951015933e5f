"""The case workflow forms: register, edit, identity, close; bad input, stale versions."""

import datetime
import re

import pytest
from django.urls import reverse

from assistance import services
from assistance.models import Case, Identity, IdentityAccess
from tests.assistance.conftest import case_data

D = datetime.date
REGISTER = reverse("assistance:case_register")


def form_data(portfolio, **overrides) -> dict:
    """What the register/edit form posts for ``case_data``."""
    data = case_data(portfolio)
    posted = {
        **{k: v for k, v in data.items() if not isinstance(v, bool)},
        "project": portfolio["p_lb"].pk,
        "identification_date": "2021-05-10",
        "consent_date": "2021-05-10",
        "consent_assistance": "on",
        "consent_referral": "on",
        "status": "open",
    }
    posted.update(overrides)
    return {k: v for k, v in posted.items() if v is not None}


@pytest.fixture
def worker_client(client, case_workers):
    client.force_login(case_workers["lb"])
    return client


def test_register_a_case_with_its_identity(worker_client, portfolio, case_workers):
    data = form_data(
        portfolio,
        **{
            "identity-given_name": "Zahra-Unique-Name",
            "identity-date_of_birth": "1997-01-02",
            "identity-phone": "+961 555 0100",
        },
    )

    response = worker_client.post(REGISTER, data)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assistance:case", args=[case.pk])
    assert case.country_office == portfolio["lebanon"]
    assert case.exploitation_types == ["isForcedLabour"]
    assert set(case.means_of_control) == {
        "meansOfControlWithholdsDocuments",
        "meansOfControlThreats",
    }
    assert [c.code for c in case.transit_countries] == ["SD", "EG"]
    assert case.consent_assistance and case.consent_referral and not case.consent_share_data
    assert Identity.objects.get(case=case).given_name == "Zahra-Unique-Name"
    page = worker_client.get(response["Location"])
    assert case.reference in page.content.decode()
    assert "Zahra-Unique-Name" not in page.content.decode()


def test_register_without_identity_records_none(worker_client, portfolio):
    response = worker_client.post(REGISTER, form_data(portfolio))

    assert response.status_code == 302
    assert not Identity.objects.exists()
    assert not IdentityAccess.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"identification_date": "2999-01-01"}, "identification_date"),
        ({"identification_date": "not a date"}, "identification_date"),
        ({"exploitation_types": ["isDancing"]}, "exploitation_types"),
        ({"means_of_control": ["meansOfControlMagic"]}, "means_of_control"),
        ({"citizenship": "QQ"}, "citizenship"),
        ({"exploitation_types": ["isSexualExploit"]}, "labour_sector"),
        ({"consent_date": None}, "consent_date"),
        ({"age_at_identification": "130"}, "age_at_identification"),
        ({"status": "closed"}, "status"),
    ],
)
def test_register_bad_input_shows_field_errors_and_writes_nothing(
    worker_client, portfolio, overrides, field
):
    response = worker_client.post(REGISTER, form_data(portfolio, **overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Nothing was saved" in response.content.decode()
    assert not Case.objects.exists()


def test_register_with_a_project_out_of_scope_is_refused(worker_client, portfolio):
    response = worker_client.post(REGISTER, form_data(portfolio, project=portfolio["p_eg"].pk))

    assert response.status_code == 400
    assert "project" in response.context["form"].errors
    assert not Case.objects.exists()


def test_identity_errors_land_on_the_identity_section_and_nothing_is_written(
    worker_client, portfolio
):
    data = form_data(
        portfolio,
        **{"identity-given_name": "Zahra-Unique-Name", "identity-date_of_birth": "2022-01-01"},
    )

    response = worker_client.post(REGISTER, data)

    assert response.status_code == 400
    assert "date_of_birth" in response.context["identity_form"].errors
    assert not Case.objects.exists() and not Identity.objects.exists()
    assert not IdentityAccess.objects.exists()


def test_register_hides_the_posted_identity_from_error_reports(worker_client, portfolio):
    response = worker_client.post(REGISTER, form_data(portfolio, identification_date="x"))

    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"


def test_edit_a_case(worker_client, cases, portfolio):
    case = cases["lb"]
    url = reverse("assistance:case_edit", args=[case.pk])
    form = worker_client.get(url).context["form"]
    assert form.initial["version"] == case.version
    assert form.initial["exploitation_types"] == ["isForcedLabour"]

    response = worker_client.post(
        url,
        form_data(
            portfolio,
            version=case.version,
            status="services",
            vulnerabilities=["vulnerableDisability"],
        ),
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "services" and case.vulnerabilities == ["vulnerableDisability"]
    assert case.version == 2


def test_stale_edit_is_a_409_with_a_clear_message_and_writes_nothing(
    worker_client, cases, portfolio, case_workers
):
    case = cases["lb"]
    url = reverse("assistance:case_edit", args=[case.pk])
    loaded = worker_client.get(url).context["form"].initial["version"]
    services.case_update(
        user=case_workers["lb"], case=case, data={"status": "assessment"}, expected_version=loaded
    )

    response = worker_client.post(url, form_data(portfolio, version=loaded, sex="Male"))

    assert response.status_code == 409
    assert "Someone else saved this case while you were editing it" in response.content.decode()
    case.refresh_from_db()
    assert case.sex == "Female" and case.status == "assessment"


def test_edit_without_version_is_refused(worker_client, cases, portfolio):
    url = reverse("assistance:case_edit", args=[cases["lb"].pk])

    response = worker_client.post(url, form_data(portfolio, sex="Male"))

    assert response.status_code == 400
    assert "version" in response.context["form"].errors


def test_close_a_case_and_then_stale_close(worker_client, cases):
    case = cases["lb"]
    url = reverse("assistance:case_close", args=[case.pk])

    missing = worker_client.post(url, {"version": case.version, "closed_on": "2021-09-01"})
    assert missing.status_code == 400
    assert "closure_reason" in missing.context["form"].errors

    early = worker_client.post(
        url, {"version": case.version, "closure_reason": "returned", "closed_on": "2020-01-01"}
    )
    assert early.status_code == 400 and "closed_on" in early.context["form"].errors

    done = worker_client.post(
        url, {"version": case.version, "closure_reason": "returned", "closed_on": "2021-09-01"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on == D(2021, 9, 1)

    stale = worker_client.post(
        url, {"version": 1, "closure_reason": "returned", "closed_on": "2021-09-01"}
    )
    assert stale.status_code == 409


def test_closed_case_edit_form_has_no_status(worker_client, cases, case_workers):
    case = services.case_close(
        user=case_workers["lb"], case=cases["lb"], closure_reason="completed"
    )

    form = worker_client.get(reverse("assistance:case_edit", args=[case.pk])).context["form"]

    assert "status" not in form.fields


def test_identity_edit_reads_then_writes_and_logs_both(worker_client, cases, case_workers):
    case = cases["lb"]
    services.identity_save(user=case_workers["lb"], case=case, data={"given_name": "Zahra"})
    url = reverse("assistance:identity_edit", args=[case.pk])
    logged_before = IdentityAccess.objects.count()

    page = worker_client.get(url)
    assert page.status_code == 200 and "Zahra" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    saved = worker_client.post(url, {"given_name": "Zahra-Unique-Name", "phone": "+961 1"})

    assert saved.status_code == 302
    assert Identity.objects.get(case=case).given_name == "Zahra-Unique-Name"
    actions = list(
        IdentityAccess.objects.order_by("pk").values_list("action", flat=True)[logged_before:]
    )
    assert actions == ["read", "write"]
    assert saved.wsgi_request.sensitive_post_parameters == "__ALL__"


def test_identity_edit_bad_birth_date(worker_client, cases):
    url = reverse("assistance:identity_edit", args=[cases["lb"].pk])

    response = worker_client.post(url, {"given_name": "Zahra", "date_of_birth": "2030-01-01"})

    assert response.status_code == 400
    assert "date_of_birth" in response.context["form"].errors
    assert not Identity.objects.exists()


def test_messages_never_carry_identity_values(worker_client, portfolio):
    response = worker_client.post(
        REGISTER, form_data(portfolio, **{"identity-given_name": "Zahra-Unique-Name"}), follow=True
    )

    shown = [str(m) for m in response.context["messages"]]
    assert shown and all("Zahra" not in m for m in shown)


def test_register_page_offers_code_lists_as_checkboxes(worker_client):
    content = worker_client.get(REGISTER).content.decode()

    assert 'type="checkbox" name="exploitation_types" value="isForcedLabour"' in content
    assert 'type="checkbox" name="means_of_control" value="meansOfControlDebtBondage"' in content
    assert 'type="checkbox" name="vulnerabilities" value="vulnerablePregnancy"' in content
    assert 'name="identity-given_name"' in content


def test_two_case_workers_saving_one_identity_get_a_conflict(client, case_workers, cases):
    case = cases["lb"]
    services.identity_save(user=case_workers["lb"], case=case, data={"given_name": "Layla"})
    client.force_login(case_workers["lb"])
    url = reverse("assistance:identity_edit", args=[case.pk])
    page = client.get(url).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    # Someone else saves in between.
    services.identity_save(user=case_workers["lb"], case=case, data={"given_name": "Leila"})

    response = client.post(url, {"version": version, "given_name": "Laila"})

    assert response.status_code == 409
    assert "Someone else saved this case while you were editing it" in response.content.decode()
    assert Identity.objects.get(case=case).given_name == "Leila"
    fresh = re.search(r'name="version" value="(\d+)"', client.get(url).content.decode())
    saved = client.post(url, {"version": fresh.group(1), "given_name": "Laila"})
    assert saved.status_code == 302
    assert Identity.objects.get(case=case).given_name == "Laila"
