"""Reading an IATI 2.03 activity file into plain values, with every problem found.

The file is parsed without a DTD, entities or network, and refused when it
declares a document type at all. Each ``iati-activity`` becomes an
:class:`~projects.iati_import.facts.ActivityFacts`; anything the portal cannot
keep faithfully (an unknown code, a value it has no field for) is a
:class:`~projects.iati_import.facts.Problem` naming the activity, the element
and its line. Nothing here reads the database.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

import pycountry
from django.utils.translation import gettext as _
from lxml import etree

from projects import iati, iati_rules
from projects.models import (
    BudgetKind,
    BudgetStatus,
    IndicatorMeasure,
    OrganisationRole,
    ProjectStatus,
    ResultKind,
    Sex,
    TransactionKind,
    one_year_after,
)

from .facts import (
    ActivityFacts,
    BudgetFacts,
    IndicatorFacts,
    OrganisationFacts,
    PeriodFacts,
    Problem,
    ResultFacts,
    TransactionFacts,
)

ACTIVITY_PATH = re.compile(r"^/iati-activities/iati-activity(?:\[(\d+)\])?")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")
# Codes of the IATI codelists the portal reads; values outside them are unknown.
ORGANISATION_TYPES = {"10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71",
                      "72", "73", "80", "90"}  # fmt: skip
TRANSACTION_TYPES = {str(code) for code in range(1, 14)}
RESULT_TYPES = {"1", "2", "3", "9"}
MEASURES = {"1", "2", "3", "4", "5"}
# Lengths of the portal's fields, checked here so the report names the element.
TITLE_LENGTH = 255
DESCRIPTION_LENGTH = 255
ORGANISATION_NAME_LENGTH = 255
ORGANISATION_REF_LENGTH = 64
IDENTIFIER_LENGTH = 128


def parse(content: bytes) -> tuple[etree._Element | None, list[Problem]]:
    """The root of a well-formed iati-activities 2.03 document, or the problems of the file."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.fromstring(content, parser).getroottree()  # noqa: S320 - entities, DTDs and network are off
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        return None, [
            Problem(_("The file is not well-formed XML: %(error)s") % {"error": exc.msg}, line=line)
        ]
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [
            Problem(_("The file declares a document type (DOCTYPE); IATI files have none."), line=1)
        ]
    root = tree.getroot()
    if root.tag != "iati-activities":
        return None, [
            Problem(
                _(
                    "The file is not an IATI activity file: its root element is “%(tag)s”, "
                    "not “iati-activities”."
                )
                % {"tag": root.tag},
                element=f"/{root.tag}",
                line=root.sourceline,
            )
        ]
    version = root.get("version", "")
    if version != iati.IATI_VERSION:
        return None, [
            Problem(
                _(
                    "The file is IATI version “%(version)s”; only version %(expected)s "
                    "can be imported."
                )
                % {"version": version, "expected": iati.IATI_VERSION},
                element="/iati-activities/@version",
                line=root.sourceline,
            )
        ]
    if root.find("iati-activity") is None:
        return None, [
            Problem(
                _("The file has no iati-activity."),
                element="/iati-activities",
                line=root.sourceline,
            )
        ]
    return root, []


def standard_problems(content: bytes) -> list[Problem]:
    """Errors against the IATI 2.03 schema, ruleset and codelists, each tied to its activity."""
    problems = []
    for finding in iati_rules.check_activities(content):
        if not finding.is_error:
            continue
        match = ACTIVITY_PATH.match(finding.path or "")
        position = (int(match.group(1) or 1)) if match else None
        problems.append(
            Problem(
                _("Not valid IATI 2.03 (%(rule)s): %(message)s")
                % {"rule": finding.rule, "message": finding.message},
                activity=finding.activity,
                position=position,
                element=finding.path,
                line=finding.line,
            )
        )
    return problems


class ActivityReader:
    """Turns one iati-activity element into facts, collecting problems on the way."""

    def __init__(self, element: etree._Element, position: int):
        self.element = element
        self.tree = element.getroottree()
        self.position = position
        self.problems: list[Problem] = []
        self.identifier = (element.findtext("iati-identifier") or "").strip()
        self.lang = element.get(XML_LANG, "")
        self.default_currency = element.get("default-currency", "")

    # Reporting -----------------------------------------------------------------
    def problem(self, element: etree._Element, message: str, attribute: str = "") -> None:
        path = self.tree.getpath(element) + (f"/@{attribute}" if attribute else "")
        self.problems.append(
            Problem(
                message,
                activity=self.identifier,
                position=self.position,
                element=path,
                line=element.sourceline,
            )
        )

    # Values --------------------------------------------------------------------
    def narrative(self, element: etree._Element | None, limit: int | None = None) -> str:
        """The narrative in the activity's language (or with none), else the first."""
        if element is None:
            return ""
        narratives = element.findall("narrative")
        chosen = next((n for n in narratives if n.get(XML_LANG, self.lang) == self.lang), None)
        if chosen is None and narratives:
            chosen = narratives[0]
        text = (chosen.text or "").strip() if chosen is not None else ""
        if limit and len(text) > limit:
            self.problem(
                chosen,
                _("At most %(limit)s characters are kept here (this text has %(length)s).")
                % {"limit": limit, "length": len(text)},
            )
        return text

    def date(
        self, element: etree._Element | None, attribute: str = "iso-date"
    ) -> datetime.date | None:
        if element is None or not element.get(attribute):
            return None
        raw = element.get(attribute).strip()
        try:
            return datetime.date.fromisoformat(raw[:10])
        except ValueError:
            self.problem(
                element, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}, attribute
            )
            return None

    def amount(
        self, element: etree._Element, raw: str | None, attribute: str = ""
    ) -> Decimal | None:
        try:
            value = Decimal((raw or "").strip())
        except InvalidOperation:
            self.problem(
                element, _("“%(value)s” is not a number.") % {"value": raw or ""}, attribute
            )
            return None
        if not value.is_finite():
            self.problem(element, _("“%(value)s” is not a number.") % {"value": raw}, attribute)
            return None
        if abs(value) > MAX_AMOUNT or value != value.quantize(CENT):
            self.problem(
                element,
                _("“%(value)s” has more than two decimals or is too large to keep.")
                % {"value": raw},
                attribute,
            )
            return None
        return value

    def money(
        self, element: etree._Element | None
    ) -> tuple[Decimal | None, str, datetime.date | None]:
        """Value, currency and value date of a ``value`` element; never a negative amount."""
        if element is None:
            return None, "", None
        value = self.amount(element, element.text)
        if value is not None and value < 0:
            self.problem(
                element, _("Negative amounts (%(value)s) cannot be kept.") % {"value": value}
            )
            value = None
        currency = self.currency(element, element.get("currency") or self.default_currency)
        return value, currency, self.date(element, "value-date")

    def currency(self, element: etree._Element, code: str, attribute: str = "currency") -> str:
        if not code:
            self.problem(
                element, _("No currency: give @currency here or @default-currency on the activity.")
            )
            return ""
        if pycountry.currencies.get(alpha_3=code.upper()) is None or code != code.upper():
            self.problem(
                element,
                _("Unknown currency “%(code)s”; use an ISO 4217 code such as USD.")
                % {"code": code},
                attribute,
            )
            return ""
        return code

    def code(
        self,
        element: etree._Element,
        attribute: str,
        choices,
        what: str,
        *,
        known: set[str] | None = None,
        default: str = "",
    ) -> int | None:
        """An integer code the portal keeps, or a problem saying why not."""
        raw = (element.get(attribute) or default).strip()
        valid = {str(int(value)) for value in choices.values}
        if raw in valid:
            return int(raw)
        if known is not None and raw in known:
            message = _(
                "%(what)s code “%(code)s” is valid IATI but the portal does not keep it; "
                "it keeps %(codes)s."
            )
        else:
            message = _("Unknown %(what)s code “%(code)s”; use one of %(codes)s.")
        self.problem(
            element,
            message % {"what": what, "code": raw, "codes": ", ".join(sorted(valid, key=int))},
            attribute,
        )
        return None

    def organisation(self, element: etree._Element | None) -> OrganisationFacts | None:
        if element is None:
            return None
        ref = (element.get("ref") or "").strip()
        name = self.narrative(element, ORGANISATION_NAME_LENGTH)
        kind = (element.get("type") or "").strip()
        if not ref and not name:
            return None
        if len(ref) > ORGANISATION_REF_LENGTH:
            self.problem(
                element,
                _("Organisation identifiers have at most %(limit)s characters.")
                % {"limit": ORGANISATION_REF_LENGTH},
                "ref",
            )
        if kind and kind not in ORGANISATION_TYPES:
            self.problem(
                element, _("Unknown organisation type “%(code)s”.") % {"code": kind}, "type"
            )
            kind = ""
        return OrganisationFacts(
            ref=ref, name=name, type=kind, line=element.sourceline, path=self.tree.getpath(element)
        )

    # The activity --------------------------------------------------------------
    def read(self) -> ActivityFacts:
        a = self.element
        identifier = a.find("iati-identifier")
        if not self.identifier:
            self.problem(
                a if identifier is None else identifier, _("The activity has no iati-identifier.")
            )
        elif len(self.identifier) > IDENTIFIER_LENGTH:
            self.problem(
                identifier,
                _("An iati-identifier has at most %(limit)s characters here.")
                % {"limit": IDENTIFIER_LENGTH},
            )
        if self.default_currency:
            self.currency(a, self.default_currency, "default-currency")
        facts = ActivityFacts(position=self.position, identifier=self.identifier, line=a.sourceline)
        facts.currency = self.default_currency
        facts.reporting_org = self.organisation(a.find("reporting-org"))
        if facts.reporting_org is None:
            self.problem(a, _("The activity has no reporting organisation."))
        facts.title = self.narrative(a.find("title"), TITLE_LENGTH)
        if not facts.title:
            self.problem(
                a.find("title") if a.find("title") is not None else a,
                _("The activity has no title."),
            )
        texts: dict[str, list[str]] = {}
        for description in a.iterfind("description"):
            texts.setdefault(description.get("type", "1"), []).append(self.narrative(description))
        facts.description = "\n\n".join(t for t in texts.get("1", []) if t)
        facts.objectives = "\n".join(t for t in texts.get("2", []) if t)
        facts.target_groups = "\n".join(t for t in texts.get("3", []) if t)
        facts.achievements = "\n".join(t for t in texts.get("4", []) if t)
        status = a.find("activity-status")
        if status is not None:
            facts.status = self.code(status, "code", ProjectStatus, _("activity status"))
        self._dates(facts)
        self._participants(facts)
        self._countries(facts)
        for element in a.iterfind("transaction"):
            facts.transactions.append(self._transaction(element))
        for element in a.iterfind("budget"):
            facts.budgets.append(self._budget(element))
        for element in a.iterfind("result"):
            facts.results.append(self._result(element))
        if not facts.currency:
            facts.currency = next(
                (t.currency for t in facts.transactions + facts.budgets if t.currency), ""
            )
        facts.problems = self.problems
        return facts

    def _dates(self, facts: ActivityFacts) -> None:
        found: dict[str, datetime.date | None] = {}
        for element in self.element.iterfind("activity-date"):
            kind = element.get("type", "")
            if kind not in {"1", "2", "3", "4"}:
                self.problem(
                    element,
                    _("Unknown activity date type “%(code)s”; use 1 to 4.") % {"code": kind},
                    "type",
                )
                continue
            found[kind] = self.date(element)
        facts.actual_start, facts.actual_end = found.get("2"), found.get("4")
        facts.planned_start = found.get("1") or facts.actual_start
        facts.planned_end = found.get("3") or facts.actual_end
        if facts.planned_start is None:
            self.problem(
                self.element, _("The activity has no start date (activity-date of type 1 or 2).")
            )
        if facts.planned_end is None:
            self.problem(
                self.element, _("The activity has no end date (activity-date of type 3 or 4).")
            )
        if facts.planned_start and facts.planned_end and facts.planned_end < facts.planned_start:
            self.problem(self.element, _("The planned end is before the planned start."))
        if facts.actual_start and facts.actual_end and facts.actual_end < facts.actual_start:
            self.problem(self.element, _("The actual end is before the actual start."))

    def _participants(self, facts: ActivityFacts) -> None:
        for element in self.element.iterfind("participating-org"):
            role = self.code(element, "role", OrganisationRole, _("organisation role"))
            organisation = self.organisation(element)
            if organisation is None:
                self.problem(element, _("A participating organisation needs a @ref or a name."))
            elif role is not None:
                facts.participants.append((organisation, role))

    def _countries(self, facts: ActivityFacts) -> None:
        elements = self.element.findall("recipient-country")
        for element in elements:
            code = (element.get("code") or "").strip()
            if pycountry.countries.get(alpha_2=code) is None:
                self.problem(
                    element,
                    _("Unknown country code “%(code)s”; use ISO 3166-1 alpha-2.") % {"code": code},
                    "code",
                )
                continue
            raw = element.get("percentage")
            if raw is None:
                if len(elements) > 1:
                    self.problem(
                        element,
                        _("Give a percentage for each of several recipient countries."),
                        "percentage",
                    )
                    continue
                percentage = Decimal("100")
            else:
                percentage = self.amount(element, raw, "percentage")
                if percentage is None:
                    continue
                if not Decimal("0") < percentage <= Decimal("100"):
                    self.problem(
                        element, _("A percentage is more than 0 and at most 100."), "percentage"
                    )
                    continue
            facts.countries.append((code, percentage, element.sourceline))
        if facts.countries and len(facts.countries) == len(elements):
            total = sum((p for _code, p, _line in facts.countries), Decimal("0"))
            if total != Decimal("100"):
                self.problem(
                    elements[0],
                    _("Recipient country percentages add up to %(total)s; they must add up to 100.")
                    % {"total": format(total.normalize(), "f")},
                )

    def _transaction(self, element: etree._Element) -> TransactionFacts:
        kind_element = element.find("transaction-type")
        kind = None
        if kind_element is not None:
            kind = self.code(
                kind_element,
                "code",
                TransactionKind,
                _("transaction type"),
                known=TRANSACTION_TYPES,
            )
        day_element = element.find("transaction-date")
        day = self.date(day_element)
        value, currency, _value_date = self.money(element.find("value"))
        description = self.narrative(element.find("description"), DESCRIPTION_LENGTH)
        return TransactionFacts(
            kind=kind,
            date=day,
            value=value,
            currency=currency,
            description=description,
            provider=self.organisation(element.find("provider-org")),
            receiver=self.organisation(element.find("receiver-org")),
            line=element.sourceline,
        )

    def _budget(self, element: etree._Element) -> BudgetFacts:
        kind = self.code(element, "type", BudgetKind, _("budget type"), default="1")
        status = self.code(element, "status", BudgetStatus, _("budget status"), default="1")
        start, end = self.date(element.find("period-start")), self.date(element.find("period-end"))
        value, currency, value_date = self.money(element.find("value"))
        if start and end and end < start:
            self.problem(element, _("The budget period ends before it starts."))
        elif start and end and end >= one_year_after(start):
            self.problem(element, _("A budget period may not be longer than one year."))
        return BudgetFacts(
            kind=kind,
            status=status,
            period_start=start,
            period_end=end,
            value=value,
            currency=currency,
            value_date=value_date or start,
            line=element.sourceline,
        )

    def _result(self, element: etree._Element) -> ResultFacts:
        kind = self.code(element, "type", ResultKind, _("result type"), known=RESULT_TYPES)
        result = ResultFacts(
            kind=kind,
            title=self.narrative(element.find("title"), TITLE_LENGTH),
            description=self.narrative(element.find("description")),
        )
        for indicator in element.iterfind("indicator"):
            result.indicators.append(self._indicator(indicator))
        return result

    def _indicator(self, element: etree._Element) -> IndicatorFacts:
        measure = self.code(
            element, "measure", IndicatorMeasure, _("indicator measure"), known=MEASURES
        )
        indicator = IndicatorFacts(
            title=self.narrative(element.find("title"), TITLE_LENGTH),
            measure=measure,
            ascending=element.get("ascending", "1") not in {"0", "false"},
        )
        baseline = element.find("baseline")
        if baseline is not None:
            year = (baseline.get("year") or "").strip()
            if year.isdigit() and 1900 <= int(year) <= 2100:
                indicator.baseline_year = int(year)
            else:
                self.problem(baseline, _("“%(value)s” is not a year.") % {"value": year}, "year")
            if baseline.get("value") not in (None, ""):
                indicator.baseline_value = self.amount(baseline, baseline.get("value"), "value")
        for period in element.iterfind("period"):
            indicator.periods.append(self._period(period))
        return indicator

    def _period(self, element: etree._Element) -> PeriodFacts:
        period = PeriodFacts(
            period_start=self.date(element.find("period-start")),
            period_end=self.date(element.find("period-end")),
        )
        if period.period_start and period.period_end and period.period_end < period.period_start:
            self.problem(element, _("The period ends before it starts."))
        for field in ("target", "actual"):
            for measured in element.iterfind(field):
                raw = measured.get("value")
                value = self.amount(measured, raw, "value") if raw not in (None, "") else None
                dimensions = measured.findall("dimension")
                if not dimensions:
                    if getattr(period, field) is not None:
                        self.problem(
                            measured,
                            _("A period has one %(field)s in total; this is a second one.")
                            % {"field": field},
                        )
                    setattr(period, field, value)
                    continue
                key = self._dimension(dimensions)
                if key is not None:
                    period.disaggregations.setdefault(key, {})[field] = value
        return period

    def _dimension(self, dimensions: list[etree._Element]) -> tuple[str, str] | None:
        if len(dimensions) > 1:
            self.problem(
                dimensions[1], _("Values broken down by several dimensions at once are not kept.")
            )
            return None
        dimension = dimensions[0]
        name, value = dimension.get("name", ""), dimension.get("value", "")
        if name == "sex" and value in Sex.values:
            return ("sex", value)
        if name == "country" and pycountry.countries.get(alpha_2=value) is not None:
            return ("country", value)
        self.problem(
            dimension,
            _(
                "Breakdown “%(name)s = %(value)s” is not kept; the portal keeps sex "
                "(female, male, other) and country (ISO code)."
            )
            % {"name": name, "value": value},
        )
        return None


def read_activities(content: bytes) -> tuple[list[ActivityFacts], list[Problem]]:
    """Every activity of a file as facts, and the problems of the file and of each activity."""
    root, problems = parse(content)
    if root is None:
        return [], problems
    activities, own = [], []
    for position, element in enumerate(root.iterfind("iati-activity"), 1):
        facts = ActivityReader(element, position).read()
        activities.append(facts)
        own.extend(facts.problems)
    # A code the standard rejects is reported once, with the portal's advice on what to use.
    problems = [
        found
        for found in standard_problems(content)
        if not any(
            mine.line == found.line and mine.element.startswith(f"{found.element}/@")
            for mine in own
        )
    ]
    problems.extend(own)
    seen: dict[str, int] = {}
    for facts in activities:
        if facts.identifier and facts.identifier in seen:
            problems.append(
                Problem(
                    _("This iati-identifier is also the one of activity %(first)s.")
                    % {"first": seen[facts.identifier]},
                    activity=facts.identifier,
                    position=facts.position,
                    element=f"/iati-activities/iati-activity[{facts.position}]/iati-identifier",
                    line=facts.line,
                )
            )
        seen.setdefault(facts.identifier, facts.position)
    return activities, problems
