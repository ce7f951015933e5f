"""Every write of research records: outputs, legislative support and stages, awareness.

Pages, API, admin and the demo loader call these; each validates the record
as a whole, saves it with history and refuses an edit made on a stale copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ctportal import access
from ctportal.audit import check_version, delete_with_history, prefix_errors, save_with_history
from projects.models import Project

from .models import (
    ActivityMaterial,
    AwarenessActivity,
    LegislativeStage,
    LegislativeSupport,
    OutputFile,
    ResearchOutput,
    Stage,
)
from .selectors import can_edit

OUTPUT_FIELDS = (
    "kind",
    "title",
    "authors",
    "language",
    "translation_of",
    "status",
    "publication_date",
    "abstract",
)
SUPPORT_FIELDS = ("country", "instrument", "title", "reference", "description")
ACTIVITY_FIELDS = (
    "kind",
    "title",
    "description",
    "audience",
    "channel",
    "start_date",
    "end_date",
    "people_reached",
    "audience_estimate",
    "materials_distributed",
    "reach_note",
    "materials",
)
# A chain of translations longer than this is certainly a loop.
MAX_TRANSLATION_DEPTH = 50


def _require_role(user) -> None:
    if access.role_of(user) not in access.PROJECT_EDITORS:
        raise PermissionDenied


def _fill(record: models.Model, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    for field in fields:
        if field in data:
            setattr(record, field, data[field])


def _linked_projects(user, record, chosen: Iterable | None, errors: dict) -> list | None:
    """The projects to store: those chosen plus the links the user cannot see.

    Someone may only link projects they see; links to projects outside their
    scope, made by someone else, are kept as they were.
    """
    if chosen is None:
        return None
    chosen = list(chosen)
    visible = set(Project.objects.visible_to(user).values_list("pk", flat=True))
    if any(project.pk not in visible for project in chosen):
        errors["projects"] = _("Pick projects within your scope.")
        return None
    kept = []
    if record.pk:
        kept = [p for p in record.projects.all() if p.pk not in visible]
    if access.role_of(user) != access.Role.ADMINISTRATOR and not chosen:
        errors["projects"] = _("Link at least one of your projects.")
    return [*chosen, *kept]


def _check_indicators(
    indicators: Iterable | None, projects: list | None, record, errors: dict
) -> list | None:
    if indicators is None:
        return None
    indicators = list(indicators)
    if projects is None:
        projects = list(record.projects.all()) if record.pk else []
    allowed = {project.pk for project in projects}
    if any(indicator.result.project_id not in allowed for indicator in indicators):
        errors["indicators"] = _("Pick indicators of the linked projects.")
    return indicators


def _full_clean(record: models.Model, errors: dict) -> None:
    try:
        record.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _start(model: type[models.Model], user, record, expected_version: int | None):
    _require_role(user)
    if record is None:
        return model()
    if not can_edit(user, record):
        raise PermissionDenied
    record.version = check_version(model, record.pk, expected_version)
    return record


def _translation_errors(output: ResearchOutput, user) -> str | None:
    original = output.translation_of
    if original is None:
        return None
    if output.pk and original.pk == output.pk:
        return _("A record cannot be a translation of itself.")
    if not ResearchOutput.objects.visible_to(user).filter(pk=original.pk).exists():
        return _("Pick an original within your scope.")
    if original.language == output.language:
        return _("A translation is in another language than its original.")
    seen, current, depth = {original.pk}, original, 0
    while current.translation_of_id is not None and depth < MAX_TRANSLATION_DEPTH:
        if output.pk and current.translation_of_id == output.pk:
            return _(
                "“%(original)s” is itself a translation of this record; "
                "a translation cannot go round in a circle."
            ) % {"original": original.title}
        if current.translation_of_id in seen:
            break
        seen.add(current.translation_of_id)
        current = ResearchOutput.objects.only("pk", "translation_of").get(
            pk=current.translation_of_id
        )
        depth += 1
    return None


@transaction.atomic
def output_save(
    *,
    user,
    data: Mapping[str, Any],
    output: ResearchOutput | None = None,
    expected_version: int | None = None,
    projects: Iterable[Project] | None = None,
    partners: Iterable | None = None,
    countries: Iterable | None = None,
    indicators: Iterable | None = None,
) -> ResearchOutput:
    """Create or update a research output; a list given replaces the stored one.

    Raises ValidationError keyed by field, PermissionDenied or StaleVersion.
    """
    output = _start(ResearchOutput, user, output, expected_version)
    _fill(output, data, OUTPUT_FIELDS)
    errors: dict[str, Any] = {}
    message = _translation_errors(output, user)
    if message:
        errors["translation_of"] = message
    linked = _linked_projects(user, output, projects, errors)
    indicators = _check_indicators(indicators, linked, output, errors)
    _full_clean(output, errors)
    save_with_history(output, user=user)
    for name, values in (
        ("projects", linked),
        ("partners", partners),
        ("countries", countries),
        ("indicators", indicators),
    ):
        if values is not None:
            getattr(output, name).set(values)
    return output


def _stage_error(row: Mapping[str, Any], previous: Mapping[str, Any] | LegislativeStage) -> str:
    get = previous.get if isinstance(previous, Mapping) else lambda key: getattr(previous, key)
    return _(
        "This stage is dated %(date)s, before the stage before it (%(stage)s, %(previous)s). "
        "Stages are recorded in the order they happened."
    ) % {
        "date": date_format(row["date"]),
        "stage": Stage(get("stage")).label,
        "previous": date_format(get("date")),
    }


def validate_stages(rows: list[Mapping[str, Any]]) -> None:
    """Each stage's date is on or after the date of the stage before it."""
    errors = {}
    for index, row in enumerate(rows):
        previous = rows[index - 1] if index else {}
        if row.get("date") and previous.get("date") and row["date"] < previous["date"]:
            errors[f"stages[{index}].date"] = _stage_error(row, previous)
    if errors:
        raise ValidationError(errors)


def _same_stages(support: LegislativeSupport, rows: list[Mapping[str, Any]]) -> bool:
    stored = [(stage.stage, stage.date, stage.note) for stage in support.stages.all()]
    return stored == [(row["stage"], row["date"], row.get("note", "")) for row in rows]


@transaction.atomic
def support_save(
    *,
    user,
    data: Mapping[str, Any],
    support: LegislativeSupport | None = None,
    expected_version: int | None = None,
    projects: Iterable[Project] | None = None,
    outputs: Iterable[ResearchOutput] | None = None,
    support_types: Iterable | None = None,
    indicators: Iterable | None = None,
    stages: list[Mapping[str, Any]] | None = None,
) -> LegislativeSupport:
    """Create or update legislative support; ``stages`` given replace the dated history.

    Raises ValidationError keyed by field (``stages[1].date``), PermissionDenied
    or StaleVersion.
    """
    support = _start(LegislativeSupport, user, support, expected_version)
    _fill(support, data, SUPPORT_FIELDS)
    errors: dict[str, Any] = {}
    linked = _linked_projects(user, support, projects, errors)
    indicators = _check_indicators(indicators, linked, support, errors)
    if outputs is not None:
        outputs = list(outputs)
        visible = ResearchOutput.objects.visible_to(user).filter(pk__in=[o.pk for o in outputs])
        if visible.count() != len({o.pk for o in outputs}):
            errors["outputs"] = _("Pick research outputs within your scope.")
    if stages is not None:
        try:
            validate_stages(stages)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _full_clean(support, errors)
    if stages is not None and support.pk and _same_stages(support, stages):
        stages = None
    save_with_history(support, user=user)
    for name, values in (
        ("projects", linked),
        ("outputs", outputs),
        ("support", support_types),
        ("indicators", indicators),
    ):
        if values is not None:
            getattr(support, name).set(values)
    if stages is not None:
        for old in support.stages.all():
            delete_with_history(old, user=user)
        for index, row in enumerate(stages):
            try:
                save_with_history(LegislativeStage(support=support, **row), user=user)
            except ValidationError as exc:
                raise prefix_errors(exc, "stages", index) from exc
    return support


@transaction.atomic
def stage_add(*, user, support: LegislativeSupport, data: Mapping[str, Any]) -> LegislativeStage:
    """Record the next stage of an instrument; its date may not precede the latest stage.

    The instrument's row is locked meanwhile, so two stages added at once are
    checked one after the other.
    """
    _require_role(user)
    if not can_edit(user, support):
        raise PermissionDenied
    support.version = check_version(LegislativeSupport, support.pk, None)
    stage = LegislativeStage(support=support, **data)
    previous = support.stages.order_by("-date", "-pk").first()
    stage.full_clean()
    if previous is not None and stage.date < previous.date:
        raise ValidationError({"date": _stage_error({"date": stage.date}, previous)})
    save_with_history(stage, user=user)
    support._history_user = user
    support.save(update_fields=["version", "updated_at"])
    return stage


@transaction.atomic
def activity_save(
    *,
    user,
    data: Mapping[str, Any],
    activity: AwarenessActivity | None = None,
    expected_version: int | None = None,
    projects: Iterable[Project] | None = None,
    countries: Iterable | None = None,
    indicators: Iterable | None = None,
) -> AwarenessActivity:
    """Create or update an awareness campaign or event with its reach figures.

    Raises ValidationError keyed by field, PermissionDenied or StaleVersion.
    """
    activity = _start(AwarenessActivity, user, activity, expected_version)
    _fill(activity, data, ACTIVITY_FIELDS)
    errors: dict[str, Any] = {}
    if activity.start_date and activity.end_date and activity.end_date < activity.start_date:
        errors["end_date"] = _("The end date must be on or after the start date.")
    linked = _linked_projects(user, activity, projects, errors)
    indicators = _check_indicators(indicators, linked, activity, errors)
    _full_clean(activity, errors)
    save_with_history(activity, user=user)
    for name, values in (
        ("projects", linked),
        ("countries", countries),
        ("indicators", indicators),
    ):
        if values is not None:
            getattr(activity, name).set(values)
    return activity


def _attach(user, parent, attachment: models.Model) -> models.Model:
    _require_role(user)
    if not can_edit(user, parent):
        raise PermissionDenied
    if not attachment.file and not attachment.url:
        raise ValidationError({"file": _("Attach a file or give a link.")})
    return save_with_history(attachment, user=user)


@transaction.atomic
def output_file_add(*, user, output: ResearchOutput, data: Mapping[str, Any]) -> OutputFile:
    """Attach a file (already checked by the upload policy) or a link to an output."""
    return _attach(user, output, OutputFile(output=output, **data))


@transaction.atomic
def activity_material_add(
    *, user, activity: AwarenessActivity, data: Mapping[str, Any]
) -> ActivityMaterial:
    """Attach a material (file already checked by the upload policy, or link) to an activity."""
    return _attach(user, activity, ActivityMaterial(activity=activity, **data))
