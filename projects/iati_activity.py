"""The ``iati-activity`` element of one project, in the XSD's element order.

Text goes through lxml, which does all escaping; only characters XML 1.0
cannot carry at all are dropped.
"""

from __future__ import annotations

import datetime
import mimetypes
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from lxml import etree

from .models import (
    DEFAULT_SECTOR,
    ActivityScope,
    Disaggregation,
    Document,
    Indicator,
    IndicatorPeriod,
    Organisation,
    OrganisationRole,
    Project,
    Result,
    SectorCode,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# DAC 5-digit purpose codes (vocabulary 1); a project without sectors is all 15190.
SECTOR_VOCABULARY = "1"
AID_TYPE_VOCABULARY = "1"
CONTACT_GENERAL = "1"
# Letters of the Arabic script: a name written in them is Arabic whatever the project.
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

# IATI DescriptionType codes.
DESCRIPTION_GENERAL = "1"
DESCRIPTION_OBJECTIVES = "2"
DESCRIPTION_TARGET_GROUPS = "3"
DESCRIPTION_OTHER = "4"
# IATI ActivityDateType codes.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
BUDGET_ORIGINAL = "1"
BUDGET_INDICATIVE = "1"

# Characters XML 1.0 cannot carry at all; pasted text sometimes contains them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CENT = Decimal("0.01")


class TransactionRow(NamedTuple):
    """A transaction as the file shows it; tuples keep 100,000 rows cheap to load."""

    kind: int
    date: datetime.date
    value: Decimal
    currency: str
    description: str
    provider: Organisation | None
    receiver: Organisation | None


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _sub(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    return etree.SubElement(parent, tag, attrs)


def _narrative(parent: etree._Element, text: str, lang: str | None = None) -> None:
    element = etree.SubElement(parent, "narrative")
    if lang:
        element.set(XML_LANG, lang)
    element.text = _clean(text)


def _text_element(
    parent: etree._Element,
    tag: str,
    text: str,
    lang: str | None = None,
    attrs: dict[str, str] | None = None,
) -> etree._Element:
    element = _sub(parent, tag, attrs)
    _narrative(element, text, lang)
    return element


def _versions(element: etree._Element, record, field: str, lang: str) -> None:
    """The record's Arabic and French versions of a text, one narrative each in its language."""
    for version in ("ar", "fr"):
        text = getattr(record, f"{field}_{version}", "")
        if version != lang and text.strip():
            _narrative(element, text, version)


def _amount(value: Decimal) -> str:
    return str(value.quantize(CENT))


def name_language(name: str, lang: str) -> str:
    """The language of a proper name: Arabic when written in Arabic letters, else ``lang``.

    Organisation names are typed once in whatever language the organisation
    uses; Arabic script says which language without doubt, Latin script is
    read as the project's language when that is English or French.
    """
    if _ARABIC.search(name):
        return "ar"
    return lang if lang in ("en", "fr") else "en"


def _organisation(
    parent: etree._Element,
    tag: str,
    organisation: Organisation,
    attrs: dict[str, str] | None = None,
    lang: str = "en",
) -> etree._Element:
    attrs = dict(attrs or {})
    if organisation.iati_identifier:
        attrs["ref"] = organisation.iati_identifier
    attrs["type"] = organisation.iati_type
    element = _sub(parent, tag, attrs)
    main = name_language(organisation.name, lang)
    _narrative(element, organisation.name, main)
    _versions(element, organisation, "name", main)
    return element


def annual_budgets(
    start: datetime.date, end: datetime.date, total: Decimal
) -> list[tuple[datetime.date, datetime.date, Decimal]]:
    """Split a budget over calendar years, in proportion to days.

    IATI budget periods must not be longer than a year; the last period
    takes the rounding so the parts add up to the total exactly.
    """
    total_days = (end - start).days + 1
    parts = []
    cursor = start
    while cursor <= end:
        period_end = min(datetime.date(cursor.year, 12, 31), end)
        days = (period_end - cursor).days + 1
        share = (total * days / total_days).quantize(CENT, rounding=ROUND_HALF_UP)
        parts.append([cursor, period_end, share])
        cursor = period_end + datetime.timedelta(days=1)
    parts[-1][2] = total - sum((part[2] for part in parts[:-1]), Decimal("0"))
    return [tuple(part) for part in parts]


def last_updated(project: Project) -> datetime.datetime:
    """When the project or anything published with it last changed.

    Writes of its rows move ``project.updated_at`` (``projects.signals``); the
    rows' own times are not kept, so this is the project's.
    """
    return project.updated_at


def activity_scope(project: Project) -> str | None:
    """The project's scope, or one worked out from its recipient countries."""
    if project.activity_scope:
        return project.activity_scope
    countries = len(project.iati_countries)
    if countries == 1:
        return ActivityScope.NATIONAL
    if countries > 1:
        return ActivityScope.MULTI_NATIONAL
    return None


def activity_element(project: Project, *, base_url: str) -> etree._Element:
    """One ``iati-activity`` of a project loaded by :func:`projects.iati.activities`."""
    lang = project.text_language or settings.LANGUAGE_CODE
    attrs = {
        XML_LANG: lang,
        "default-currency": project.currency,
        "last-updated-datetime": last_updated(project).replace(microsecond=0).isoformat(),
    }
    if project.budget is None and project.budget_not_provided:
        attrs["budget-not-provided"] = project.budget_not_provided
    activity = etree.Element("iati-activity", attrs)
    etree.SubElement(activity, "iati-identifier").text = _clean(project.iati_identifier)
    reporter = project.reporting_organisation
    reporter_lang = name_language(reporter.name, lang)
    reporting = _text_element(
        activity,
        "reporting-org",
        reporter.name,
        reporter_lang,
        attrs={"ref": reporter.iati_identifier, "type": reporter.iati_type},
    )
    _versions(reporting, reporter, "name", reporter_lang)
    _versions(_text_element(activity, "title", project.title, lang), project, "title", lang)
    _descriptions(activity, project, lang)
    _participating_organisations(activity, project, lang)
    _sub(activity, "activity-status", {"code": str(project.status)})
    _activity_dates(activity, project)
    if project.contact_email:
        contact = _sub(activity, "contact-info", {"type": CONTACT_GENERAL})
        _text_element(contact, "organisation", reporter.name, name_language(reporter.name, lang))
        _sub(contact, "email").text = _clean(project.contact_email)
    scope = activity_scope(project)
    if scope:
        _sub(activity, "activity-scope", {"code": scope})
    for recipient in project.iati_countries:
        _text_element(
            activity,
            "recipient-country",
            recipient.country.name_en,
            "en",
            {"code": recipient.country.code.code, "percentage": str(recipient.percentage)},
        )
    _sectors(activity, project)
    _sub(activity, "collaboration-type", {"code": project.collaboration_type})
    _sub(activity, "default-flow-type", {"code": project.default_flow_type})
    _sub(activity, "default-finance-type", {"code": project.default_finance_type})
    _sub(
        activity,
        "default-aid-type",
        {"code": project.default_aid_type, "vocabulary": AID_TYPE_VOCABULARY},
    )
    _sub(activity, "default-tied-status", {"code": project.default_tied_status})
    if project.iati_budgets or project.budget:
        _budgets(activity, project)
    for record in project.iati_transactions:
        _transaction(activity, record, lang)
    for document in project.iati_documents:
        if document.is_public:
            _document_link(activity, document, base_url)
    for result in project.iati_results:
        _result(activity, result, lang)
    return activity


def _sectors(activity: etree._Element, project: Project) -> None:
    rows = [(row.code, row.percentage) for row in project.iati_sectors] or [
        (DEFAULT_SECTOR.value, 100)
    ]
    for code, percentage in rows:
        with translation.override("en"):
            name = str(SectorCode(code).label)
        _text_element(
            activity,
            "sector",
            name,
            "en",
            {
                "vocabulary": SECTOR_VOCABULARY,
                "code": code,
                "percentage": f"{Decimal(percentage).normalize():f}",
            },
        )


def _descriptions(activity: etree._Element, project: Project, lang: str) -> None:
    general = project.description.strip() or project.title
    _text_element(activity, "description", general, lang, {"type": DESCRIPTION_GENERAL})
    extra = (
        (DESCRIPTION_OBJECTIVES, project.objective_list),
        (DESCRIPTION_TARGET_GROUPS, project.target_group_list),
        (DESCRIPTION_OTHER, project.achievement_list),
    )
    for code, lines in extra:
        if lines:
            _text_element(activity, "description", "\n".join(lines), lang, {"type": code})


def _participating_organisations(activity: etree._Element, project: Project, lang: str) -> None:
    seen = set()
    funding_role = {"role": str(OrganisationRole.FUNDING.value)}
    for funding in project.iati_fundings:
        seen.add((funding.donor_id, OrganisationRole.FUNDING))
        _organisation(activity, "participating-org", funding.donor, funding_role, lang)
    for participation in project.iati_participants:
        key = (participation.organisation_id, participation.role)
        if key in seen:
            continue
        seen.add(key)
        _organisation(
            activity,
            "participating-org",
            participation.organisation,
            {"role": str(participation.role)},
            lang,
        )
    if not seen:
        # The schema needs one; the reporting organisation answers for the activity.
        _organisation(
            activity,
            "participating-org",
            project.reporting_organisation,
            {"role": str(OrganisationRole.ACCOUNTABLE.value)},
            lang,
        )


def _activity_dates(activity: etree._Element, project: Project) -> None:
    dates = (
        (PLANNED_START, project.planned_start),
        (ACTUAL_START, project.actual_start),
        (PLANNED_END, project.planned_end),
        (ACTUAL_END, project.actual_end),
    )
    for code, value in dates:
        if value:
            _sub(activity, "activity-date", {"type": code, "iso-date": value.isoformat()})


def _budgets(activity: etree._Element, project: Project) -> None:
    """The project's budget rows; without any, its total split over calendar years."""
    rows = [
        (
            str(b.kind),
            str(b.status),
            b.period_start,
            b.period_end,
            b.value,
            b.currency,
            b.value_date,
        )
        for b in project.iati_budgets
    ]
    if not rows:
        parts = annual_budgets(project.planned_start, project.planned_end, project.budget)
        rows = [
            (BUDGET_ORIGINAL, BUDGET_INDICATIVE, start, end, value, project.currency, start)
            for start, end, value in parts
        ]
    for kind, status, start, end, value, currency, value_date in rows:
        budget = _sub(activity, "budget", {"type": kind, "status": status})
        _sub(budget, "period-start", {"iso-date": start.isoformat()})
        _sub(budget, "period-end", {"iso-date": end.isoformat()})
        amount = _sub(budget, "value", {"currency": currency, "value-date": value_date.isoformat()})
        amount.text = _amount(value)


def _transaction(activity: etree._Element, record: TransactionRow, lang: str) -> None:
    element = _sub(activity, "transaction")
    day = record.date.isoformat()
    _sub(element, "transaction-type", {"code": str(record.kind)})
    _sub(element, "transaction-date", {"iso-date": day})
    _sub(element, "value", {"currency": record.currency, "value-date": day}).text = _amount(
        record.value
    )
    if record.description:
        _text_element(element, "description", record.description, lang)
    if record.provider:
        _organisation(element, "provider-org", record.provider, lang=lang)
    if record.receiver:
        _organisation(element, "receiver-org", record.receiver, lang=lang)


def _document_format(document: Document) -> str:
    name = document.file.name if document.file else document.url
    guessed, _encoding = mimetypes.guess_type(name.split("?")[0])
    if guessed:
        return guessed
    return "application/octet-stream" if document.file else "text/html"


def _document_link(activity: etree._Element, document: Document, base_url: str) -> None:
    # Public files go out through the public download, which serves nothing else.
    if document.file:
        path = reverse("projects:public_document", args=[document.project_id, document.pk])
        url = urljoin(base_url, path)
    else:
        url = document.url
    element = _sub(activity, "document-link", {"url": url, "format": _document_format(document)})
    _text_element(element, "title", document.title, document.language)
    _sub(element, "category", {"code": document.category})
    _sub(element, "language", {"code": document.language})
    if document.document_date:
        _sub(element, "document-date", {"iso-date": document.document_date.isoformat()})


def _result(activity: etree._Element, result: Result, lang: str) -> None:
    if not result.iati_indicators:
        # A result needs at least one indicator in IATI; without one it is not published.
        return
    element = _sub(activity, "result", {"type": str(result.kind)})
    _text_element(element, "title", result.title, lang)
    if result.description.strip():
        _text_element(element, "description", result.description, lang)
    for indicator in result.iati_indicators:
        _indicator(element, indicator, lang)


def _measured(indicator: Indicator, value: Decimal | None, **attrs: str) -> dict[str, str]:
    """Attributes with the value; qualitative indicators carry none."""
    if value is not None and not indicator.is_qualitative:
        attrs["value"] = f"{value.normalize():f}"
    return attrs


def _comment(parent: etree._Element, text: str, lang: str) -> None:
    if text.strip():
        _text_element(parent, "comment", text, lang)


def _indicator(parent: etree._Element, indicator: Indicator, lang: str) -> None:
    element = _sub(
        parent,
        "indicator",
        {"measure": str(indicator.measure), "ascending": "1" if indicator.ascending else "0"},
    )
    _versions(_text_element(element, "title", indicator.title, lang), indicator, "title", lang)
    if indicator.baseline_year and _has_value(
        indicator, indicator.baseline_value, indicator.baseline_comment
    ):
        attrs = _measured(indicator, indicator.baseline_value, year=str(indicator.baseline_year))
        baseline = _sub(element, "baseline", attrs)
        _comment(baseline, indicator.baseline_comment, lang)
    for period in indicator.iati_periods:
        _period(element, indicator, period, lang)


def _has_value(indicator: Indicator, value: Decimal | None, comment: str) -> bool:
    """A quantitative figure needs its number; a qualitative one its words."""
    return bool(comment.strip()) if indicator.is_qualitative else value is not None


def _dimension(parent: etree._Element, row: Disaggregation) -> None:
    if row.sex:
        _sub(parent, "dimension", {"name": "sex", "value": row.sex})
    else:
        _sub(parent, "dimension", {"name": "country", "value": row.country.code.code})


def _period(
    parent: etree._Element, indicator: Indicator, period: IndicatorPeriod, lang: str
) -> None:
    element = _sub(parent, "period")
    _sub(element, "period-start", {"iso-date": period.period_start.isoformat()})
    _sub(element, "period-end", {"iso-date": period.period_end.isoformat()})
    # The schema wants every target before the first actual.
    for field in ("target", "actual"):
        total = getattr(period, field)
        comment = getattr(period, f"{field}_comment")
        if _has_value(indicator, total, comment):
            _comment(_sub(element, field, _measured(indicator, total)), comment, lang)
        if indicator.is_qualitative:
            continue
        for row in period.iati_disaggregations:
            value = getattr(row, field)
            if value is not None:
                _dimension(_sub(element, field, _measured(indicator, value)), row)
