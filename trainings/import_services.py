"""Participants in bulk: attendance sheets from upload to saved rows.

``attendance_import_start`` checks the file and keeps it; small sheets are then
imported at once, larger ones by a Celery task calling ``attendance_import_run``.
Both write through ``attendances_bulk_add``, which keeps the rules of
``trainings.services.attendances_add`` (checks, register matching, history)
for tens of thousands of rows.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from ctportal.jobs import job_finish, job_queue, job_rerun, job_run, job_touch
from dashboards.invalidation import invalidate

from . import import_rows, imports
from .models import (
    Attendance,
    AttendanceImport,
    ImportStatus,
    Person,
    TrainingSession,
    person_match_key,
)
from .services import PERSON_FIELDS, _blank, _require_edit, session_lock

logger = logging.getLogger(__name__)


BULK_BATCH = 5_000
NULL_MARK = "\\N"


class _NotCopyable(Exception):
    """A value COPY's text format cannot carry as given (the NULL mark itself)."""


# Within one of these types, equal values are the same value to every field.
PLAIN_TYPES = (frozenset({str, type(None)}), frozenset({int, type(None)}), frozenset({bool}))


def _per_value(values: list[Any], compute: Callable[[Any], Any]) -> tuple[list[Any], list[Any]]:
    """``compute`` of each value, run once per distinct value: the results in the values'
    order, and the distinct results.

    Equal numbers of other types may still differ for a field (1.0 and 1.000 have
    different decimal places, True and 1 different types): they are told apart by
    type and text.
    """
    kinds = set(map(type, values))
    if any(kinds <= plain for plain in PLAIN_TYPES):
        results = {value: compute(value) for value in set(values)}
        return list(map(results.__getitem__, values)), list(results.values())
    memo: dict[tuple, Any] = {}
    found, unhashable = [], []
    for value in values:
        try:
            key = (type(value), str(value) if isinstance(value, Decimal | float) else value)
            result = memo.get(key, memo)
            if result is memo:
                result = memo[key] = compute(value)
        except TypeError:  # not hashable: computed for itself
            result = compute(value)
            unhashable.append(result)
        found.append(result)
    return found, [*memo.values(), *unhashable]


class _Rows:
    """One model's rows as plain values (``{attname: value}``) rather than instances.

    ``check`` runs the checks ``Model.clean_fields`` runs, with the same messages,
    and ``write`` writes the rows and their history; each field's checks and database
    conversion run once per distinct value of a column, since most columns repeat a few.
    """

    def __init__(self, model: type[Model], *, exclude: tuple[str, ...] = ()) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.dynamic = [f for f in self.fields if f.has_default() and callable(f.default)]
        self.stamped = [
            f
            for f in self.fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        # Field.clean is handed an instance, as clean_fields hands it the one it checks.
        self.instance = model()
        self.checked = [f for f in self.fields if f.name not in exclude and not f.generated]

    def row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A new row: the fields' defaults, then ``values`` (by attname)."""
        row = dict(self.defaults)
        for field in self.dynamic:
            row[field.attname] = field.get_default()
        row.update(values)
        return row

    def _clean(self, field, raw: Any) -> tuple[Any, list[str] | None]:
        """What ``clean_fields`` makes of one value: the cleaned value, or the messages."""
        if field.blank and raw in field.empty_values:
            return raw, None
        try:
            return field.clean(raw, self.instance), None
        except ValidationError as exc:
            return raw, exc.messages

    def check(self, rows: list[dict[str, Any]]) -> dict[int, dict[str, list[str]]]:
        """The messages of each field refused, by row index then field name, in field
        order; the rows keep the cleaned values."""
        errors: dict[int, dict[str, list[str]]] = {}
        for field in self.checked:
            attname = field.attname
            values = [row[attname] for row in rows]
            outcomes, distinct = _per_value(values, lambda raw, f=field: self._clean(f, raw))
            if any(messages for _cleaned, messages in distinct):
                for index, (_cleaned, messages) in enumerate(outcomes):
                    if messages:
                        errors.setdefault(index, {})[field.name] = messages
            if any(cleaned is not raw for raw, (cleaned, _m) in zip(values, outcomes, strict=True)):
                for row, (cleaned, messages) in zip(rows, outcomes, strict=True):
                    if not messages:
                        row[attname] = cleaned
        return errors

    def write(self, rows: list[dict[str, Any]], *, user) -> None:
        """Insert ``rows`` (their ids set on them) and a creation record of each in the
        model's history, with the values django-simple-history would record."""
        if not rows:
            return
        now = timezone.now()
        for field in self.stamped:
            for row in rows:
                row[field.attname] = now
        with transaction.atomic(savepoint=False):
            if _copies(connection):
                try:
                    self._copy(rows)
                except _NotCopyable:
                    self._bulk_create(rows)
            else:
                self._bulk_create(rows)
            _copy_into_history(
                self.model, [row[self.model._meta.pk.attname] for row in rows], user=user
            )

    @staticmethod
    def _text(field, value: Any, db) -> str:
        """The value as ``bulk_create`` sends it (``get_db_prep_save``), as COPY's text."""
        prepared = None if value is None else field.get_db_prep_save(value, db)
        if prepared is None:
            return NULL_MARK
        text = prepared if isinstance(prepared, str) else str(prepared)
        if text == NULL_MARK:
            raise _NotCopyable
        return text

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        """COPY the rows, their ids drawn from the table's sequence first.

        Raises _NotCopyable, with nothing written, when a value is the NULL mark itself.
        """
        db = connections[DEFAULT_DB_ALIAS]
        meta = self.model._meta
        quote = db.ops.quote_name
        columns = []
        for field in self.fields:
            if field is not meta.pk:
                values = [row[field.attname] for row in rows]
                columns.append(_per_value(values, lambda v, f=field: self._text(f, v, db))[0])
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [key for (key,) in cursor.fetchall()]
            for row, key in zip(rows, ids, strict=True):
                row[meta.pk.attname] = key
            columns.insert(self.fields.index(meta.pk), ids)
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(zip(*columns, strict=True))
            buffer.seek(0)
            names = ", ".join(quote(field.column) for field in self.fields)
            with db.wrap_database_errors:
                cursor.cursor.copy_expert(
                    f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"
                    " WITH (FORMAT csv, NULL '\\N')",
                    buffer,
                )

    def _bulk_create(self, rows: list[dict[str, Any]]) -> None:
        objs = [self.model(**row) for row in rows]
        for obj in objs:
            obj.pk = None
        self.model._default_manager.bulk_create(objs, batch_size=BULK_BATCH)
        pk = self.model._meta.pk.attname
        for row, obj in zip(rows, objs, strict=True):
            if obj.pk is None:  # a backend that returns no ids from bulk inserts
                raise RuntimeError(f"{self.model.__name__} rows were written without their ids")
            row[pk] = obj.pk


def _copies(db) -> bool:
    """PostgreSQL through psycopg2 takes rows by COPY, ten times cheaper than INSERTs."""
    if db.vendor != "postgresql":
        return False
    with db.cursor() as cursor:
        return hasattr(cursor.cursor, "copy_expert")


def _copy_into_history(model: type[Model], ids: list[int], *, user) -> None:
    """History of rows written by ``bulk_create``, copied by the database from the rows."""
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [
        quote(field.column)
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_")
    ]
    columns = ", ".join(tracked)
    # Names come from the models' metadata; every value is a parameter.
    insert = (
        f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date,"  # noqa: S608
        " history_change_reason, history_type, history_user_id)"
        f" SELECT {columns}, %s, '', '+', %s FROM {quote(model._meta.db_table)}"
    )
    now, user_id = timezone.now(), getattr(user, "pk", None)
    key = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{insert} WHERE {key} = ANY(%s)", [now, user_id, ids])
            return
        for start in range(0, len(ids), BULK_BATCH):
            batch = ids[start : start + BULK_BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"{insert} WHERE {key} IN ({marks})", [now, user_id, *batch])


PERSON_CHECKS = ("merged_into", "nationality", "country_of_work")
ATTENDANCE_CHECKS = ("person", "session")


def _bulk_rows(
    session: TrainingSession, rows: list[Mapping[str, Any]]
) -> tuple[_Rows, list[dict], _Rows, list[dict], dict[str, list[str]]]:
    """People and attendances of the rows, checked as ``attendances_add`` checks them.

    Countries come resolved, so there is no query per row; the values built here
    are the ones written. Errors are listed row by row.
    """
    people_table = _Rows(Person, exclude=PERSON_CHECKS)
    attendance_table = _Rows(Attendance, exclude=ATTENDANCE_CHECKS)
    problems: dict[int, dict[str, list[str]]] = {}
    seen: dict[str, int] = {}
    people, attendances = [], []
    for index, row in enumerate(rows):
        values = {f: row.get(f) or _blank(f) for f in PERSON_FIELDS}
        values["full_name"] = " ".join(values["full_name"].split())
        for field in ("nationality", "country_of_work"):
            country = values.pop(field)
            values[f"{field}_id"] = None if country is None else country.pk
            if values[f"{field}_id"] is None and row.get(field) is not None:
                problems.setdefault(index, {})[f".{field}"] = [_("Unknown country.")]
        key = values["match_key"] = person_match_key(
            values["full_name"],
            values["sex"],
            values["nationality_id"],
            values["country_of_work_id"],
        )
        if key is not None and key in seen:
            problems.setdefault(index, {})[""] = [
                _("The same person is listed twice (rows %(first)s and %(second)s).")
                % {"first": seen[key] + 1, "second": index + 1}
            ]
        elif key is not None:
            seen[key] = index
        people.append(people_table.row(values))
        attendances.append(
            attendance_table.row(
                {
                    "session_id": session.pk,
                    "attended": row.get("attended", True),
                    "pre_score": row.get("pre_score"),
                    "post_score": row.get("post_score"),
                }
            )
        )
    refused = (people_table.check(people), attendance_table.check(attendances))
    errors: dict[str, list[str]] = {}
    for index in sorted({*problems, *refused[0], *refused[1]}):
        for found in refused:
            for field, messages in found.get(index, {}).items():
                errors[f"rows[{index}].{field}"] = messages
        for suffix, messages in problems.get(index, {}).items():
            errors[f"rows[{index}]{suffix}"] = messages
    return people_table, people, attendance_table, attendances, errors


def _register_matches(people: list[dict[str, Any]]) -> dict[str, int]:
    """The register's match for many people at once: same key as ``person_find_or_create``."""
    keys = sorted({person["match_key"] for person in people if person["match_key"]})
    if connection.vendor == "postgresql":
        # One array parameter: the same lookup as ``match_key__in``, without a
        # placeholder per key to build and parse.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT match_key, id FROM trainings_person"
                " WHERE merged_into_id IS NULL AND match_key = ANY(%s)",
                [keys],
            )
            return dict(cursor.fetchall())
    matches: dict[str, int] = {}
    for start in range(0, len(keys), BULK_BATCH):
        candidates = Person.objects.filter(
            merged_into__isnull=True, match_key__in=keys[start : start + BULK_BATCH]
        ).values_list("match_key", "pk")
        matches.update(candidates)
    return matches


def _create_people(table: _Rows, people: list[dict[str, Any]], *, user) -> dict[str, int]:
    """Create the people the register does not know yet; the matches of the others.

    Another import may create one of them at the same moment: the unique match
    key then refuses ours, and the batch is matched again against the register
    (which now holds theirs). New people are written in key order, so two
    imports wait for each other instead of deadlocking.
    """
    for _round in range(3):
        matches = _register_matches(people)
        new = sorted(
            (p for p in people if p["match_key"] is None or p["match_key"] not in matches),
            key=lambda p: p["match_key"] or "",
        )
        try:
            with transaction.atomic():
                table.write(new, user=user)
        except IntegrityError:
            for person in new:
                person["id"] = None
            continue
        return matches
    raise IntegrityError("people matched by another import kept changing")


def _person_name(person: dict[str, Any]) -> str:
    """The person as ``str(Person)`` names them."""
    return person["full_name"] or _("Person #%(pk)s") % {"pk": person["id"]}


@transaction.atomic
def attendances_bulk_add(
    *,
    user,
    session: TrainingSession,
    rows: list[Mapping[str, Any]],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Add many participants at once: the rules of :func:`attendances_add`, in batches.

    Every row is checked before anything is written; named people are matched
    against the register (new ones are created), history is recorded for every
    person and attendance created, and the whole list is one transaction.
    Errors are keyed ``rows[i].field``. Returns the number of attendances added.
    """
    _require_edit(user, session.project)
    session_lock(session)
    if session.participant_counts.exists():
        raise ValidationError(
            {
                "rows": _(
                    "This session records participants as totals; remove them before adding people."
                )
            }
        )
    people_table, people, attendance_table, attendances, errors = _bulk_rows(session, rows)
    if errors:
        raise ValidationError(errors)
    present = set(session.attendances.values_list("person_id", flat=True))
    added = 0
    for start in range(0, len(rows), BULK_BATCH):
        batch = people[start : start + BULK_BATCH]
        matches = _create_people(people_table, batch, user=user)
        written = attendances[start : start + BULK_BATCH]
        for offset, (person, attendance) in enumerate(zip(batch, written, strict=True)):
            attendance["person_id"] = matches.get(person["match_key"]) or person["id"]
            if attendance["person_id"] in present:
                errors[f"rows[{start + offset}]"] = [
                    _("%(person)s is already a participant of this session.")
                    % {"person": _person_name(person)}
                ]
            present.add(attendance["person_id"])
        if errors:
            raise ValidationError(errors)
        attendance_table.write(written, user=user)
        added += len(written)
        if on_progress:
            on_progress(added)
    # Bulk inserts send no signals: cached figures are retired here, once committed.
    invalidate()
    return added


def attendance_import_start(*, user, session: TrainingSession, upload) -> AttendanceImport:
    """Accept an attendance sheet: check the file, keep it, and import it.

    Problems of the whole file (type, size, header, no rows) are raised as a
    ValidationError on ``file`` and nothing is kept. Small sheets are imported
    at once; larger ones by a worker after commit, with progress on the record.
    """
    _require_edit(user, session.project)
    if session.participant_counts.exists():
        raise ValidationError(
            {"file": _("This session records participants as totals; remove them first.")}
        )
    fmt = imports.detect_format(upload)
    estimate = imports.sheet_summary(upload, fmt)
    with transaction.atomic():
        record = AttendanceImport(
            session=session,
            uploaded_by=user,
            original_name=os.path.basename(upload.name)[:255],
            total_rows=estimate,
        )
        upload.seek(0)
        record.file.save(f"attendance-{session.pk}.{fmt}", upload, save=False)
        if estimate > imports.INLINE_ROWS:
            job_queue(record)
        else:
            record.attempt = 1
            record.save()
    if estimate <= imports.INLINE_ROWS:
        record = attendance_import_run(import_id=record.pk)
    return record


def attendance_import_recheck(*, user, record: AttendanceImport) -> AttendanceImport:
    """Check a refused sheet again from the copy kept on the server, as a new import.

    Browsers cannot fill a file input again, so the sheet the person chose is
    kept: once the session is ready for it (participants one by one, people
    already listed removed), they check it again without choosing it again.
    """
    from django.core.files import File

    _require_edit(user, record.session.project)
    if record.status != ImportStatus.REJECTED or not record.file:
        raise ValidationError(_("Only a refused sheet can be checked again."))
    with record.file.open("rb") as handle:
        return attendance_import_start(
            user=user, session=record.session, upload=File(handle, name=record.original_name)
        )


def attendance_import_rerun(*, user, record: AttendanceImport) -> AttendanceImport:
    """Run a failed or stopped import again from its kept sheet (a new attempt)."""
    _require_edit(user, record.session.project)
    return job_rerun(AttendanceImport, record.pk, reset={"errors": [], "processed_rows": 0})


def import_progress_key(import_id: int) -> str:
    return f"trainings:attendance-import:{import_id}:written"


def attendance_import_run(
    *, import_id: int, attempt: int | None = None, task=None
) -> AttendanceImport:
    """Check a kept sheet whole, then write it in one transaction; safe to run twice.

    A sheet with any bad row is rejected with every problem recorded and nothing
    written. Progress is kept on the record while checking and in the cache
    while writing, since the write transaction is not visible until it commits.
    A run is a job of ``ctportal.jobs``: a repeated or outdated delivery does nothing.
    """
    return job_run(task, AttendanceImport, import_id, attempt, _import_sheet)


def _import_sheet(record: AttendanceImport) -> None:
    record = AttendanceImport.objects.select_related("session__project", "uploaded_by").get(
        pk=record.pk
    )

    def progress(done: int) -> None:
        job_touch(record, processed_rows=done)

    _import_state(record, ImportStatus.VALIDATING)
    fmt = os.path.splitext(record.file.name)[1].lstrip(".").lower()
    try:
        with record.file.open("rb") as handle:
            sheet = import_rows.check_sheet(
                handle, fmt, session=record.session, on_progress=progress
            )
    except ValidationError as exc:
        _import_state(record, ImportStatus.REJECTED, errors=exc.messages)
        return
    if sheet.errors:
        _import_state(record, ImportStatus.REJECTED, errors=sheet.summed_errors())
        return

    record.total_rows = len(sheet.rows)
    _import_state(record, ImportStatus.WRITING)
    key = import_progress_key(record.pk)
    try:
        with transaction.atomic():
            # One writer per session at a time; the second finds the first's work done.
            session_lock(record.session)
            current = AttendanceImport.objects.filter(pk=record.pk).values("status", "attempt")
            if current.get() != {"status": ImportStatus.WRITING, "attempt": record.attempt}:
                return
            attendances_bulk_add(
                user=record.uploaded_by,
                session=record.session,
                rows=sheet.rows,
                on_progress=lambda done: cache.set(key, done, 3600),
            )
            _import_state(record, ImportStatus.DONE)
    except ValidationError as exc:
        found = import_rows.errors_from_service(exc, sheet.numbers)
        _import_state(record, ImportStatus.REJECTED, errors=found)
    except PermissionDenied:
        message = _("You may no longer add participants to this session.")
        _import_state(record, ImportStatus.REJECTED, errors=[message])
    except Exception:
        logger.exception("Attendance import %s failed", record.pk)
        message = _("The sheet could not be saved because of an unexpected error; nothing saved.")
        _import_state(record, ImportStatus.FAILED, errors=[message])
        raise
    finally:
        cache.delete(key)


def _import_state(record: AttendanceImport, status: str, *, errors=None) -> AttendanceImport:
    """Record where the import stands; only while this attempt is the import's own."""
    record.status = status
    if status == ImportStatus.VALIDATING:
        record.processed_rows = 0
    if status in (ImportStatus.WRITING, ImportStatus.DONE):
        record.processed_rows = record.total_rows if status == ImportStatus.DONE else 0
    if errors is not None:
        record.errors = [
            e if isinstance(e, dict) else {"row": None, "field": "file", "message": str(e)}
            for e in errors
        ]
    fields = {
        "processed_rows": record.processed_rows,
        "total_rows": record.total_rows,
        "errors": record.errors,
    }
    if status in record.job_finished or status == record.job_failed:
        job_finish(record, status=status, **fields)
    else:
        job_touch(record, status=status, **fields)
    return record
