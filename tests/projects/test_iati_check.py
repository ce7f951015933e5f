import io

import pytest
from django.core.management import CommandError, call_command

from tests import factories as f


def run(*args) -> str:
    out = io.StringIO()
    call_command("iati_check", *args, stdout=out)
    return out.getvalue()


def test_a_valid_portfolio_passes(portfolio):
    output = run()

    assert "3 activities checked: 0 error(s), 0 warning(s)." in output


def test_one_project_is_checked_alone(portfolio):
    output = run("--project", portfolio["p_eg"].code)

    assert "1 activities checked: 0 error(s)" in output


def test_errors_are_listed_and_the_exit_status_is_not_zero(portfolio):
    project = f.ProjectFactory(code="CT.NOWHERE")
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"4 activities checked: 1 error\(s\)") as raised:
        call_command("iati_check", stdout=out)

    assert raised.value.returncode == 1
    line = out.getvalue().strip().splitlines()[0].split("\t")
    assert line[:4] == [
        "ERROR",
        project.iati_identifier,
        "/iati-activities/iati-activity[4]",
        "iati-activity/only_one_of/1",
    ]


@pytest.mark.django_db
def test_an_unknown_project_code_is_an_error():
    with pytest.raises(CommandError, match="Unknown project code: NOPE"):
        run("--project", "NOPE")


@pytest.mark.django_db
def test_an_empty_portfolio_is_an_error():
    with pytest.raises(CommandError, match="no project"):
        run()
