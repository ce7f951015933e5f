"""Attendance sheets through ``attendance_import_start``: every bad input, then good files."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tests import factories as f
from trainings import imports
from trainings.import_services import attendance_import_start, attendances_bulk_add
from trainings.models import Attendance, ImportStatus, Person

HEADER = list(imports.COLUMNS)
GOOD = [
    ["Amal Hassan", "female", "25-34", "Public Prosecution", "prosecution", "Prosecutor"]
    + ["EG", "EG", "yes", "55", "80"],
    ["", "male", "35-44", "General Security", "police", "Captain", "lb", "LB", "", "", ""],
    ["Karim Nour", "Male", "", "", "Police", "", "Egypt", "", "no", "40.5", "75,25"],
]


def csv_upload(rows, header=HEADER, name="sheet.csv", delimiter=",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows, header=HEADER, name="sheet.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=imports.XLSX_TYPE)


@pytest.fixture
def session(portfolio):
    return f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])


def start(users, session, upload, who="officer_eg"):
    return attendance_import_start(user=users[who], session=session, upload=upload)


def file_message(users, session, upload) -> str:
    before = Attendance.objects.count(), Person.objects.count()
    with pytest.raises(ValidationError) as raised:
        start(users, session, upload)
    assert (Attendance.objects.count(), Person.objects.count()) == before
    assert not session.imports.exists()
    return " ".join(raised.value.message_dict["file"])


# The whole file ------------------------------------------------------------------


def test_a_file_that_is_neither_csv_nor_xlsx(users, session):
    upload = SimpleUploadedFile("sheet.pdf", b"%PDF-1.4 not a sheet")
    assert "CSV or XLSX" in file_message(users, session, upload)


def test_content_is_sniffed_not_only_the_extension(users, session):
    pdf = SimpleUploadedFile("sheet.csv", b"%PDF-1.4\x00\x01\x02binary")
    assert "not a text file" in file_message(users, session, pdf)
    workbook = xlsx_upload(GOOD)
    renamed = SimpleUploadedFile("sheet.csv", workbook.read())
    assert "Excel workbook" in file_message(users, session, renamed)
    text = SimpleUploadedFile("sheet.xlsx", b"name,sex\nA,female\n")
    assert "not an Excel workbook" in file_message(users, session, text)
    old = SimpleUploadedFile("sheet.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert ".xls" in file_message(users, session, old)


def test_a_csv_that_is_not_utf8(users, session):
    upload = SimpleUploadedFile("sheet.csv", ",".join(HEADER).encode() + "\nأمل".encode("cp1256"))
    assert "UTF-8" in file_message(users, session, upload)


def test_a_wrong_header_names_missing_and_unknown_columns(users, session):
    header = [c for c in HEADER if c not in ("sex", "post_score")] + ["rank", "email"]
    message = file_message(users, session, csv_upload([], header=header))
    assert "Missing columns: sex, post_score." in message
    assert "Unknown columns: rank, email." in message
    xlsx = file_message(users, session, xlsx_upload([], header=["Name", "Sex"]))
    assert "Missing columns: age_band" in xlsx


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("sheet.csv", b""),
        SimpleUploadedFile("sheet.csv", b"\n\n"),
    ],
)
def test_an_empty_file(users, session, upload):
    assert "empty" in file_message(users, session, upload)


@pytest.mark.parametrize("maker", [csv_upload, xlsx_upload])
def test_a_header_without_rows(users, session, maker):
    assert "no participant rows" in file_message(users, session, maker([["", "", ""]]))


def test_a_file_over_10_mb_is_refused_before_it_is_read(users, session):
    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the content must not be read")

    upload = Unreadable("sheet.csv", b"x")
    upload.size = 20 * 1024 * 1024
    message = file_message(users, session, upload)
    assert "20.0 MB" in message and "10 MB" in message


def test_only_editors_in_scope_may_import(users, session):
    for who in ("officer_lb_project", "me", "donor_a", "analyst"):
        with pytest.raises(PermissionDenied):
            start(users, session, csv_upload(GOOD), who=who)
    assert not Attendance.objects.exists()


def test_a_session_with_totals_takes_no_sheet(users, session):
    f.ParticipantCountFactory(session=session)
    assert "totals" in file_message(users, session, csv_upload(GOOD))


# Rows ----------------------------------------------------------------------------


def rejected(users, session, upload) -> list[dict]:
    before = Attendance.objects.count(), Person.objects.count()
    record = start(users, session, upload)
    assert record.status == ImportStatus.REJECTED
    assert (Attendance.objects.count(), Person.objects.count()) == before
    return record.errors


def problems(errors) -> set[tuple]:
    return {(e["row"], e["field"]) for e in errors}


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("nationality", "XX", "Unknown country “XX”"),
        ("country_of_work", "Atlantis", "ISO 3166-1"),
        ("institution_type", "army", "Unknown institution type “army”"),
        ("sex", "", "Give the sex"),
        ("sex", "unknown", "Unknown sex"),
        ("age_band", "teen", "Unknown age band"),
        ("pre_score", "101", "between 0 and 100"),
        ("post_score", "-5", "cannot be negative"),
        ("pre_score", "eighty", "is not a number"),
        ("post_score", "NaN", "is not a number"),
        ("attended", "maybe", "yes or no"),
        ("name", "x" * 201, "At most 200 characters"),
    ],
)
@pytest.mark.parametrize("maker", [csv_upload, xlsx_upload])
def test_one_bad_cell_rejects_the_whole_sheet(users, session, column, value, words, maker):
    rows = [list(row) for row in GOOD]
    rows[1][HEADER.index(column)] = value
    errors = rejected(users, session, maker(rows))
    assert problems(errors) == {(3, column)}
    assert words in errors[0]["message"]


def test_every_bad_row_is_reported(users, session):
    rows = [list(row) for row in GOOD] * 2
    rows = [[f"Person {i}", *row[1:]] for i, row in enumerate(rows)]
    rows[0][HEADER.index("pre_score")] = "150"
    rows[2][HEADER.index("nationality")] = "ZZ"
    rows[2][HEADER.index("institution_type")] = "army"
    rows[5][HEADER.index("post_score")] = "-1"
    errors = rejected(users, session, csv_upload(rows))
    assert problems(errors) == {
        (2, "pre_score"),
        (4, "nationality"),
        (4, "institution_type"),
        (7, "post_score"),
    }


def test_duplicate_people_in_the_sheet(users, session):
    rows = [list(GOOD[0]), list(GOOD[1]), list(GOOD[1]), [" amal  HASSAN ", *GOOD[0][1:]]]
    errors = rejected(users, session, csv_upload(rows))
    # Two rows without a name may be two people; the same name, sex and countries may not.
    assert problems(errors) == {(5, "name")}
    assert "row 2" in errors[0]["message"]


def test_someone_already_in_the_session(users, session, portfolio):
    person = f.PersonFactory(full_name="Amal Hassan", sex="female")
    person.nationality = person.country_of_work = portfolio["egypt"]
    person.save()
    f.AttendanceFactory(session=session, person=person)
    errors = rejected(users, session, csv_upload(GOOD))
    assert problems(errors) == {(2, "name")}
    assert "already a participant" in errors[0]["message"]


def test_so_many_errors_are_summed_up(users, session, django_capture_on_commit_callbacks):
    rows = [["", "alien", "", "", "", "", "", "", "", "", ""]] * (imports.MAX_ERRORS + 5)
    with django_capture_on_commit_callbacks(execute=True):
        record = start(users, session, csv_upload(rows))
    record.refresh_from_db()
    assert record.status == ImportStatus.REJECTED
    assert not Attendance.objects.exists()
    errors = record.errors
    assert len(errors) == imports.MAX_ERRORS + 1
    assert "5 more problems" in errors[-1]["message"]


# Good sheets ---------------------------------------------------------------------


@pytest.mark.parametrize("maker", [csv_upload, xlsx_upload])
def test_a_good_sheet_is_written_once(users, session, portfolio, maker):
    egypt = portfolio["egypt"]
    known = f.PersonFactory(full_name="Karim Nour", sex="male", nationality=egypt)
    record = start(users, session, maker(GOOD))
    assert record.status == ImportStatus.DONE, record.errors
    assert record.total_rows == record.processed_rows == 3
    assert record.progress == 100
    attendances = {a.person.full_name: a for a in session.attendances.select_related("person")}
    assert set(attendances) == {"Amal Hassan", "", "Karim Nour"}
    assert attendances["Karim Nour"].person == known  # matched in the register
    assert attendances["Karim Nour"].attended is False
    assert attendances["Karim Nour"].post_score == Decimal("75.25")
    assert attendances["Amal Hassan"].person.nationality == portfolio["egypt"]
    assert attendances[""].person.country_of_work == portfolio["lebanon"]
    assert attendances["Amal Hassan"].history.first().history_user == users["officer_eg"]
    assert attendances["Amal Hassan"].person.history.count() == 1
    assert Person.objects.count() == 3

    again = start(users, session, maker(GOOD[:1]))
    assert again.status == ImportStatus.REJECTED
    assert session.attendances.count() == 3


def test_semicolons_bom_and_labels_are_understood(users, session):
    upload = csv_upload(
        [["Samira", "Female", "18–24", "", "NGO or civil society", "", "eg", "", "oui", "", ""]],
        delimiter=";",
    )
    upload.file = io.BytesIO(b"\xef\xbb\xbf" + upload.read())
    record = start(users, session, upload)
    assert record.status == ImportStatus.DONE, record.errors
    person = session.attendances.get().person
    assert (person.sex, person.age_band, person.institution_type) == ("female", "18-24", "ngo")


def test_the_templates_read_back(users, session):
    for fmt, content in (("csv", imports.template_csv()), ("xlsx", imports.template_xlsx())):
        upload = SimpleUploadedFile(f"template.{fmt}", content)
        assert imports.detect_format(upload) == fmt
        with imports.open_sheet(upload, fmt) as sheet:
            assert [str(cell) for cell in sheet.header] == HEADER
    names = load_workbook(io.BytesIO(imports.template_xlsx())).sheetnames
    assert names == ["participants", "codes"]


def test_bulk_add_checks_rows_like_attendances_add(users, session):
    rows = [
        {"full_name": "A", "sex": "robot"},
        {"full_name": "B", "sex": "male", "post_score": 140},
    ]
    with pytest.raises(ValidationError) as raised:
        attendances_bulk_add(user=users["officer_eg"], session=session, rows=rows)
    assert set(raised.value.message_dict) == {"rows[0].sex", "rows[1].post_score"}
    twice = [{"full_name": "A", "sex": "male"}, {"full_name": "a", "sex": "male"}]
    with pytest.raises(ValidationError) as raised:
        attendances_bulk_add(user=users["officer_eg"], session=session, rows=twice)
    assert set(raised.value.message_dict) == {"rows[1]"}
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("maker", [csv_upload, xlsx_upload])
def test_a_row_longer_than_the_header_is_an_error_with_its_row_number(users, session, maker):
    rows = [list(row) for row in GOOD]
    rows[1] = [*rows[1], "stray note"]
    errors = rejected(users, session, maker(rows))
    assert problems(errors) == {(3, "")}
    assert f"{len(HEADER) + 1} cells" in errors[0]["message"]
    assert f"{len(HEADER)} columns" in errors[0]["message"]


@pytest.mark.parametrize("maker", [csv_upload, xlsx_upload])
def test_extra_cells_on_an_otherwise_empty_row_are_reported(users, session, maker):
    rows = [list(GOOD[0]), [""] * len(HEADER) + ["", "left here"]]
    errors = rejected(users, session, maker(rows))
    assert problems(errors) == {(3, "")}


def test_an_empty_trailing_cell_in_a_csv_row_counts_as_a_cell(users, session):
    rows = [list(GOOD[0]), [*GOOD[1], ""]]
    errors = rejected(users, session, csv_upload(rows))
    assert problems(errors) == {(3, "")}


def test_an_xlsx_header_padded_by_a_wider_row_elsewhere_is_still_checked(users, session):
    # openpyxl pads every row to the widest one; padding alone is not an extra cell.
    rows = [list(GOOD[0]), list(GOOD[2]), [*GOOD[1], None, None, "x"]]
    errors = rejected(users, session, xlsx_upload(rows))
    assert problems(errors) == {(4, "")}
    assert f"{len(HEADER) + 3} cells" in errors[0]["message"]


@pytest.mark.parametrize("maker", [csv_upload, xlsx_upload])
def test_problems_are_listed_row_by_row_then_column_by_column(users, session, maker):
    twin = list(GOOD[0])
    rows = [
        ["Rana Saleh", "robot", "25-34", "", "army", "", "XX", "EG", "yes", "101", ""],  # row 2
        [""] * len(HEADER) + ["", "left here"],  # row 3: empty, with an extra cell
        list(GOOD[0]),  # row 4
        [*GOOD[2], "stray note"],  # row 5: an extra cell, and fine otherwise
        twin,  # row 6: the person of row 4 again
        ["Omar Adel", "male", "", "", "", "", "", "", "maybe", "", "-1"],  # row 7
    ]
    errors = rejected(users, session, maker(rows))
    assert [(e["row"], e["field"]) for e in errors] == [
        (2, "sex"),
        (2, "institution_type"),
        (2, "nationality"),
        (2, "pre_score"),
        (3, ""),
        (5, ""),
        (6, "name"),
        (7, "attended"),
        (7, "post_score"),
    ]
    assert "row 4" in errors[6]["message"]


@pytest.mark.parametrize(
    "value", ["", " ", "\t\n", "\u00a0", "a", " a ", "\u200b", None, 0, 0.0, False, 12.5]
)
def test_a_cell_has_text_when_its_tidied_text_is_not_empty(value):
    assert imports.has_text(value) is bool(imports.text_of(value))
