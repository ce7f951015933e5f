from decimal import Decimal

import pytest

from ctportal.access import Role
from projects.models import Project
from projects.services import project_save
from tests import factories as f


@pytest.fixture
def admin(db):
    return f.UserFactory(role=Role.ADMINISTRATOR)


def project_data(organisation, **changes) -> dict:
    return {
        "code": "CT.HIST.1",
        "iati_identifier": "XM-DAC-47066-CT.HIST.1",
        "title": "Shelter management training",
        "planned_start": "2020-01-01",
        "planned_end": "2020-12-31",
        "budget": Decimal("100000"),
        "currency": "USD",
        "reporting_organisation": organisation,
        **changes,
    }


def test_project_save_records_who_changed_what(admin):
    organisation = f.OrganisationFactory()
    project = project_save(user=admin, data=project_data(organisation))
    officer = f.UserFactory(role=Role.PROGRAMME_OFFICER, projects=[project])

    project = project_save(
        user=officer,
        project=Project.objects.get(pk=project.pk),
        expected_version=project.version,
        data=project_data(organisation, title="Shelter management and referral", budget=120000),
    )

    newest, oldest = project.history.all()[0], project.history.all()[1]
    assert (oldest.history_type, oldest.history_user) == ("+", admin)
    assert (newest.history_type, newest.history_user) == ("~", officer)
    delta = newest.diff_against(oldest)
    assert set(delta.changed_fields) == {"title", "budget"}
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["title"] == ("Shelter management training", "Shelter management and referral")
    assert changes["budget"] == (Decimal("100000.00"), Decimal("120000"))


def test_child_records_are_attributed_to_the_acting_user(admin):
    donor = f.DonorFactory()
    country = f.CountryFactory(code="EG")
    organisation = f.OrganisationFactory()

    project = project_save(
        user=admin,
        data=project_data(organisation),
        fundings=[{"donor": donor, "amount": Decimal("5000"), "currency": "USD"}],
        countries=[{"country": country, "percentage": Decimal("100")}],
    )

    assert project.fundings.get().history.get().history_user == admin
    assert project.recipient_countries.get().history.get().history_user == admin
