import io

from django.utils import translation
from openpyxl import load_workbook

from reports.content import report_content
from reports.xlsx import render_xlsx

SHEETS = [
    "Summary",
    "Funding and spend",
    "Indicators",
    "Trainings",
    "People trained",
    "Assistance",
    "Outputs",
    "Narrative",
]


def workbook(report):
    with translation.override(report.language):
        content = report_content(report)
        return load_workbook(io.BytesIO(render_xlsx(content)))


def rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]


def pairs(sheet) -> dict:
    return {row[0]: row[1] for row in rows(sheet)}


def test_one_sheet_per_section_with_styled_headers(make_report):
    book = workbook(make_report())

    assert book.sheetnames == SHEETS
    header = book["Indicators"]["A1"]
    assert header.value == "Result"
    assert header.font.bold and header.fill.fgColor.rgb.endswith("0B5C8E")
    assert book["Indicators"].freeze_panes == "A2"
    assert not any(sheet.sheet_view.rightToLeft for sheet in book)


def test_values_keep_their_types(make_report, project_data):
    book = workbook(make_report())

    summary = pairs(book["Summary"])
    assert summary["Code"] == project_data["project"].code
    assert summary["Reporting period"] == "Q3 2021"
    spend = rows(book["Funding and spend"])
    assert ("USD", 1000000, 12000, 17000, 1.7) in spend
    assert ("EUR", "—", 3000, 3000, "—") in spend
    assert rows(book["Indicators"])[1][5:] == (100, 80, 80)
    session = rows(book["Trainings"])[1]
    assert session[0] == "Victim identification for labour inspectors"
    assert session[2].date().isoformat() == "2021-07-12"
    assert book["Funding and spend"]["C3"].number_format == "#,##0.00"


def test_suppressed_counts_are_the_text_a_donor_sees(make_report):
    book = workbook(make_report())

    trainings = rows(book["Trainings"])[1]
    assert trainings[5:] == (21, "<5", 12, "*")
    people = pairs(book["People trained"])
    assert (people["People trained"], people["Female"], people["Male"]) == (21, "<5", 12)
    assert people["Other or not stated"] == "*"
    assistance = pairs(book["Assistance"])
    assert (assistance["Cases identified"], assistance["Female"], assistance["Male"]) == (
        14,
        "*",
        "<11",
    )
    notes = [row[0] for row in rows(book["Assistance"]) if str(row[0]).startswith("Counts from")]
    assert notes and "“<11”" in notes[0]


def test_narrative_and_outputs(make_report):
    book = workbook(make_report(challenges=""))

    narrative = pairs(book["Narrative"])
    assert narrative["Summary of progress"] == "Labour inspectors were trained in Beirut."
    assert narrative["Challenges and how they were addressed"] == (
        "Nothing was written for this section."
    )
    assert [row[0] for row in rows(book["Outputs"])[1:]] == [
        "Trafficking for domestic work in Lebanon"
    ]


def test_text_starting_with_equals_stays_text(make_report):
    book = workbook(make_report(summary='=HYPERLINK("http://example.org","x")'))

    cell = book["Narrative"]["B1"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def test_arabic_workbook_reads_right_to_left(make_report):
    book = workbook(make_report("ar", summary="تم تدريب مفتشي العمل في بيروت"))

    assert len(book.sheetnames) == len(SHEETS)
    assert all(sheet.sheet_view.rightToLeft for sheet in book)
    values = [v for sheet in book for row in rows(sheet) for v in row]
    assert "لبنان (100%)" in values
    assert "تم تدريب مفتشي العمل في بيروت" in values
    assert "التدريبات" in book.sheetnames


def test_sessions_whose_sex_was_not_recorded_say_so(make_report, project_data):
    session = project_data["project"].training_sessions.get(
        title="Victim identification for labour inspectors"
    )
    session.participant_counts.filter(sex__in=["female", "male"]).delete()

    book = workbook(make_report())

    trainings = rows(book["Trainings"])
    assert trainings[0][5:] == ("Participants", "Women", "Men", "Other or not recorded")
    assert trainings[1][6:] == ("not recorded", "not recorded", 6)
