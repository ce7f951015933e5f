import csv
import datetime
import io
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from accounts.models import AuthenticatorDevice
from assistance import ctdc
from assistance.export_models import CTDCExport
from assistance.export_services import ctdc_export_build, ctdc_export_request
from assistance.models import Case
from assistance.tasks import build_ctdc_export
from projects.models import ExportStatus
from tests import factories as f

URL = "/assistance/exports/"


ALIKE = {
    "identification_date": datetime.date(2020, 3, 1),
    "sex": "Female",
    "age_at_identification": 19,
    "citizenship": "ET",
    "country_of_exploitation": "LB",
    "is_forced_labour": True,
    "is_sexual_exploit": False,
    "is_forced_marriage": False,
    "is_forced_military": False,
    "is_organ_removal": False,
    "is_slavery_and_practices": False,
    "is_other_exploit": False,
    "labour_sector": "typeOfLabourDomesticWork",
}


def _cases(portfolio, worker, office: str, project: str, n: int, **values):
    return f.random_cases(
        n,
        seed=n,
        project=portfolio[project],
        country_office=portfolio[office],
        registered_by=worker,
        **(ALIKE | values),
    )


@pytest.fixture
def shared(portfolio, case_workers):
    """Lebanon: 30 alike and 1 rare consenting case, 5 not consenting; Egypt: 12 consenting;
    and a release of them."""
    lb, eg = case_workers["lb"], case_workers["eg"]
    _cases(portfolio, lb, "lebanon", "p_lb", 30, consent_share_data=True)
    rare = _cases(portfolio, lb, "lebanon", "p_lb", 1, consent_share_data=True)[0]
    Case.objects.filter(pk=rare.pk).update(citizenship="FJ")
    _cases(portfolio, lb, "lebanon", "p_lb", 5, consent_share_data=False, consent_assistance=True)
    _cases(
        portfolio, eg, "egypt", "p_eg", 12, consent_share_data=True, country_of_exploitation="EG"
    )
    return ctdc.ctdc_release_publish()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a call and then what it scheduled on commit, as outside a test transaction."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = call(*args, **kwargs)
        if isinstance(result, CTDCExport):
            result.refresh_from_db()
        return result

    return run


def csv_rows(export: CTDCExport) -> list[dict]:
    with export.file.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def stored_files() -> set[str]:
    if not default_storage.exists("exports/ctdc"):
        return set()
    return set(default_storage.listdir("exports/ctdc")[1])


def test_requested_export_is_built_after_commit(users, shared, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = ctdc_export_request(user=users["admin"], fmt="csv")

    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert (export.row_count, export.suppressed_count) == (42, 1)
    assert export.generalisation == dict.fromkeys(ctdc.QI_KEYS, 0)
    assert export.finished_at is not None
    rows = csv_rows(export)
    assert list(rows[0]) == list(ctdc.COLUMNS)
    assert len(rows) == 42
    assert {row["citizenship"] for row in rows} == {"ET"}
    assert {row["CountryOfExploitation"] for row in rows} == {"LB", "EG"}
    assert {row["typeOfLabourDomesticWork"] for row in rows} == {"1"}
    assert {row["isSexualExploit"] for row in rows} == {"0"}


def test_xlsx_keeps_numbers_and_leaves_withheld_cells_empty(users, shared, portfolio):
    _cases(portfolio, users["case_worker_lb"], "lebanon", "p_lb", 3, consent_share_data=True)
    women = Case.objects.filter(
        consent_share_data=True, sex="Female", country_of_exploitation="LB", citizenship="ET"
    ).order_by("pk")
    Case.objects.filter(pk__in=list(women.values_list("pk", flat=True)[:2])).update(sex="Male")
    ctdc.ctdc_release_publish()
    export = CTDCExport.objects.create(requested_by=users["me"], format="xlsx")

    build_ctdc_export.delay(export.pk)

    export.refresh_from_db()
    with export.file.open("rb") as handle:
        # Not read-only: that mode ends a row at its last filled cell, and rows come in a
        # random order, so the first one may end with withheld (empty) cells.
        sheet = load_workbook(io.BytesIO(handle.read()))["CTDC"]
        rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ctdc.COLUMNS
    assert len(rows) - 1 == export.row_count > 0
    record = dict(zip(ctdc.COLUMNS, rows[1], strict=True))
    assert record["isForcedLabour"] == 1
    assert record["yearOfRegistration"] == 2020
    # Two men among 45 women: sex is withheld rather than two records cut.
    assert record["gender"] is None
    assert export.generalisation["sex"] == 1


def test_nothing_is_built_before_commit(users, shared, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export = ctdc_export_request(user=users["admin"], fmt="xlsx")

    export.refresh_from_db()
    assert export.status == ExportStatus.PENDING
    assert not export.file


def test_task_is_idempotent(users, shared):
    export = CTDCExport.objects.create(requested_by=users["analyst"], format="csv")

    first = build_ctdc_export.delay(export.pk).get()
    export.refresh_from_db()
    name, files = export.file.name, stored_files()
    second = build_ctdc_export.delay(export.pk).get()

    export.refresh_from_db()
    assert first == second == {"id": export.pk, "status": "done", "records": 42}
    assert export.file.name == name
    assert stored_files() == files


def test_failure_is_recorded_and_can_be_retried(users, shared):
    export = CTDCExport.objects.create(requested_by=users["analyst"], format="csv")

    with (
        mock.patch(
            "assistance.export_services.published_rows", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        build_ctdc_export.delay(export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == "RuntimeError"
    assert export.finished_at is not None
    assert not export.file

    build_ctdc_export.delay(export.pk)
    export.refresh_from_db()
    assert (export.status, export.error, export.row_count) == (ExportStatus.DONE, "", 42)


@pytest.mark.parametrize(
    ("name", "records"),
    [("donor_a", 12), ("donor_b", 30), ("officer_eg", 12), ("me", 42), ("norole", None)],
)
def test_each_role_gets_its_own_scope(users, shared, committed, name, records):
    if records is None:
        with pytest.raises(PermissionDenied):
            ctdc_export_request(user=users[name], fmt="csv")
        return
    export = committed(ctdc_export_request, user=users[name], fmt="csv")
    assert export.row_count == records
    assert len(csv_rows(export)) == records


def test_unknown_format_is_refused(users):
    with pytest.raises(ValidationError) as caught:
        ctdc_export_request(user=users["admin"], fmt="pdf")
    assert "format" in caught.value.message_dict
    assert not CTDCExport.objects.exists()


def test_case_worker_file_keeps_the_scope_of_the_verified_session(
    client, case_workers, shared, committed
):
    worker = case_workers["lb"]
    client.force_login(worker)

    response = committed(client.post, URL, {"format": "csv"})

    assert response.status_code == 302
    export = CTDCExport.objects.get(requested_by=worker)
    assert export.second_factor is True
    assert export.row_count == 30
    # Built again without the second factor (e.g. a token), the office's cases are out of reach.
    export.status, export.second_factor = ExportStatus.PENDING, False
    export.save()
    assert ctdc_export_build(export_id=export.pk).row_count == 0
    # And once the authenticator is removed, pending files no longer see the cases either.
    export.status, export.second_factor = ExportStatus.PENDING, True
    export.save()
    AuthenticatorDevice.objects.filter(user=worker).delete()
    assert ctdc_export_build(export_id=export.pk).row_count == 0


def test_page_lists_own_exports_with_figures(client, users, shared, committed):
    mine = committed(ctdc_export_request, user=users["donor_b"], fmt="csv")
    committed(ctdc_export_request, user=users["admin"], fmt="xlsx")
    failed = CTDCExport.objects.create(
        requested_by=users["donor_b"], format="xlsx", status=ExportStatus.FAILED, error="OSError"
    )
    client.force_login(users["donor_b"])

    response = client.get(URL)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [export.pk for export, _cell, _coarser in rows] == [failed.pk, mine.pk]
    body = response.content.decode()
    assert f"/assistance/exports/{mine.pk}/download/" in body
    assert "The file could not be built. Request it again." in body
    # Donors see a count of 1 to 10 left-out records only as "<11".
    assert "&lt;11" in body


def test_page_request_and_bad_format(client, users, shared, committed):
    client.force_login(users["analyst"])

    bad = client.post(URL, {"format": "pdf"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["format"]
    assert not CTDCExport.objects.exists()

    good = committed(client.post, URL, {"format": "xlsx"}, follow=True)
    assert good.status_code == 200
    export = CTDCExport.objects.get()
    assert (export.requested_by, export.format, export.status) == (
        users["analyst"],
        "xlsx",
        ExportStatus.DONE,
    )
    assert "Your export is being prepared" in good.content.decode()


@pytest.mark.django_db(transaction=True)
def test_failure_while_building_in_process_shows_on_the_page(client, users):
    # Outside a test transaction the file is built when the request's write commits.
    client.force_login(users["me"])
    ctdc.ctdc_release_publish()
    with mock.patch("assistance.export_services.published_rows", side_effect=RuntimeError("boom")):
        response = client.post(URL, {"format": "csv"}, follow=True)

    assert response.status_code == 200
    assert CTDCExport.objects.get().status == ExportStatus.FAILED
    body = response.content.decode()
    assert "The export could not be built." in body
    assert "boom" not in body


def test_download_only_for_the_owner(client, users, shared, committed):
    export = committed(ctdc_export_request, user=users["analyst"], fmt="csv")
    pending = CTDCExport.objects.create(requested_by=users["analyst"], format="csv")
    url = f"{URL}{export.pk}/download/"

    client.force_login(users["analyst"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"].count("no-store") == 1
    assert b"".join(response.streaming_content).decode("utf-8-sig").startswith("yearOfRegistration")
    assert client.get(f"{URL}{pending.pk}/download/").status_code == 404

    for other in ("admin", "me", "donor_a"):
        client.force_login(users[other])
        assert client.get(url).status_code == 404, other

    client.logout()
    assert client.get(url).status_code == 302


def test_page_costs_a_fixed_number_of_queries(client, users, django_assert_max_num_queries):
    client.force_login(users["me"])
    CTDCExport.objects.create(requested_by=users["me"], format="csv")
    client.get(URL)
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    CTDCExport.objects.bulk_create(
        CTDCExport(
            requested_by=users["me"],
            format="xlsx",
            status=ExportStatus.DONE,
            row_count=40,
            suppressed_count=2,
            generalisation={"year": 1, "citizenship": 2},
        )
        for _ in range(30)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["rows"]) == 31
    assert "Citizenship: region" in response.content.decode()


# CTDC's global k-anonymised dataset, as its column list describes it: 63 columns in this
# order; years and 0/1 flags are whole numbers (blank: missing), everything else text.
CTDC_MEANS = [
    "meansOfControl" + name
    for name in [
        "DebtBondage",
        "TakesEarnings",
        "RestrictsFinancialAccess",
        "Threats",
        "PsychologicalAbuse",
        "PhysicalAbuse",
        "SexualAbuse",
        "FalsePromises",
        "PsychoactiveSubstances",
        "RestrictsMovement",
        "RestrictsMedicalCare",
        "ExcessiveWorkingHours",
        "UsesChildren",
        "ThreatOfLawEnforcement",
        "WithholdsNecessities",
        "WithholdsDocuments",
        "Other",
        "NotSpecified",
    ]
]
CTDC_TYPES = [
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
]
CTDC_LABOUR = [
    "typeOfLabour" + name
    for name in [
        "Agriculture",
        "Aquafarming",
        "Begging",
        "Construction",
        "DomesticWork",
        "Hospitality",
        "IllicitActivities",
        "Manufacturing",
        "MiningOrDrilling",
        "Peddling",
        "Transportation",
        "Other",
        "NotSpecified",
    ]
]
CTDC_SEX = [
    "typeOfSex" + name
    for name in [
        "Prostitution",
        "Pornography",
        "RemoteInteractiveServices",
        "PrivateSexualServices",
    ]
]
CTDC_RECRUITER = [
    "recruiterRelation" + name
    for name in ["IntimatePartner", "Friend", "Family", "Other", "Unknown"]
]
CTDC_COLUMNS = [
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    *CTDC_MEANS,
    "meansOfControlConcatenated",
    *CTDC_TYPES,
    "typeOfExploitConcatenated",
    *CTDC_LABOUR,
    "typeOfLabourConcatenated",
    *CTDC_SEX,
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    *CTDC_RECRUITER,
]
CTDC_FLAGS = [*CTDC_MEANS, *CTDC_TYPES, *CTDC_LABOUR, *CTDC_SEX, "isAbduction", *CTDC_RECRUITER]
CTDC_DTYPES = dict.fromkeys(CTDC_COLUMNS, "string") | dict.fromkeys(
    ["yearOfRegistration", *CTDC_FLAGS], "Int64"
)


def _frame(export: CTDCExport):
    import pandas as pd

    with export.file.open("rb") as handle:
        content = io.BytesIO(handle.read())
    if export.format == "csv":
        return pd.read_csv(
            content, dtype=CTDC_DTYPES, encoding="utf-8-sig", keep_default_na=False, na_values=[""]
        )
    return pd.read_excel(content, sheet_name="CTDC", dtype=CTDC_DTYPES)


def _check_ctdc_frame(frame) -> None:
    assert len(CTDC_COLUMNS) == 63
    assert list(frame.columns) == CTDC_COLUMNS
    assert len(frame) == 42
    assert frame.dtypes["yearOfRegistration"] == "Int64"
    assert set(frame["yearOfRegistration"]) == {2020}
    assert set(frame["Datasource"]) == {"Case Management"}
    assert (set(frame["gender"]), set(frame["ageBroad"])) == ({"Female"}, {"18--20"})
    assert set(frame["majorityStatus"]) == {"Adult"}
    assert frame["citizenship"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(frame["CountryOfExploitation"]) == {"LB", "EG"}
    for column in CTDC_FLAGS:
        assert set(frame[column].dropna()) <= {0, 1}, column
    # What the portal does not record is blank, not 0.
    unrecorded = ["majorityStatusAtExploit", "majorityEntry", *CTDC_SEX, "typeOfSexConcatenated"]
    assert frame[[*unrecorded, "isAbduction"]].isna().all().all()
    assert (frame["isForcedLabour"] == 1).all() and (frame["isSexAndLabour"] == 0).all()
    assert set(frame["typeOfExploitConcatenated"]) == {"Forced labour"}
    assert set(frame["typeOfLabourConcatenated"]) == {"Domestic work"}
    # A recruiter not recorded: every recruiter column blank; recorded: exactly one 1.
    unknown = frame["RecruiterRelationship"].isna()
    assert unknown.any() and not unknown.all()
    assert frame.loc[unknown, CTDC_RECRUITER].isna().all().all()
    assert (frame.loc[~unknown, CTDC_RECRUITER].sum(axis=1) == 1).all()
    # No means of control ticked: "not specified", the others blank.
    unspecified = frame["meansOfControlNotSpecified"] == 1
    assert frame.loc[unspecified, CTDC_MEANS[:-1]].isna().all().all()
    assert frame.loc[~unspecified, CTDC_MEANS[:-1]].notna().all().all()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_file_loads_with_ctdc_dtypes(users, shared, committed, fmt):
    export = committed(ctdc_export_request, user=users["analyst"], fmt=fmt)

    frame = _frame(export)

    _check_ctdc_frame(frame)
    assert export.release == shared


def test_csv_and_xlsx_hold_the_same_records(users, shared, committed):
    import pandas as pd

    csv_file = committed(ctdc_export_request, user=users["me"], fmt="csv")
    xlsx_file = committed(ctdc_export_request, user=users["me"], fmt="xlsx")

    pd.testing.assert_frame_equal(_frame(csv_file), _frame(xlsx_file))


def test_no_file_before_a_release_is_published(client, users):
    with pytest.raises(ValidationError) as caught:
        ctdc_export_request(user=users["analyst"], fmt="csv")
    assert "No anonymised release" in str(caught.value)

    client.force_login(users["analyst"])
    response = client.post(URL, {"format": "csv"})
    assert response.status_code == 400
    assert "No anonymised release" in response.content.decode()
    assert not CTDCExport.objects.exists()


def test_a_pending_file_is_cut_from_the_release_it_was_asked_of(users, shared, portfolio):
    export = ctdc_export_request(user=users["analyst"], fmt="csv")
    _cases(portfolio, users["case_worker_lb"], "lebanon", "p_lb", 20, consent_share_data=True)
    ctdc.ctdc_release_publish()

    build_ctdc_export.delay(export.pk)

    export.refresh_from_db()
    assert (export.release, export.row_count) == (shared, 42)


def test_administrators_publish_a_release_from_the_page(client, users, shared, committed):
    for name in ("analyst", "me", "donor_a"):
        client.force_login(users[name])
        assert "Publish a new release" not in client.get(URL).content.decode()
        assert committed(client.post, f"{URL}release/").status_code == 404, name
    assert ctdc.current_release() == shared

    client.force_login(users["admin"])
    page = client.get(URL).content.decode()
    assert "Publish a new release" in page
    assert f"Files are cut from release {shared.pk}" in page
    response = committed(client.post, f"{URL}release/", follow=True)

    latest = ctdc.current_release()
    assert latest.pk > shared.pk
    assert (latest.published_by, latest.published_count) == (users["admin"], 42)
    assert "A new release is being published." in response.content.decode()
    assert f"Files are cut from release {latest.pk}" in client.get(URL).content.decode()
