import datetime
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from assistance import services
from assistance.models import Case, Identity, IdentityAccess, new_reference
from assistance.vocabulary import AgeBand, ExploitationType, age_band, flag_field
from tests import factories as f


def test_references_are_random_and_readable():
    references = {new_reference() for _ in range(200)}

    assert len(references) == 200
    assert all(re.fullmatch(r"CT-[0-9A-HJKMNP-TV-Z]{10}", r) for r in references)


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, ""),
        (0, "0--8"),
        (8, "0--8"),
        (9, "9--17"),
        (17, "9--17"),
        (18, "18--20"),
        (23, "21--23"),
        (26, "24--26"),
        (29, "27--29"),
        (30, "30--38"),
        (47, "39--47"),
        (48, "48+"),
        (90, "48+"),
    ],
)
def test_ctdc_age_bands(age, band):
    assert age_band(age) == band


def test_the_database_bands_ages_like_python(db):
    for age in [None, *range(0, 60)]:
        f.CaseFactory(age_at_identification=age)

    rows = Case.objects.with_age_band().values_list("age_at_identification", "age_band")

    assert all(band == age_band(age) for age, band in rows)
    assert {band for _age, band in rows} == {"", *AgeBand.values}


def test_flag_fields_follow_the_ctdc_codes():
    assert flag_field("isForcedLabour") == "is_forced_labour"
    assert flag_field("meansOfControlThreatOfLawEnforcement") == (
        "means_of_control_threat_of_law_enforcement"
    )
    for code in ExploitationType.values:
        assert Case._meta.get_field(flag_field(code))


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "closed"},
        {"closure_reason": "returned"},
        {"is_forced_labour": False},
        {"consent_date": None, "consent_assistance": True},
    ],
)
def test_the_database_refuses_inconsistent_cases(db, changes):
    case = f.CaseFactory()
    for name, value in changes.items():
        setattr(case, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        case.save()


def test_an_identity_never_shows_its_name(db):
    case = f.CaseFactory()
    identity = Identity.objects.create(
        case=case, given_name="Amina", family_name="Haile", updated_by=case.registered_by
    )

    assert "Amina" not in str(identity)
    assert "Amina" not in repr(identity)


@pytest.fixture
def log_entry(db):
    case = f.CaseFactory()
    return IdentityAccess.objects.create(user=case.registered_by, case=case, action="read")


def test_the_access_log_cannot_be_edited(log_entry):
    log_entry.action = "write"
    with pytest.raises(PermissionDenied):
        log_entry.save()
    with pytest.raises(PermissionDenied):
        IdentityAccess.objects.filter(pk=log_entry.pk).update(action="write")

    log_entry.refresh_from_db()
    assert log_entry.action == "read"


def test_the_access_log_cannot_be_deleted(log_entry):
    with pytest.raises(PermissionDenied):
        log_entry.delete()
    with pytest.raises(PermissionDenied):
        IdentityAccess.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        # Neither through the case or the user it points to.
        Case.objects.filter(pk=log_entry.case_id).delete()
    assert IdentityAccess.objects.count() == 1


def test_nobody_can_be_given_change_or_delete_rights_on_the_log(db):
    codenames = set(
        Permission.objects.filter(content_type__model="identityaccess").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_identityaccess"}


def test_identities_have_no_history_and_case_history_no_identity(case_workers, cases):
    services.identity_save(
        user=case_workers["lb"],
        case=cases["lb"],
        data={"given_name": "Amina", "family_name": "Haile", "date_of_birth": "1996-02-03"},
    )
    services.case_update(user=case_workers["lb"], case=cases["lb"], data={"status": "assessment"})

    assert not hasattr(Identity, "history")
    history_models = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    assert "HistoricalIdentity" not in {m.__name__ for m in history_models}
    assert "HistoricalCaseNote" not in {m.__name__ for m in history_models}
    identity_fields = {
        field.name
        for field in Identity._meta.get_fields()
        if field.name not in {"case", "updated_at", "updated_by"}
    }
    for model in history_models:
        if model._meta.app_label == "assistance":
            assert not identity_fields & {field.name for field in model._meta.get_fields()}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            dump = repr(cursor.fetchall())
        for plain in ("Amina", "Haile", "1996-02-03"):
            assert plain not in dump, model


def test_case_creation_date_defaults(db):
    case = f.CaseFactory(identification_date=datetime.date(2020, 1, 1))
    assert case.version == 1
    assert case.status == "open"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_raw_changes_to_the_log(log_entry):
    from django.db import DatabaseError

    for sql in (
        "UPDATE assistance_identityaccess SET action = 'write'",
        "DELETE FROM assistance_identityaccess",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert IdentityAccess.objects.get().action == "read"
