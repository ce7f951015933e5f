"""Writers of the person register, run at the same time: one person, one attendance each."""

import csv
import gc
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from tests import factories as f
from trainings import import_services, imports
from trainings.import_services import attendance_import_start, attendances_bulk_add
from trainings.models import Attendance, ImportStatus, Person
from trainings.services import person_find_or_create

ROWS = 30


def sheet() -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)
    for n in range(ROWS):
        sex = "female" if n % 2 else "male"
        writer.writerow([f"Officer {n}", sex, "", "", "police", "", "EG", "EG", "yes", "", "50"])
    return SimpleUploadedFile("attendance.csv", out.getvalue().encode())


def at_once(*calls):
    """Run the calls in threads released together; each returns its result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at what each got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def concurrent_db(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite takes one writer at a time for the whole file: nothing runs concurrently "
            "to prove; CI runs this on PostgreSQL"
        )
    yield
    connections.close_all()


def test_the_same_sheet_uploaded_twice_at_once_is_imported_once(concurrent_db, portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    officer = users["officer_eg"]

    first, second = at_once(
        lambda: attendance_import_start(user=officer, session=session, upload=sheet()),
        lambda: attendance_import_start(user=officer, session=session, upload=sheet()),
    )

    statuses = sorted([first.status, second.status])
    assert statuses == [ImportStatus.DONE, ImportStatus.REJECTED], (first, second)
    assert session.attendances.count() == ROWS
    assert Person.objects.count() == ROWS


def test_two_sessions_importing_the_same_new_people_at_once_share_them(
    concurrent_db, portfolio, users
):
    one, two = (
        f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
        for _ in range(2)
    )
    rows = [
        {"full_name": f"Inspector {n}", "sex": "female", "country_of_work": portfolio["egypt"]}
        for n in range(ROWS)
    ]
    admin = users["admin"]

    results = at_once(
        lambda: attendances_bulk_add(user=admin, session=one, rows=rows),
        lambda: attendances_bulk_add(user=admin, session=two, rows=rows),
    )

    assert results == [ROWS, ROWS]
    assert Person.objects.count() == ROWS
    assert Attendance.objects.count() == 2 * ROWS
    assert set(one.attendances.values_list("person", flat=True)) == set(
        two.attendances.values_list("person", flat=True)
    )


def test_one_by_one_the_same_new_person_at_once_is_created_once(concurrent_db, portfolio, users):
    data = {"full_name": "Nadia  Haddad", "sex": "female", "country_of_work": portfolio["egypt"]}
    admin = users["admin"]

    results = at_once(*[lambda: person_find_or_create(user=admin, data=data)] * 4)

    assert len({person.pk for person in results}) == 1
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_the_register_matches_names_in_any_case_and_spacing(portfolio, users):
    data = {"full_name": "Nadia Haddad", "sex": "female", "country_of_work": portfolio["egypt"]}
    first = person_find_or_create(user=users["admin"], data=data)
    again = person_find_or_create(
        user=users["admin"], data={**data, "full_name": " NADIA   haddad "}
    )
    other = person_find_or_create(user=users["admin"], data={**data, "sex": "male"})
    anonymous = [person_find_or_create(user=users["admin"], data={"sex": "male"}) for _ in "ab"]

    assert again.pk == first.pk and other.pk != first.pk
    assert anonymous[0].pk != anonymous[1].pk and anonymous[0].match_key is None


# History of bulk writes ----------------------------------------------------------


def test_a_bulk_add_records_the_creation_of_every_person_and_attendance(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    known = person_find_or_create(user=users["admin"], data={"full_name": "Row 0", "sex": "male"})
    rows = [
        {"full_name": f"Row {n}", "sex": "male", "institution": "Police academy", "post_score": n}
        for n in range(ROWS)
    ]
    added = attendances_bulk_add(user=users["officer_eg"], session=session, rows=rows)

    assert added == ROWS
    new_people = Person.objects.exclude(pk=known.pk)
    history = Person.history.filter(id__in=new_people.values("pk"))
    assert history.count() == new_people.count() == ROWS - 1
    assert known.history.count() == 1  # matched in the register, not created again
    for attendance in session.attendances.select_related("person"):
        (record,) = attendance.history.all()
        assert record.history_type == "+"
        assert record.history_user == users["officer_eg"]
        assert record.history_change_reason == ""
        assert (record.person_id, record.session_id) == (attendance.person_id, session.pk)
        assert record.post_score == attendance.post_score
    person = new_people.get(full_name="Row 7")
    (record,) = person.history.all()
    assert (record.full_name, record.sex, record.institution) == ("Row 7", "male", "Police academy")
    assert (record.match_key, record.created_at) == (person.match_key, person.created_at)
    assert record.history_user == users["officer_eg"] and record.history_type == "+"


def test_a_bulk_add_refused_after_writing_people_leaves_no_history(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    already = person_find_or_create(user=users["admin"], data={"full_name": "Here", "sex": "male"})
    f.AttendanceFactory(session=session, person=already)
    people, attendances = Person.history.count(), Attendance.history.count()
    # The new people are written before the register tells that the last one is already there.
    rows = [{"full_name": f"New {n}", "sex": "female"} for n in range(ROWS)]
    rows.append({"full_name": "Here", "sex": "male"})

    with pytest.raises(ValidationError) as raised:
        attendances_bulk_add(user=users["officer_eg"], session=session, rows=rows)

    assert set(raised.value.message_dict) == {f"rows[{ROWS}]"}
    assert (Person.history.count(), Attendance.history.count()) == (people, attendances)
    assert not Person.objects.filter(full_name__startswith="New ").exists()
    assert session.attendances.count() == 1


def test_a_bulk_add_makes_as_many_queries_for_forty_rows_as_for_four(
    portfolio, users, django_assert_max_num_queries
):
    """Checks, register matching, people, attendances and history are written by batch."""
    counts = []
    for size in (4, 40):
        session = f.TrainingSessionFactory(
            project=portfolio["p_eg"], host_country=portfolio["egypt"]
        )
        rows = [
            {"full_name": f"Batch {size} {n}", "sex": "female", "post_score": n}
            for n in range(size)
        ]
        with django_assert_max_num_queries(14) as captured:
            assert attendances_bulk_add(user=users["admin"], session=session, rows=rows) == size
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    assert session.attendances.count() == 40
    assert Attendance.history.filter(session_id=session.pk).count() == 40


def test_a_bulk_add_gives_each_attendance_the_person_of_its_row(portfolio, users, monkeypatch):
    """New people, unnamed ones and a match of the register, across several batches."""
    monkeypatch.setattr("trainings.import_services.BULK_BATCH", 4)
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    known = person_find_or_create(
        user=users["admin"], data={"full_name": "Row 5", "sex": "male", "institution": "Inst 5"}
    )
    rows = [
        {
            "full_name": "" if n % 3 == 0 else f"Row {n}",
            "sex": "male",
            "institution": f"Inst {n}",
            "post_score": n,
        }
        for n in range(11)
    ]
    assert attendances_bulk_add(user=users["officer_eg"], session=session, rows=rows) == 11

    attendances = session.attendances.select_related("person")
    assert sorted(a.post_score for a in attendances) == list(range(11))
    for attendance in attendances:
        n = int(attendance.post_score)
        assert attendance.person.institution == f"Inst {n}"
        assert attendance.person.full_name == ("" if n % 3 == 0 else f"Row {n}")
        assert attendance.history.get().person_id == attendance.person_id
    assert attendances.get(post_score=5).person_id == known.pk
    new_people = Person.objects.filter(attendances__session=session).exclude(pk=known.pk)
    assert Person.history.filter(id__in=new_people.values("pk")).count() == 10


def test_a_bulk_add_writes_a_value_spelled_like_the_null_mark(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    rows = [{"full_name": f"Mark {n}", "sex": "female", "institution": "\\N"} for n in range(3)]

    assert attendances_bulk_add(user=users["officer_eg"], session=session, rows=rows) == 3

    people = Person.objects.filter(attendances__session=session)
    assert sorted(people.values_list("institution", flat=True)) == ["\\N"] * 3
    assert Person.history.filter(institution="\\N").count() == 3
    assert Attendance.history.filter(session_id=session.pk).count() == 3


def test_a_bulk_add_writes_tabs_line_breaks_and_backslashes_as_given(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    texts = ["Tab\there", "Line\nbreak", "Back\\slash", "Return\r", "\\N", "\\t"]
    rows = [
        {"full_name": f"Special {n}", "sex": "male", "institution": text, "role": "A\\B\tC"}
        for n, text in enumerate(texts)
    ]

    assert attendances_bulk_add(user=users["officer_eg"], session=session, rows=rows) == 6

    people = Person.objects.filter(attendances__session=session)
    assert sorted(people.values_list("institution", flat=True)) == sorted(texts)
    assert set(people.values_list("role", flat=True)) == {"A\\B\tC"}
    history = Person.history.filter(id__in=people.values("pk"))
    assert sorted(history.values_list("institution", flat=True)) == sorted(texts)


def test_a_bulk_add_pauses_the_cycle_collector_and_gives_it_back(portfolio, users, monkeypatch):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    seen = []
    checked = import_services._bulk_rows

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return checked(*args, **kwargs)

    monkeypatch.setattr(import_services, "_bulk_rows", spy)
    rows = [{"full_name": f"Paused {n}", "sex": "female"} for n in range(3)]
    assert attendances_bulk_add(user=users["admin"], session=session, rows=rows) == 3
    with pytest.raises(ValidationError):
        attendances_bulk_add(user=users["admin"], session=session, rows=[{"sex": "robot"}])
    assert seen == [False, False] and gc.isenabled()

    gc.disable()  # a collector paused by someone else stays paused
    try:
        attendances_bulk_add(user=users["admin"], session=session, rows=[{"sex": "male"}])
        assert not gc.isenabled()
    finally:
        gc.enable()
