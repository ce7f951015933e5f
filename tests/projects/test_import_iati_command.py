import pytest
from django.core.management import CommandError, call_command

from ctportal.access import Role
from projects import models as pm
from tests import factories as f
from tests.projects.iati_files import IOM_FILE, activities_file, activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def somalia(db):
    return f.CountryFactory(code="SO", name_en="Somalia")


def test_dry_run_then_import(somalia, capsys):
    admin = f.UserFactory(role=Role.ADMINISTRATOR, username="chief")
    call_command("import_iati", str(IOM_FILE), "--user", "chief", "--dry-run")
    assert "Would create 1 projects" in capsys.readouterr().out
    assert not pm.Project.objects.exists()

    call_command("import_iati", str(IOM_FILE), "--user", admin.username)
    assert "Created 1 projects" in capsys.readouterr().out
    assert pm.Project.objects.get().iati_identifier == "XM-DAC-47066-DP.2154"

    call_command("import_iati", str(IOM_FILE), "--user", admin.username)
    assert "0 projects, updated 0, 1 unchanged" in capsys.readouterr().out
    assert pm.Project.objects.count() == 1


def test_problems_are_printed_and_nothing_written(somalia, tmp_path, capsys):
    f.UserFactory(role=Role.ADMINISTRATOR, username="chief")
    path = tmp_path / "bad.xml"
    path.write_bytes(activities_file(activity(currency="XXY")))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_iati", str(path), "--user", "chief")
    err = capsys.readouterr().err
    assert "activity 1 (XM-DAC-47066-CT.IMP1), line" in err
    assert "XXY" in err
    assert not pm.Project.objects.exists()


def test_out_of_scope_officer_is_refused(somalia):
    f.UserFactory(role=Role.PROGRAMME_OFFICER, username="officer")
    with pytest.raises(CommandError, match="problems"):
        call_command("import_iati", str(IOM_FILE), "--user", "officer")
    assert not pm.Project.objects.exists()


@pytest.mark.parametrize("role", [Role.DONOR, Role.ANALYST, Role.CASE_WORKER])
def test_roles_that_may_not_create_projects(somalia, role):
    f.UserFactory(role=role, username="someone")
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_iati", str(IOM_FILE), "--user", "someone")


def test_unknown_user_and_missing_file(somalia):
    with pytest.raises(CommandError, match="Unknown user"):
        call_command("import_iati", str(IOM_FILE), "--user", "nobody")
    f.UserFactory(role=Role.ADMINISTRATOR, username="chief")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_iati", "/nonexistent.xml", "--user", "chief")
