"""IATI 2.03 activity files (``iati-activities``) of projects.

Files are written incrementally, a chunk of projects at a time, so a
portfolio of thousands of projects costs a fixed number of queries per chunk
and bounded memory. Each activity is built by :mod:`projects.iati_activity`.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from lxml import etree

from .iati_activity import TransactionRow, activity_element
from .models import (
    Budget,
    Disaggregation,
    Document,
    Funding,
    Indicator,
    IndicatorPeriod,
    Organisation,
    ParticipatingOrganisation,
    Project,
    ProjectSector,
    RecipientCountry,
    Result,
    Transaction,
)

IATI_VERSION = "2.03"
SCHEMA_FILE = "iati-activities-schema.xsd"
CHUNK_SIZE = 2000


# The IATI Standard's own files (schemas, codelists, rulesets), shipped with the code:
# see standards/iati-2.03/README.md for their versions and licence.
STANDARD_DIR = Path(__file__).resolve().parent / "standards" / "iati-2.03"


def schema_dir() -> Path:
    """Folder of the IATI 2.03 XSD files shipped with the portal."""
    return STANDARD_DIR / "schemas"


@cache
def activities_schema() -> etree.XMLSchema:
    """The iati-activities XSD, parsed once per process."""
    return etree.XMLSchema(etree.parse(str(schema_dir() / SCHEMA_FILE)))


def schema_errors(content: bytes) -> list[str]:
    """Schema violations of an iati-activities document; empty when it is valid."""
    schema = activities_schema()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.fromstring(content, parser)  # noqa: S320 - entities and network are off
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def activities_queryset(projects: QuerySet) -> QuerySet:
    """Projects with every related record an activity shows, without per-row queries.

    Related rows land in plain lists (``iati_*`` attributes): reading them
    costs no queryset per project, which matters for thousands of projects.
    Transactions, by far the most numerous rows, come from
    :func:`attach_transactions` as plain tuples.
    """
    periods = IndicatorPeriod.objects.order_by("period_start", "pk").prefetch_related(
        Prefetch(
            "disaggregations",
            queryset=Disaggregation.objects.select_related("country").order_by("pk"),
            to_attr="iati_disaggregations",
        )
    )
    indicators = Indicator.objects.order_by("order", "pk").prefetch_related(
        Prefetch("periods", queryset=periods, to_attr="iati_periods")
    )
    results = Result.objects.order_by("order", "pk").prefetch_related(
        Prefetch("indicators", queryset=indicators, to_attr="iati_indicators")
    )
    return projects.select_related("reporting_organisation").prefetch_related(
        Prefetch(
            "fundings",
            queryset=Funding.objects.select_related("donor").order_by("pk"),
            to_attr="iati_fundings",
        ),
        Prefetch(
            "participating_organisations",
            queryset=ParticipatingOrganisation.objects.select_related("organisation").order_by(
                "role", "pk"
            ),
            to_attr="iati_participants",
        ),
        Prefetch(
            "recipient_countries",
            queryset=RecipientCountry.objects.select_related("country").order_by(
                "-percentage", "pk"
            ),
            to_attr="iati_countries",
        ),
        Prefetch(
            "budgets",
            queryset=Budget.objects.order_by("period_start", "kind", "pk"),
            to_attr="iati_budgets",
        ),
        Prefetch(
            "sectors",
            queryset=ProjectSector.objects.order_by("-percentage", "code"),
            to_attr="iati_sectors",
        ),
        Prefetch(
            "documents",
            queryset=Document.objects.filter(is_public=True).order_by("pk"),
            to_attr="iati_documents",
        ),
        Prefetch("results", queryset=results, to_attr="iati_results"),
    )


def attach_transactions(projects: list[Project]) -> None:
    """Set ``iati_transactions`` on each project, in two queries for the whole list."""
    rows = list(
        Transaction.objects.filter(project_id__in=[p.pk for p in projects])
        .order_by("date", "pk")
        .values_list(
            "project_id",
            "kind",
            "date",
            "value",
            "currency",
            "description",
            "provider_id",
            "receiver_id",
        )
    )
    organisations = Organisation.objects.in_bulk(
        {org for row in rows for org in row[6:] if org is not None}
    )
    by_project = {project.pk: [] for project in projects}
    for project_id, kind, day, value, currency, description, provider, receiver in rows:
        by_project[project_id].append(
            TransactionRow(
                kind,
                day,
                value,
                currency,
                description,
                organisations.get(provider),
                organisations.get(receiver),
            )
        )
    for project in projects:
        project.iati_transactions = by_project[project.pk]


def activities(projects: QuerySet) -> Iterator[Project]:
    """Projects ordered by code, loaded for :func:`activity_element` a chunk at a time."""
    ids = list(projects.order_by("code").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = Project.objects.filter(pk__in=ids[start : start + CHUNK_SIZE]).order_by("code")
        loaded = list(activities_queryset(chunk))
        attach_transactions(loaded)
        yield from loaded


def write_activities(
    out: IO[bytes],
    projects: QuerySet,
    *,
    base_url: str | None = None,
    generated: datetime.datetime | None = None,
) -> int:
    """Write an iati-activities document of ``projects`` to ``out``; returns how many.

    The standard wants at least one activity in a file, so a document of an
    empty queryset is well-formed but not schema-valid.
    """
    base_url = base_url or settings.PORTAL_URL
    generated = generated or timezone.now()
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        root_attrs = {
            "version": IATI_VERSION,
            "generated-datetime": generated.replace(microsecond=0).isoformat(),
        }
        with xf.element("iati-activities", root_attrs):
            for project in activities(projects):
                xf.write("\n")
                xf.write(activity_element(project, base_url=base_url), pretty_print=True)
                count += 1
    return count


def render_activities(projects: QuerySet, *, base_url: str | None = None) -> tuple[bytes, int]:
    """The iati-activities document of ``projects`` as bytes, with the activity count."""
    buffer = io.BytesIO()
    count = write_activities(buffer, projects, base_url=base_url)
    return buffer.getvalue(), count


def check_projects(projects: QuerySet, *, base_url: str | None = None) -> tuple[list, int]:
    """Findings of the IATI file of ``projects`` (schema, ruleset, codelists) and how many
    activities it holds."""
    from .iati_rules import check_activities

    content, count = render_activities(projects, base_url=base_url)
    if not count:
        return [], 0
    return check_activities(content), count
