import csv
import io
from unittest import mock

import pytest
from django.core.files.storage import default_storage

from dashboards import invalidation
from projects import models as pm
from projects.services import portfolio_export_request
from projects.tasks import build_portfolio_export, scheduled_portfolio_export


def export_files() -> set[str]:
    if not default_storage.exists("exports"):
        return set()
    return set(default_storage.listdir("exports")[1])


def test_requested_export_is_built_after_commit(
    users, portfolio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        export = portfolio_export_request(user=users["donor_b"], fmt="csv")

    # One send after commit (the end of the job announces itself after its own commit).
    sends = [c for c in callbacks if c.__qualname__.startswith("job_queue")]
    assert len(sends) == 1
    assert all(
        c is invalidation._bump or c.__qualname__.startswith(("job_queue", "job_finish"))
        for c in callbacks
    )
    export.refresh_from_db()
    assert export.status == pm.ExportStatus.DONE
    assert export.project_count == 2
    assert export.finished_at is not None
    with export.file.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert {row["Code"] for row in rows} == {portfolio["p_lb"].code, portfolio["p_both"].code}


def test_nothing_is_built_before_commit(users, portfolio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export = portfolio_export_request(user=users["admin"], fmt="iati")

    export.refresh_from_db()
    assert export.status == pm.ExportStatus.PENDING
    assert not export.file


def test_task_is_idempotent(users, portfolio):
    export = pm.PortfolioExport.objects.create(requested_by=users["me"], format="xlsx")

    first = build_portfolio_export.delay(export.pk).get()
    export.refresh_from_db()
    name, files = export.file.name, export_files()
    second = build_portfolio_export.delay(export.pk).get()

    export.refresh_from_db()
    assert first == second == {"id": export.pk, "status": "done", "projects": 3}
    assert export.status == pm.ExportStatus.DONE
    assert export.file.name == name
    assert export_files() == files


def test_failure_is_recorded(users, portfolio):
    export = pm.PortfolioExport.objects.create(requested_by=users["analyst"], format="iati")

    with (
        mock.patch("projects.exports.write_portfolio", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        build_portfolio_export.delay(export.pk)

    export.refresh_from_db()
    assert export.status == pm.ExportStatus.FAILED
    assert export.error == "RuntimeError"
    assert export.finished_at is not None
    assert not export.file


def test_failed_export_can_be_built_again(users, portfolio):
    export = pm.PortfolioExport.objects.create(
        requested_by=users["analyst"], format="csv", status=pm.ExportStatus.FAILED
    )

    build_portfolio_export.delay(export.pk)

    export.refresh_from_db()
    assert export.status == pm.ExportStatus.DONE
    assert export.project_count == 3


def test_nightly_export_is_queued_for_each_active_administrator(
    users, portfolio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ids = scheduled_portfolio_export.delay().get()

    exports = pm.PortfolioExport.objects.filter(pk__in=ids)
    assert [(e.requested_by, e.format, e.status) for e in exports] == [
        (users["admin"], "iati", pm.ExportStatus.DONE)
    ]
    assert exports[0].project_count == 3
