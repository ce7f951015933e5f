"""The directory of service providers: kept through its service, offered by the case's country."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from assistance import care_services
from assistance.forms import ReferralForm, ServiceForm
from assistance.models import Referral, Service, ServiceProvider
from assistance.providers import services
from assistance.providers.demo import load_providers
from tests import factories as f

PROVIDERS = "/api/v1/assistance/providers/"


@pytest.fixture
def directory(portfolio, users):
    """A Lebanese legal aid clinic and shelter, an Egyptian clinic, an unlisted organisation."""
    admin = users["admin"]

    def entry(name, country, kind, offered):
        return services.provider_save(
            user=admin,
            data={
                "organisation": f.OrganisationFactory(name=name),
                "country": portfolio[country],
                "kind": kind,
                "city": "Beirut" if country == "lebanon" else "Cairo",
                "services": offered,
            },
        )

    return {
        "lawyers_lb": entry("Beirut legal aid (demo)", "lebanon", "lawyer", ["legal"]),
        "shelter_lb": entry("Beirut shelter (demo)", "lebanon", "shelter", ["shelter", "medical"]),
        "clinic_eg": entry("Cairo clinic (demo)", "egypt", "clinic", ["medical"]),
        "unlisted": f.OrganisationFactory(name="Austrian Development Agency"),
    }


def test_the_service_refuses_unknown_or_missing_services(portfolio, users):
    organisation = f.OrganisationFactory(name="Amman NGO")
    for offered, message in ((["haircut"], "Unknown"), ([], "at least one")):
        with pytest.raises(ValidationError) as error:
            services.provider_save(
                user=users["admin"],
                data={
                    "organisation": organisation,
                    "country": portfolio["egypt"],
                    "kind": "ngo",
                    "services": offered,
                },
            )
        assert message in str(error.value)
    assert not ServiceProvider.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("case_worker_lb", 200),
        ("admin", 200),
        ("officer_eg", 404),
        ("me", 404),
        ("donor_a", 404),
        ("analyst", 404),
    ],
)
def test_the_directory_page_is_for_case_workers_and_administrators(
    client, users, directory, who, status
):
    client.force_login(users[who])
    assert client.get(reverse("providers:list")).status_code == status


def test_the_page_lists_the_case_worker_s_country_first_and_filters_by_service(
    client, users, directory, django_assert_max_num_queries
):
    client.force_login(users["case_worker_lb"])
    with django_assert_max_num_queries(12):
        html = client.get(reverse("providers:list")).content.decode()
    assert re.findall(r'<h2 id="country-\d+">(.*?)</h2>', html) == ["Lebanon", "Egypt"]
    assert "Beirut legal aid (demo)" in html and "Austrian Development Agency" not in html
    medical = client.get(reverse("providers:list"), {"service": "medical"}).content.decode()
    assert "Cairo clinic (demo)" in medical and "Beirut legal aid (demo)" not in medical
    bad = client.get(reverse("providers:list"), {"service": "haircut"})
    assert bad.status_code == 200 and "Beirut legal aid (demo)" in bad.content.decode()


def test_the_forms_offer_the_case_s_country_first_then_the_rest(
    users, cases, directory, case_workers
):
    case = cases["lb"]
    for form, name in (
        (ServiceForm(case=case, user=case_workers["lb"]), "provider"),
        (ReferralForm(case=case, user=case_workers["lb"]), "to_organisation"),
    ):
        groups = [label for label, _options in list(form.fields[name].choices)[1:]]
        assert groups[0] == "Lebanon" and groups[1] == "Egypt"
        assert groups[-1].startswith("Other organisations")
        html = str(form[name])
        assert html.index("Beirut legal aid (demo)") < html.index("Cairo clinic (demo)")
        assert "<optgroup" in html


def test_a_listed_provider_must_offer_the_service(cases, directory, case_workers):
    worker = case_workers["lb"]
    with pytest.raises(ValidationError) as error:
        care_services.service_record(
            user=worker,
            case=cases["lb"],
            data={
                "kind": "medical",
                "provider": directory["lawyers_lb"].organisation,
                "start_date": cases["lb"].identification_date,
            },
        )
    assert "provider" in error.value.message_dict
    assert not Service.objects.exists()
    # An organisation outside the directory is not judged.
    care_services.service_record(
        user=worker,
        case=cases["lb"],
        data={
            "kind": "medical",
            "provider": directory["unlisted"],
            "start_date": cases["lb"].identification_date,
        },
    )
    assert Service.objects.count() == 1


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_lists_providers_of_the_case_s_country_first(cases, directory, case_workers):
    worker = api_for(case_workers["eg"])
    rows = worker.get(PROVIDERS, {"case": cases["eg"].pk}).json()["results"]
    assert rows[0]["country"] == "EG" and rows[0]["organisation"]["name"] == "Cairo clinic (demo)"
    assert {row["country"] for row in rows[1:]} == {"LB"}
    legal = worker.get(PROVIDERS, {"service": "legal"}).json()["results"]
    assert [row["organisation"]["name"] for row in legal] == ["Beirut legal aid (demo)"]
    assert worker.get(PROVIDERS, {"service": "haircut"}).status_code == 400
    # Another office's case names no country to the caller: it is refused as an unknown one is.
    other = worker.get(PROVIDERS, {"case": cases["lb"].pk})
    unknown = worker.get(PROVIDERS, {"case": 999999})
    assert other.status_code == unknown.status_code == 400
    assert other.json()["error"]["fields"] == unknown.json()["error"]["fields"]


def test_the_api_gives_no_directory_to_roles_without_it(users, directory):
    assert api_for(users["analyst"]).get(PROVIDERS).json()["results"] == []


def test_the_api_refuses_a_referral_to_a_provider_without_the_service(
    cases, directory, case_workers
):
    body = {
        "case": cases["lb"].pk,
        "from_organisation": directory["unlisted"].pk,
        "to_organisation": directory["shelter_lb"].organisation.pk,
        "service_kind": "legal",
        "sent_on": str(cases["lb"].identification_date),
        "override_reason": "Urgent",
    }
    answer = api_for(case_workers["lb"]).post("/api/v1/assistance/referrals/", body, format="json")
    assert answer.status_code == 400
    assert "to_organisation" in answer.json()["error"]["fields"]
    assert not Referral.objects.exists()
    body["service_kind"] = "shelter"
    answer = api_for(case_workers["lb"]).post("/api/v1/assistance/referrals/", body, format="json")
    assert answer.status_code == 201, answer.json()


def test_demo_directory_for_each_office(db, users, portfolio):
    from assistance.demo import OFFICES

    lebanon = [office for office in OFFICES if office.code == "LB"]
    for name in ("International Organization for Migration", "International Labour Organization"):
        f.OrganisationFactory(name=name)
    created = load_providers(users["admin"], lebanon)
    assert created == 4  # IOM and three local providers; the ILO refers nobody
    entries = ServiceProvider.objects.filter(country=portfolio["lebanon"])
    assert {entry.kind for entry in entries} == {"un_agency", "lawyer", "ngo", "clinic"}
    assert load_providers(users["admin"], lebanon) == 0
