import datetime

import pytest

from ctportal.access import Role
from tests import factories as f


@pytest.fixture
def case_workers(users, portfolio):
    """Verified case workers of the Lebanon and Egypt offices, and one not verified."""
    egypt = portfolio["egypt"]
    return {
        "lb": f.verified(users["case_worker_lb"]),
        "eg": f.verified(
            f.UserFactory(role=Role.CASE_WORKER, countries=[egypt], country_office=egypt)
        ),
        "lb_unverified": f.UserFactory(
            role=Role.CASE_WORKER,
            countries=[portfolio["lebanon"]],
            country_office=portfolio["lebanon"],
        ),
        "no_office": f.verified(f.UserFactory(role=Role.CASE_WORKER)),
    }


@pytest.fixture
def cases(portfolio, case_workers):
    """One case per office, on the project of that country."""
    return {
        "lb": f.CaseFactory(
            country_office=portfolio["lebanon"],
            project=portfolio["p_lb"],
            registered_by=case_workers["lb"],
        ),
        "eg": f.CaseFactory(
            country_office=portfolio["egypt"],
            project=portfolio["p_eg"],
            registered_by=case_workers["eg"],
        ),
    }


@pytest.fixture
def orgs(db):
    return {"ngo": f.OrganisationFactory(name="Caritas"), "un": f.OrganisationFactory(name="UN")}


@pytest.fixture
def shelter(portfolio, orgs):
    return f.ShelterFactory(
        name="Safe house", organisation=orgs["ngo"], country=portfolio["lebanon"], capacity=2
    )


def case_data(portfolio, **overrides):
    data = {
        "project": portfolio["p_lb"],
        "identification_date": datetime.date(2021, 5, 10),
        "identified_by": "law_enforcement",
        "sex": "Female",
        "age_at_identification": 24,
        "citizenship": "ET",
        "country_of_origin": "ET",
        "transit_countries": ["SD", "EG"],
        "country_of_exploitation": "LB",
        "exploitation_types": ["isForcedLabour"],
        "labour_sector": "typeOfLabourDomesticWork",
        "means_of_control": ["meansOfControlWithholdsDocuments", "meansOfControlThreats"],
        "recruiter_relation": "recruiterRelationOther",
        "vulnerabilities": ["vulnerableIrregularStatus"],
        "consent_assistance": True,
        "consent_referral": True,
        "consent_share_data": False,
        "consent_date": datetime.date(2021, 5, 10),
    }
    return {**data, **overrides}
