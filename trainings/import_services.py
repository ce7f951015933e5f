"""Participants in bulk: attendance sheets from upload to saved rows.

``attendance_import_start`` checks the file and keeps it; small sheets are then
imported at once, larger ones by a Celery task calling ``attendance_import_run``.
Both write through ``attendances_bulk_add``, which keeps the rules of
``trainings.services.attendances_add`` (checks, register matching, history)
for tens of thousands of rows.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ctportal.jobs import job_finish, job_queue, job_rerun, job_run, job_touch
from dashboards.invalidation import invalidate

from . import import_rows, imports
from .models import Attendance, AttendanceImport, ImportStatus, Person, TrainingSession
from .services import PERSON_FIELDS, _blank, _require_edit, person_key, session_lock

logger = logging.getLogger(__name__)


BULK_BATCH = 2_000


def _bulk_instances(
    session: TrainingSession, rows: list[Mapping[str, Any]]
) -> tuple[list[Person], list[Attendance], dict[str, list[str]]]:
    """People and attendances of the rows, checked as ``attendances_add`` checks them.

    Countries come resolved, so there is no query per row; the instances built
    here are the ones written.
    """
    errors: dict[str, list[str]] = {}
    seen: dict[tuple, int] = {}
    people, attendances = [], []
    for index, row in enumerate(rows):
        person = Person(**{f: row.get(f) or _blank(f) for f in PERSON_FIELDS})
        person.full_name = " ".join(person.full_name.split())
        person.match_key = person_key(person)
        attendance = Attendance(
            session_id=session.pk,
            attended=row.get("attended", True),
            pre_score=row.get("pre_score"),
            post_score=row.get("post_score"),
        )
        checks = (
            (person, ["merged_into", "nationality", "country_of_work"]),
            (attendance, ["person", "session"]),
        )
        for instance, exclude in checks:
            try:
                instance.clean_fields(exclude=exclude)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[f"rows[{index}].{field}"] = messages
        for field in ("nationality", "country_of_work"):
            if getattr(person, f"{field}_id", None) is None and row.get(field) is not None:
                errors[f"rows[{index}].{field}"] = [_("Unknown country.")]
        key = _person_key(person)
        if key is not None and key in seen:
            errors[f"rows[{index}]"] = [
                _("The same person is listed twice (rows %(first)s and %(second)s).")
                % {"first": seen[key] + 1, "second": index + 1}
            ]
        elif key is not None:
            seen[key] = index
        people.append(person)
        attendances.append(attendance)
    return people, attendances, errors


def _person_key(person: Person) -> str | None:
    return person.match_key


def _register_matches(people: list[Person]) -> dict[str, int]:
    """The register's match for many people at once: same key as ``person_find_or_create``."""
    keys = sorted({person.match_key for person in people if person.match_key})
    matches: dict[str, int] = {}
    for start in range(0, len(keys), BULK_BATCH):
        candidates = Person.objects.filter(
            merged_into__isnull=True, match_key__in=keys[start : start + BULK_BATCH]
        ).values_list("match_key", "pk")
        matches.update(candidates)
    return matches


def _create_people(people: list[Person], *, user) -> dict[str, int]:
    """Create the people the register does not know yet; the matches of the others.

    Another import may create one of them at the same moment: the unique match
    key then refuses ours, and the batch is matched again against the register
    (which now holds theirs). New people are written in key order, so two
    imports wait for each other instead of deadlocking.
    """
    for _round in range(3):
        matches = _register_matches(people)
        new = sorted(
            (p for p in people if p.match_key is None or p.match_key not in matches),
            key=lambda p: p.match_key or "",
        )
        try:
            with transaction.atomic():
                bulk_create_with_history(new, Person, batch_size=BULK_BATCH, default_user=user)
        except IntegrityError:
            for person in new:
                person.pk = None
                person._state.adding = True
            continue
        return matches
    raise IntegrityError("people matched by another import kept changing")


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
    people, attendances, errors = _bulk_instances(session, rows)
    if errors:
        raise ValidationError(errors)
    present = set(session.attendances.values_list("person_id", flat=True))
    added = 0
    for start in range(0, len(rows), BULK_BATCH):
        batch = people[start : start + BULK_BATCH]
        matches = _create_people(batch, user=user)
        written = attendances[start : start + BULK_BATCH]
        for offset, (person, attendance) in enumerate(zip(batch, written, strict=True)):
            attendance.person_id = matches.get(_person_key(person)) or person.pk
            if attendance.person_id in present:
                errors[f"rows[{start + offset}]"] = [
                    _("%(person)s is already a participant of this session.") % {"person": person}
                ]
            present.add(attendance.person_id)
        if errors:
            raise ValidationError(errors)
        bulk_create_with_history(written, Attendance, batch_size=BULK_BATCH, default_user=user)
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
