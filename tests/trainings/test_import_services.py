"""Writers of the person register, run at the same time: one person, one attendance each."""

import csv
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from tests import factories as f
from trainings import imports
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
