import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistance import services
from assistance.models import (
    Case,
    Identity,
    IdentityAccess,
)
from ctportal.audit import StaleVersion
from tests.assistance.conftest import case_data

D = datetime.date


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_register_a_case_in_the_case_workers_office(case_workers, portfolio):
    case = services.case_register(user=case_workers["lb"], data=case_data(portfolio))

    assert case.country_office == portfolio["lebanon"]
    assert case.registered_by == case_workers["lb"]
    assert re.fullmatch(r"CT-[0-9A-HJKMNP-TV-Z]{10}", case.reference)
    assert case.exploitation_types == ["isForcedLabour"]
    assert set(case.means_of_control) == {
        "meansOfControlWithholdsDocuments",
        "meansOfControlThreats",
    }
    assert case.vulnerabilities == ["vulnerableIrregularStatus"]
    assert case.age_band == "24--26"
    assert [c.code for c in case.transit_countries] == ["SD", "EG"]
    assert case.history.get().history_user == case_workers["lb"]


def test_register_with_identity_in_one_transaction(case_workers, portfolio):
    case = services.case_register(
        user=case_workers["lb"],
        data=case_data(portfolio, age_at_identification=None),
        identity={"given_name": "Amina", "date_of_birth": D(1990, 3, 1)},
    )

    assert case.identity.given_name == "Amina"
    case.refresh_from_db()
    assert case.age_at_identification == 31
    assert IdentityAccess.objects.get().action == "write"


def test_the_reference_never_comes_from_the_name(case_workers, portfolio):
    refs = {
        services.case_register(
            user=case_workers["lb"], data=case_data(portfolio), identity={"given_name": "Amina"}
        ).reference
        for _ in range(3)
    }
    assert len(refs) == 3
    assert not any("AMINA" in ref for ref in refs)


@pytest.mark.parametrize("who", ["lb_unverified", "no_office"])
def test_only_verified_case_workers_with_an_office_register(case_workers, portfolio, who):
    with pytest.raises(PermissionDenied):
        services.case_register(user=case_workers[who], data=case_data(portfolio))
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["officer_eg", "me", "donor_a", "analyst", "admin", "norole"])
def test_other_roles_cannot_register(users, portfolio, who):
    with pytest.raises(PermissionDenied):
        services.case_register(user=users[who], data=case_data(portfolio))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"exploitation_types": ["isForcedLabour", "isAlienAbduction"]}, "exploitation_types"),
        ({"means_of_control": ["meansOfControlMagic"]}, "means_of_control"),
        ({"vulnerabilities": ["tall"]}, "vulnerabilities"),
        ({"sex": "F"}, "sex"),
        ({"citizenship": "XX"}, "citizenship"),
        ({"identified_by": "oracle"}, "identified_by"),
        ({"recruiter_relation": "Neighbour"}, "recruiter_relation"),
        ({"labour_sector": "typeOfLabourSpace"}, "labour_sector"),
        ({"identification_date": D(2999, 1, 1)}, "identification_date"),
        ({"consent_date": None}, "consent_date"),
        ({"consent_date": D(2999, 1, 1)}, "consent_date"),
        ({"exploitation_types": ["isSexualExploit"]}, "labour_sector"),
        ({"age_at_identification": 130}, "age_at_identification"),
        ({"status": "closed"}, "status"),
    ],
)
def test_bad_case_input_is_refused_with_a_field_message(case_workers, portfolio, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        services.case_register(user=case_workers["lb"], data=case_data(portfolio, **overrides))

    assert field in errors_of(excinfo)
    assert not Case.objects.exists()


def test_a_project_outside_the_case_workers_scope_is_refused(case_workers, portfolio):
    with pytest.raises(ValidationError) as excinfo:
        services.case_register(
            user=case_workers["lb"], data=case_data(portfolio, project=portfolio["p_eg"])
        )
    assert errors_of(excinfo)["project"] == ["Pick a project you work on."]


def test_identification_before_birth_is_refused_and_nothing_written(case_workers, cases):
    case = cases["lb"]
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(
            user=case_workers["lb"],
            case=case,
            data={"given_name": "Amina", "date_of_birth": case.identification_date + D.resolution},
        )

    assert "before the date of birth" in errors_of(excinfo)["date_of_birth"][0]
    assert not Identity.objects.exists()
    assert not IdentityAccess.objects.exists()


def test_a_date_of_birth_contradicting_the_age_is_refused(case_workers, cases):
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(
            user=case_workers["lb"], case=cases["lb"], data={"date_of_birth": D(1960, 1, 1)}
        )
    assert "age of 61" in errors_of(excinfo)["date_of_birth"][0]


def test_moving_identification_before_birth_is_refused(case_workers, cases):
    case = cases["lb"]
    services.identity_save(
        user=case_workers["lb"], case=case, data={"date_of_birth": D(1996, 1, 1)}
    )

    with pytest.raises(ValidationError) as excinfo:
        services.case_update(
            user=case_workers["lb"],
            case=case,
            data={"identification_date": D(1995, 1, 1), "age_at_identification": None},
        )
    assert "identification_date" in errors_of(excinfo)


@pytest.mark.parametrize("value", ["31/02/1990", "1990-02-31", D(2999, 1, 1)])
def test_impossible_dates_of_birth_are_refused(case_workers, cases, value):
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(
            user=case_workers["lb"], case=cases["lb"], data={"date_of_birth": value}
        )
    assert "date_of_birth" in errors_of(excinfo)
    assert not Identity.objects.exists()


def test_identity_fields_too_long_are_refused(case_workers, cases):
    with pytest.raises(ValidationError) as excinfo:
        services.identity_save(user=case_workers["lb"], case=cases["lb"], data={"phone": "1" * 101})
    assert "phone" in errors_of(excinfo)


def test_update_checks_the_version(case_workers, cases):
    case = cases["lb"]
    services.case_update(
        user=case_workers["lb"], case=case, data={"status": "assessment"}, expected_version=1
    )

    with pytest.raises(StaleVersion):
        services.case_update(
            user=case_workers["lb"], case=case, data={"status": "case_plan"}, expected_version=1
        )

    case.refresh_from_db()
    assert (case.status, case.version) == ("assessment", 2)
    assert case.history.count() == 2  # created, then the one update that went through


def test_update_replaces_a_code_list(case_workers, cases):
    case = services.case_update(
        user=case_workers["lb"],
        case=cases["lb"],
        data={"exploitation_types": ["isSexualExploit"], "labour_sector": ""},
    )
    assert case.exploitation_types == ["isSexualExploit"]
    assert not case.is_forced_labour


def test_closing_needs_a_reason_and_a_possible_date(case_workers, cases):
    case, user = cases["lb"], case_workers["lb"]
    with pytest.raises(ValidationError) as excinfo:
        services.case_close(user=user, case=case, closure_reason="")
    assert "closure_reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.case_close(user=user, case=case, closure_reason="moon")
    assert "closure_reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.case_close(
            user=user, case=case, closure_reason="returned", closed_on=D(2020, 1, 1)
        )
    assert "closed_on" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        services.case_update(user=user, case=case, data={"status": "closed"})
    case.refresh_from_db()
    assert case.status == "open"

    closed = services.case_close(
        user=user, case=case, closure_reason="returned", expected_version=1
    )

    assert (closed.status, closed.closure_reason, closed.version) == ("closed", "returned", 2)
    with pytest.raises(ValidationError):
        services.case_update(user=user, case=case, data={"status": "open"})


def test_a_crash_while_saving_an_identity_reports_no_name(case_workers, cases, monkeypatch, rf):
    import sys

    from django.views.debug import ExceptionReporter

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Identity, "save", broken_save)
    request = rf.get("/")
    try:
        services.identity_save(
            user=case_workers["lb"], case=cases["lb"], data={"given_name": "Zenebech"}
        )
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()

    assert "disk full" in report
    assert "Zenebech" not in report
