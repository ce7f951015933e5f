import csv
import io
from io import BytesIO

from openpyxl import load_workbook

from tests import factories as f
from trainings.exports import render_csv, render_xlsx
from trainings.models import TrainingSession
from trainings.selectors import sessions_with_totals


def _sessions():
    return sessions_with_totals(TrainingSession.objects.all()).select_related(
        "project", "host_country"
    )


def test_csv_keeps_formulas_as_text_and_arabic_readable(portfolio):
    f.TrainingSessionFactory(project=portfolio["p_eg"], title="=HYPERLINK(1)", city="القاهرة")
    text = render_csv(_sessions(), limit=0).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert "القاهرة" in text


def test_xlsx_has_one_row_per_session_with_typed_dates(portfolio):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], title="=1+1")
    f.ParticipantCountFactory(session=session, count=2)
    sheet = load_workbook(BytesIO(render_xlsx(_sessions(), limit=4))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Project"
    assert rows[1][2] == "=1+1"
    assert rows[1][5].date() == session.start_date
    # Two participants: hidden from aggregate viewers.
    assert rows[1][13] == "<5"


def test_sex_not_recorded_is_said_not_zero_in_csv_and_xlsx(portfolio):
    from django.utils import translation

    session = f.TrainingSessionFactory(project=portfolio["p_eg"], title="Head count only")
    f.ParticipantCountFactory(session=session, sex="other", count=40)

    header, row = list(
        csv.reader(io.StringIO(render_csv(_sessions(), limit=4).decode("utf-8-sig")))
    )
    assert header[-4:] == ["Participants", "Women", "Men", "Other or not recorded"]
    assert row[-4:] == ["40", "not recorded", "not recorded", "40"]
    with translation.override("fr"):
        sheet = load_workbook(BytesIO(render_xlsx(_sessions(), limit=4))).active
    values = list(sheet.iter_rows(values_only=True))[1]
    assert values[-4:] == (40, "non renseigné", "non renseigné", 40)
    # Dates are real dates, shown as the French pages show them.
    assert sheet.cell(row=2, column=6).number_format.startswith("[$-40C]d mmm yyyy")
