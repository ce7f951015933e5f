"""Every write of trainings: sessions, participants, counts and the person register."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ctportal import access
from ctportal.audit import check_version, delete_with_history, prefix_errors, save_with_history

from .models import (
    Attendance,
    CountDimension,
    ParticipantCount,
    Person,
    SessionDocument,
    TrainingSession,
    person_match_key,
)

SESSION_FIELDS = (
    "project",
    "title",
    "kind",
    "topics",
    "host_country",
    "city",
    "venue",
    "start_date",
    "end_date",
    "language",
    "status",
    "notes",
)
PERSON_FIELDS = (
    "full_name",
    "sex",
    "age_band",
    "institution",
    "institution_type",
    "role",
    "nationality",
    "country_of_work",
)


def _validate_period(session: TrainingSession) -> dict[str, str]:
    errors: dict[str, str] = {}
    start, end = session.start_date, session.end_date
    if start and end and end < start:
        errors["end_date"] = _("The end date must be on or after the start date.")
    project = getattr(session, "project", None) if session.project_id else None
    if project and start and end and (start < project.start or end > project.end):
        errors["start_date" if start < project.start else "end_date"] = _(
            "The session must fall within the project's period (%(start)s to %(end)s)."
        ) % {"start": project.start.isoformat(), "end": project.end.isoformat()}
    return errors


def validate_counts(counts: list[Mapping[str, Any]]) -> None:
    """Each breakdown (by sex, institution type, country) must add up to one total."""
    totals: dict[str, int] = defaultdict(int)
    seen = set()
    for index, row in enumerate(counts):
        count = row.get("count")
        if count is None or int(count) < 0:
            raise ValidationError({f"counts[{index}].count": _("A count cannot be negative.")})
        key = (
            row["dimension"],
            row.get("sex", ""),
            row.get("institution_type", ""),
            getattr(row.get("country"), "pk", None),
        )
        if key in seen:
            raise ValidationError({f"counts[{index}]": _("This breakdown is listed twice.")})
        seen.add(key)
        totals[row["dimension"]] += int(count)
    if counts and CountDimension.SEX not in totals:
        raise ValidationError({"counts": _("Give the participants by sex: it is the total.")})
    total = totals.get(CountDimension.SEX, 0)
    for dimension, value in totals.items():
        if value != total:
            raise ValidationError(
                {
                    "counts": _(
                        "The breakdown by %(dimension)s adds up to %(value)s "
                        "but the breakdown by sex adds up to %(total)s."
                    )
                    % {
                        "dimension": CountDimension(dimension).label.lower(),
                        "value": value,
                        "total": total,
                    }
                }
            )


def _require_edit(user, project) -> None:
    if not access.can_edit_project(user, project):
        raise PermissionDenied


@transaction.atomic
def session_save(
    *,
    user,
    data: Mapping[str, Any],
    session: TrainingSession | None = None,
    expected_version: int | None = None,
    audiences: Iterable | None = None,
    partners: Iterable | None = None,
    facilitators: Iterable | None = None,
    indicators: Iterable | None = None,
    counts: list[Mapping[str, Any]] | None = None,
) -> TrainingSession:
    """Create or update a training session and, when given, its participant counts.

    Raises ValidationError keyed by field, PermissionDenied or StaleVersion.
    """
    if session is None:
        session = TrainingSession()
    else:
        _require_edit(user, session.project)
        session.version = check_version(TrainingSession, session.pk, expected_version)
    for field in SESSION_FIELDS:
        if field in data:
            setattr(session, field, data[field])
    if session.project_id:
        _require_edit(user, session.project)
    errors = _validate_period(session)
    try:
        session.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    if indicators is not None:
        indicators = list(indicators)
        if any(i.result.project_id != session.project_id for i in indicators):
            raise ValidationError({"indicators": _("Pick indicators of the session's project.")})
    if counts is not None:
        validate_counts(counts)
        if counts and session.pk and session.attendances.exists():
            raise ValidationError(
                {
                    "counts": _(
                        "This session records participants one by one; "
                        "remove them before giving totals."
                    )
                }
            )

    save_with_history(session, user=user)
    for name, values in (
        ("audiences", audiences),
        ("partners", partners),
        ("facilitators", facilitators),
        ("indicators", indicators),
    ):
        if values is not None:
            getattr(session, name).set(values)
    if counts is not None:
        for old in session.participant_counts.all():
            delete_with_history(old, user=user)
        for index, row in enumerate(counts):
            try:
                save_with_history(ParticipantCount(session=session, **row), user=user)
            except ValidationError as exc:
                raise prefix_errors(exc, "counts", index) from exc
    return session


def person_find_or_create(*, user, data: Mapping[str, Any]) -> Person:
    """The register's match: same name (any case), sex, nationality and country of work.

    A person without a name is never matched: two anonymous rows may be two people.
    The match key is unique in the database, so two requests naming the same new
    person at once create them once: the second finds the first's.
    """
    person = Person(**{field: data.get(field) or _blank(field) for field in PERSON_FIELDS})
    person.full_name = " ".join(person.full_name.split())
    person.match_key = person_key(person)
    if person.match_key is None:
        return save_with_history(person, user=user)
    match = Person.objects.filter(match_key=person.match_key, merged_into__isnull=True).first()
    if match:
        return match
    # The database holds the match key's constraint; checking it here first could only
    # race with the other request.
    person.full_clean(validate_constraints=False)
    person._history_user = user
    try:
        with transaction.atomic():
            person.save()
            return person
    except IntegrityError:  # created by another request in the meantime
        return Person.objects.get(match_key=person.match_key, merged_into__isnull=True)


def person_key(person: Person) -> str | None:
    return person_match_key(
        person.full_name, person.sex, person.nationality_id, person.country_of_work_id
    )


def session_lock(session: TrainingSession) -> None:
    """Hold the session's row until the transaction ends: its participants change one
    writer at a time (two uploads of one sheet cannot both add it)."""
    TrainingSession.objects.select_for_update().filter(pk=session.pk).first()


def _blank(field: str):
    return None if field in ("nationality", "country_of_work") else ""


@transaction.atomic
def attendances_add(
    *, user, session: TrainingSession, rows: list[Mapping[str, Any]]
) -> list[Attendance]:
    """Add participants one by one (each row: person fields and attendance fields).

    Every row is checked before anything is written; errors are keyed ``rows[i].field``.
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
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        person = Person(**{f: row.get(f) or _blank(f) for f in PERSON_FIELDS})
        attendance = Attendance(
            session=session,
            attended=row.get("attended", True),
            pre_score=row.get("pre_score"),
            post_score=row.get("post_score"),
        )
        for instance, exclude in ((person, ["merged_into"]), (attendance, ["person"])):
            try:
                instance.full_clean(
                    exclude=exclude, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[f"rows[{index}].{field}"] = messages
    if errors:
        raise ValidationError(errors)
    created = []
    for index, row in enumerate(rows):
        person = person_find_or_create(user=user, data=row)
        attendance, made = Attendance.objects.get_or_create(
            session=session,
            person=person,
            defaults={
                "attended": row.get("attended", True),
                "pre_score": row.get("pre_score"),
                "post_score": row.get("post_score"),
            },
        )
        if not made:
            raise ValidationError(
                {
                    f"rows[{index}]": _("%(person)s is already a participant of this session.")
                    % {"person": person}
                }
            )
        created.append(attendance)
    return created


@transaction.atomic
def persons_merge(*, user, keep: Person, duplicate: Person) -> Person:
    """Fold a duplicate into the person kept; their attendances move over."""
    if access.role_of(user) not in access.PROJECT_EDITORS | {access.Role.ME_OFFICER}:
        raise PermissionDenied
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("A person cannot be merged into themselves.")})
    if duplicate.merged_into_id:
        raise ValidationError({"duplicate": _("This person was already merged.")})
    for attendance in duplicate.attendances.select_related("session"):
        if Attendance.objects.filter(session=attendance.session, person=keep).exists():
            delete_with_history(attendance, user=user)
        else:
            attendance.person = keep
            save_with_history(attendance, user=user)
    duplicate.merged_into = keep
    duplicate._history_user = user
    key, duplicate.match_key = duplicate.match_key, None
    duplicate.save(update_fields=["merged_into", "match_key"])
    if keep.match_key is None and key is not None and person_key(keep) == key:
        # The register now finds the person kept, as it found the duplicate.
        keep.match_key = key
        keep._history_user = user
        keep.save(update_fields=["match_key"])
    return keep


@transaction.atomic
def session_save_with_participants(
    *,
    user,
    data: Mapping[str, Any],
    session: TrainingSession | None = None,
    expected_version: int | None = None,
    audiences: Iterable | None = None,
    partners: Iterable | None = None,
    facilitators: Iterable | None = None,
    indicators: Iterable | None = None,
    counts: list[Mapping[str, Any]] | None = None,
    rows: list[Mapping[str, Any]] | None = None,
) -> TrainingSession:
    """Save a session (as :func:`session_save`) and add participants one by one.

    Both succeed or nothing is saved; errors keep the keys of the two services
    (``end_date``, ``counts[1].count``, ``rows[2].sex``).
    """
    session = session_save(
        user=user,
        data=data,
        session=session,
        expected_version=expected_version,
        audiences=audiences,
        partners=partners,
        facilitators=facilitators,
        indicators=indicators,
        counts=counts,
    )
    if rows:
        attendances_add(user=user, session=session, rows=rows)
    return session


@transaction.atomic
def session_document_add(
    *, user, session: TrainingSession, data: Mapping[str, Any]
) -> SessionDocument:
    """Attach a document (a file already checked by the upload policy, or a link) to a session.

    Only editors of the session's project may; raises PermissionDenied or
    ValidationError keyed by field, and nothing is stored then.
    """
    _require_edit(user, session.project)
    document = SessionDocument(session=session, **data)
    if not document.file and not document.url:
        raise ValidationError({"file": _("Attach a file or give a link.")})
    return save_with_history(document, user=user)
