"""Participants in bulk: attendance sheets from upload to saved rows.

``attendance_import_start`` checks the file and keeps it; small sheets are then
imported at once, larger ones by a Celery task calling ``attendance_import_run``.
Both write through ``attendances_bulk_add``, which keeps the rules of
``trainings.services.attendances_add`` (checks, register matching, history)
for tens of thousands of rows.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import CharField, Model
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
# COPY's text format: NULL is \N, and a backslash, tab or line break in a value is escaped.
NULL_MARK = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_ESCAPED = re.compile(r"\\(.)")
COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _copied_value(text: str) -> str | None:
    """The value a text in COPY's format stands for."""
    if text == NULL_MARK:
        return None
    return COPY_ESCAPED.sub(lambda found: COPY_UNESCAPES[found.group(1)], text)


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
    # Rows often share one object (a sheet's cells of the same text give the same
    # score): each object is looked at once.
    objects = {id(value): value for value in values}
    memo: dict[tuple, Any] = {}
    by_object, unhashable = {}, []
    for key, value in objects.items():
        try:
            same = (type(value), str(value) if isinstance(value, Decimal | float) else value)
            result = memo.get(same, memo)
            if result is memo:
                result = memo[same] = compute(value)
        except TypeError:  # not hashable: computed for itself
            result = compute(value)
            unhashable.append(result)
        by_object[key] = result
    return [by_object[id(value)] for value in values], [*memo.values(), *unhashable]


def _plain_text(field) -> bool:
    """A text field checked only for its length: no choices, no other validator."""
    return (
        type(field) is CharField
        and field.choices is None
        and field.max_length is not None
        and all(
            type(v) is MaxLengthValidator and v.limit_value == field.max_length
            for v in field.validators
        )
    )


def _texts_fit(field, values: set[Any]) -> bool:
    """Whether ``clean_fields`` would accept each of ``values`` for a plain text field
    unchanged."""
    filled = values - {None, ""}
    if len(filled) < len(values) and not field.blank:
        return False
    return set(map(type, filled)) <= {str} and max(map(len, filled), default=0) <= field.max_length


class _Rows:
    """One model's rows as columns of plain values (``{attname: [value, ...]}``) rather
    than instances.

    ``check`` runs the checks ``Model.clean_fields`` runs, with the same messages,
    and ``write`` writes rows and their history; each field's checks and database
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
        self.plain_text = {f for f in self.fields if _plain_text(f)}

    def columns(self, given: Mapping[str, list[Any]], count: int) -> dict[str, list[Any]]:
        """The columns of ``count`` new rows: ``given`` (by attname), else the fields'
        defaults."""
        columns = {}
        for field in self.fields:
            if field.attname in given:
                columns[field.attname] = given[field.attname]
            elif field in self.dynamic:
                columns[field.attname] = [field.get_default() for _n in range(count)]
            else:
                columns[field.attname] = [self.defaults[field.attname]] * count
        return columns

    @staticmethod
    def rows(columns: Mapping[str, list[Any]], start: int, end: int) -> list[dict[str, Any]]:
        """Rows ``start`` to ``end`` of the columns, each as ``{attname: value}``."""
        names = list(columns)
        picked = (columns[name][start:end] for name in names)
        return [dict(zip(names, values, strict=True)) for values in zip(*picked, strict=True)]

    def _clean(self, field, raw: Any) -> tuple[Any, list[str] | None]:
        """What ``clean_fields`` makes of one value: the cleaned value, or the messages."""
        if field.blank and raw in field.empty_values:
            return raw, None
        try:
            return field.clean(raw, self.instance), None
        except ValidationError as exc:
            return raw, exc.messages

    def check(self, columns: dict[str, list[Any]]) -> dict[int, dict[str, list[str]]]:
        """The messages of each field refused, by row index then field name, in field
        order; the columns keep the cleaned values."""
        errors: dict[int, dict[str, list[str]]] = {}
        for field in self.checked:
            values = columns[field.attname]
            if field in self.plain_text and _texts_fit(field, set(values)):
                continue  # every value passes: cleaning would give it back as it is
            outcomes, distinct = _per_value(values, lambda raw, f=field: self._clean(f, raw))
            if any(messages for _cleaned, messages in distinct):
                for index, (_cleaned, messages) in enumerate(outcomes):
                    if messages:
                        errors.setdefault(index, {})[field.name] = messages
            if any(cleaned is not raw for raw, (cleaned, _m) in zip(values, outcomes, strict=True)):
                columns[field.attname] = [
                    raw if messages else cleaned
                    for raw, (cleaned, messages) in zip(values, outcomes, strict=True)
                ]
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
            self._bulk_create(rows)
            _copy_into_history(
                self.model, [row[self.model._meta.pk.attname] for row in rows], user=user
            )

    @staticmethod
    def _text(field, value: Any, db) -> str:
        """The value as ``bulk_create`` sends it (``get_db_prep_save``), in COPY's text."""
        prepared = None if value is None else field.get_db_prep_save(value, db)
        if prepared is None:
            return NULL_MARK
        return (prepared if isinstance(prepared, str) else str(prepared)).translate(COPY_ESCAPES)

    def text_columns(self, columns: Mapping[str, list[Any]], fields: list) -> list[list[str]]:
        """Each of ``fields`` in COPY's text format, converted once per distinct value."""
        db = connections[DEFAULT_DB_ALIAS]
        texts = []
        for field in fields:
            values = columns[field.attname]
            if field in self.plain_text:
                # Text is sent as it is unless a value holds a character to escape.
                distinct = set(values) - {None}
                joined = "".join(distinct) if set(map(type, distinct)) <= {str} else "\\"
                if not any(character in joined for character in "\\\t\n\r"):
                    texts.append([NULL_MARK if v is None else v for v in values])
                    continue
            texts.append(_per_value(values, lambda v, f=field: self._text(f, v, db))[0])
        return texts

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


def _history_columns(model: type[Model]) -> str:
    """The columns a model's history copies from the model's own table."""
    quote = connection.ops.quote_name
    return ", ".join(
        quote(field.column)
        for field in model.history.model._meta.concrete_fields
        if not field.name.startswith("history_")
    )


def _copy_into_history(model: type[Model], ids: list[int], *, user) -> None:
    """History of rows written by ``bulk_create``, copied by the database from the rows."""
    history = model.history.model
    quote = connection.ops.quote_name
    columns = _history_columns(model)
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


def _read_columns(rows: list[Mapping[str, Any]], defaults: dict[str, Any]) -> dict[str, list[Any]]:
    """Each field of ``defaults`` in every row (``row.get(field, default)``), as columns."""
    names = list(defaults)
    try:
        # Rows giving every field (a checked sheet's) are read in one call each.
        values = list(map(itemgetter(*names), rows))
    except KeyError:
        return {
            name: [row.get(name, default) for row in rows] for name, default in defaults.items()
        }
    columns = zip(*values, strict=True) if values else [()] * len(names)
    return {name: list(column) for name, column in zip(names, columns, strict=True)}


def _primary_keys(objects: list[Model | None]) -> list[Any]:
    """Each object's primary key (None for None), looked up once per distinct object."""
    distinct = {id(obj): obj for obj in objects}
    keys = {key: None if obj is None else obj.pk for key, obj in distinct.items()}
    return [keys[id(obj)] for obj in objects]


PERSON_CHECKS = ("merged_into", "nationality", "country_of_work")
ATTENDANCE_CHECKS = ("person", "session")


def _bulk_rows(
    session: TrainingSession, rows: list[Mapping[str, Any]]
) -> tuple[_Rows, dict[str, list], _Rows, dict[str, list], dict[str, list[str]]]:
    """People and attendances of the rows, as columns, checked as ``attendances_add``
    checks them.

    Countries come resolved, so there is no query per row; the values built here
    are the ones written. Errors are listed row by row.
    """
    people_table = _Rows(Person, exclude=PERSON_CHECKS)
    attendance_table = _Rows(Attendance, exclude=ATTENDANCE_CHECKS)
    count = len(rows)
    problems: dict[int, dict[str, list[str]]] = {}
    read = _read_columns(
        rows,
        {**dict.fromkeys(PERSON_FIELDS), "attended": True, "pre_score": None, "post_score": None},
    )
    given: dict[str, list[Any]] = {}
    for field in PERSON_FIELDS:
        blank, column = _blank(field), read[field]
        given[field] = column if all(column) else [value or blank for value in column]
    given["full_name"] = [" ".join(name.split()) for name in given["full_name"]]
    for field in ("nationality", "country_of_work"):
        ids = given[f"{field}_id"] = _primary_keys(given.pop(field))
        if None in ids:
            for index, (raw, pk) in enumerate(zip(read[field], ids, strict=True)):
                if pk is None and raw is not None:
                    problems.setdefault(index, {})[f".{field}"] = [_("Unknown country.")]
    keys = given["match_key"] = list(
        map(
            person_match_key,
            given["full_name"],
            given["sex"],
            given["nationality_id"],
            given["country_of_work_id"],
        )
    )
    named = [key for key in keys if key is not None]
    if len(set(named)) < len(named):
        seen: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key is None:
                continue
            first = seen.setdefault(key, index)
            if first != index:
                problems.setdefault(index, {})[""] = [
                    _("The same person is listed twice (rows %(first)s and %(second)s).")
                    % {"first": first + 1, "second": index + 1}
                ]
    people = people_table.columns(given, count)
    attendances = attendance_table.columns(
        {
            "session_id": [session.pk] * count,
            "attended": read["attended"],
            "pre_score": read["pre_score"],
            "post_score": read["post_score"],
        },
        count,
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


def _register_matches(keys: list[str | None]) -> dict[str, int]:
    """The register's match for many people at once: same key as ``person_find_or_create``."""
    keys = sorted({key for key in keys if key})
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
        matches = _register_matches([person["match_key"] for person in people])
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


_LOADS = itertools.count()


class _SheetCopy:
    """A sheet's people and attendances loaded by COPY into a temporary table, then
    written batch by batch, each batch with its history in one statement.

    The register is matched once for the whole sheet, by the database; a batch refused
    because another import created one of its people meanwhile is matched again. The
    table is dropped at commit: dropping it earlier would make PostgreSQL go through
    every deferred constraint check queued by the rows written.
    """

    def __init__(
        self,
        people_table: _Rows,
        people: dict[str, list[Any]],
        attendance_table: _Rows,
        attendances: dict[str, list[Any]],
    ) -> None:
        self.keys, self.names = people["match_key"], people["full_name"]
        self.now = timezone.now()
        for table, columns in ((people_table, people), (attendance_table, attendances)):
            for field in table.stamped:
                columns[field.attname] = [self.now] * len(self.keys)
        db = connections[DEFAULT_DB_ALIAS]
        quote = db.ops.quote_name
        self.person_fields = [f for f in people_table.fields if f is not Person._meta.pk]
        self.attendance_fields = [
            f for f in attendance_table.fields if f is not Attendance._meta.pk
        ]
        # An attendance's person is known batch by batch, as the batch is matched.
        self.person_column = Attendance._meta.get_field("person").column
        loaded = [f for f in self.attendance_fields if f.column != self.person_column]
        # The table's columns: a row's position, its person's columns, its attendance's.
        named = [
            *((quote(f.column), f) for f in self.person_fields),
            *((quote("attendance_" + f.column), f) for f in loaded),
        ]
        texts = [
            *people_table.text_columns(people, self.person_fields),
            *attendance_table.text_columns(attendances, loaded),
        ]
        declared, copied = ["n integer"], [list(map(str, range(len(self.keys))))]
        key = quote(Person._meta.get_field("match_key").column)
        # (name, type, value) of the columns holding one value for the whole sheet (the
        # session, the time of the import...): sent once with each batch, not on every row.
        # The match key stays in the table, which is matched and ordered by it.
        self.constants: list[tuple[str, str, str | None]] = []
        for (name, field), column in zip(named, texts, strict=True):
            if name != key and column and column.count(column[0]) == len(column):
                self.constants.append((name, field.db_type(db), _copied_value(column[0])))
            else:
                declared.append(f"{name} {field.db_type(db)}")
                copied.append(column)
        self.table = f"import_rows_{next(_LOADS)}"
        merged = quote(Person._meta.get_field("merged_into").column)
        with db.cursor() as cursor, db.wrap_database_errors:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} ({', '.join(declared)}) ON COMMIT DROP"
            )
            lines = list(map("\t".join, zip(*copied, strict=True)))
            text = "\n".join(lines) + "\n" if lines else ""
            cursor.cursor.copy_expert(
                f"COPY {self.table} FROM STDIN", io.StringIO(text), size=len(text) + 1
            )
            # Each batch reads its own rows, not the whole sheet's (larger than the
            # session's buffers for temporary tables).
            cursor.execute(f"CREATE INDEX ON {self.table} (n)")
            # Names come from the models' metadata.
            cursor.execute(
                f"SELECT DISTINCT r.{key}, p.{quote(Person._meta.pk.column)}"  # noqa: S608
                f" FROM {self.table} r JOIN {quote(Person._meta.db_table)} p"
                f" ON p.{key} = r.{key} WHERE p.{merged} IS NULL"
            )
            self.matches: dict[str, int] = dict(cursor.fetchall())

    def write(
        self, start: int, end: int, *, present: set[int], errors: dict[str, list[str]], user
    ) -> None:
        """Write rows ``start`` to ``end``, people matched as ``_create_people`` matches them."""
        keys = self.keys[start:end]
        for _round in range(3):
            matched = present.copy()
            person_ids = _match_attendances(
                keys,
                [None] * len(keys),  # new people get their ids from the database
                self.names[start:end],
                self.matches,
                start,
                present=matched,
                errors=errors,
            )
            try:
                with transaction.atomic():
                    self._write(start, person_ids, user=user)
            except IntegrityError:
                # Another import created one of these people meanwhile: match again.
                self.matches.update(_register_matches(keys))
                continue
            present.update(matched)
            return
        raise IntegrityError("people matched by another import kept changing")

    def _write(self, start: int, person_ids: list[int | None], *, user) -> None:
        """One statement: the batch's new people (inserted in match key order, so two
        imports wait for each other instead of deadlocking), its attendances (a new
        person's taking the id just drawn) and the history of both, copied from the
        rows inserted."""
        db = connections[DEFAULT_DB_ALIAS]
        quote = db.ops.quote_name
        matched = [(n, pk) for n, pk in enumerate(person_ids, start) if pk is not None]
        person_columns = ", ".join(quote(f.column) for f in self.person_fields)
        attendance_columns = ", ".join(quote(f.column) for f in self.attendance_fields)
        chosen = ", ".join(
            "person" if f.column == self.person_column else quote("attendance_" + f.column)
            for f in self.attendance_fields
        )
        constants = "".join(f"%s::{kind} AS {name}, " for name, kind, _value in self.constants)
        history = "history_date, history_change_reason, history_type, history_user_id"
        person_history = _history_columns(Person)
        attendance_history = _history_columns(Attendance)
        # Keys are hexadecimal digests: byte order is an order, and the cheapest to sort.
        key = quote(Person._meta.get_field("match_key").column)
        order = f'{key} COLLATE "C" NULLS FIRST, n'
        user_id = getattr(user, "pk", None)
        with db.cursor() as cursor, db.wrap_database_errors:
            # Names come from the models' metadata; every value is a parameter.
            cursor.execute(
                f"""
                WITH batch AS MATERIALIZED (
                    SELECT r.*, {constants}m.person IS NULL AS new_person, COALESCE(
                        m.person, nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass))
                    ) AS person
                    FROM {self.table} r
                    LEFT JOIN unnest(%s::integer[], %s::bigint[]) AS m (n, person) USING (n)
                    WHERE r.n >= %s AND r.n < %s
                    ORDER BY {order}
                ), people AS (
                    INSERT INTO {quote(Person._meta.db_table)} (id, {person_columns})
                    SELECT person, {person_columns} FROM batch WHERE new_person ORDER BY {order}
                    RETURNING *
                ), people_history AS (
                    INSERT INTO {quote(Person.history.model._meta.db_table)}
                        ({person_history}, {history})
                    SELECT {person_history}, %s, '', '+', %s FROM people
                ), attendances AS (
                    INSERT INTO {quote(Attendance._meta.db_table)} ({attendance_columns})
                    SELECT {chosen} FROM batch ORDER BY n
                    RETURNING *
                )
                INSERT INTO {quote(Attendance.history.model._meta.db_table)}
                    ({attendance_history}, {history})
                SELECT {attendance_history}, %s, '', '+', %s FROM attendances
                """,  # noqa: S608
                [
                    *(value for _name, _type, value in self.constants),
                    Person._meta.db_table,
                    Person._meta.pk.column,
                    [n for n, _pk in matched],
                    [pk for _n, pk in matched],
                    start,
                    start + len(person_ids),
                    self.now,
                    user_id,
                    self.now,
                    user_id,
                ],
            )


def _match_attendances(
    keys: list[str | None],
    ids: list[int | None],
    names: list[str],
    matches: dict[str, int],
    start: int,
    *,
    present: set[int],
    errors: dict[str, list[str]],
) -> list[int | None]:
    """The person of each attendance: the register's match of its person, else the
    person's own id (None for a new person until written). ValidationError for people
    already taking part in the session. ``start``: the batch's first row."""
    person_ids = []
    for offset, (key, own, name) in enumerate(zip(keys, ids, names, strict=True)):
        person_id = matches.get(key) or own
        person_ids.append(person_id)
        if person_id is None:  # a new person, given an id as it is written
            continue
        if person_id in present:
            # Named as ``str(Person)`` names them.
            person = name or _("Person #%(pk)s") % {"pk": own}
            errors[f"rows[{start + offset}]"] = [
                _("%(person)s is already a participant of this session.") % {"person": person}
            ]
        present.add(person_id)
    if errors:
        raise ValidationError(errors)
    return person_ids


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a sheet is checked and written.

    A sheet's rows are tens of thousands of dicts, tuples and lists that live until the
    sheet is written; each full pass of the collector walks them and the whole process
    (a tenth of a second in a worker), several times per sheet, and finds no cycle to
    free. The rows are freed by their reference counts once the sheet is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
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
    copied = None
    if _copies(connection):
        copied = _SheetCopy(people_table, people, attendance_table, attendances)
    added = 0
    for start in range(0, len(rows), BULK_BATCH):
        end = min(start + BULK_BATCH, len(rows))
        if copied is not None:
            copied.write(start, end, present=present, errors=errors, user=user)
        else:
            batch = people_table.rows(people, start, end)
            written = attendance_table.rows(attendances, start, end)
            matches = _create_people(people_table, batch, user=user)
            person_ids = _match_attendances(
                [person["match_key"] for person in batch],
                [person["id"] for person in batch],
                [person["full_name"] for person in batch],
                matches,
                start,
                present=present,
                errors=errors,
            )
            for attendance, person_id in zip(written, person_ids, strict=True):
                attendance["person_id"] = person_id
            attendance_table.write(written, user=user)
        added = end
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


@_collector_paused()
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
