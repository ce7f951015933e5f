"""Checks an iati-activities document the way IATI's validator does, offline.

Three layers, all read from ``standards/iati-2.03`` inside the repository:
the XSD, every rule of the IATI Standard Ruleset, and the codelist of every
coded attribute (through the standard's codelist mapping). Organisation
identifiers are checked against the OrganisationRegistrationAgency prefixes.

The public API is :class:`Finding`, :func:`check_activities`,
:func:`has_errors` and :func:`organisation_identifier_problem`.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from .iati import STANDARD_DIR, activities_schema

ERROR = "error"
WARNING = "warning"
RULESET_FILE = STANDARD_DIR / "rulesets" / "standard.json"
CODELIST_DIR = STANDARD_DIR / "codelists"
MAPPING_FILE = CODELIST_DIR / "codelist-mapping.xml"
# Files that add items to a codelist shipped in another file (same ``name``).
ADDITIONS_SUFFIX = "-additions"
# A budget period, for instance, may not be longer than a year (time_limit).
MAX_PERIOD_DAYS = 366
# prefix (registration agency code) then the identifier the agency gave.
ORG_ID = re.compile(r"^(?P<prefix>[A-Z]{2}-[A-Z0-9]+)-(?P<local>\S+)$")


@dataclass(frozen=True)
class Finding:
    """One problem of a file: which activity, where, which rule, how bad, and what."""

    activity: str
    path: str
    rule: str
    severity: str
    message: str
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def has_errors(findings: list[Finding]) -> bool:
    """Whether any finding stops the file from being published."""
    return any(finding.is_error for finding in findings)


# -- the standard's files ------------------------------------------------------


@dataclass(frozen=True)
class Codelist:
    name: str
    codes: frozenset[str]
    complete: bool


@cache
def codelists() -> dict[str, Codelist]:
    """Every vendored codelist by name, additions merged in, parsed once per process."""
    codes: dict[str, set[str]] = {}
    complete: dict[str, bool] = {}
    for path in sorted(CODELIST_DIR.glob("*.xml")):
        if path == MAPPING_FILE:
            continue
        root = etree.parse(str(path)).getroot()
        name = root.get("name")
        codes.setdefault(name, set()).update(
            code.strip() for code in root.xpath("//codelist-item/code/text()")
        )
        if not path.stem.endswith(ADDITIONS_SUFFIX):
            complete[name] = root.get("complete", "1") == "1"
    return {
        name: Codelist(name, frozenset(values), complete.get(name, True))
        for name, values in codes.items()
    }


@dataclass(frozen=True)
class Mapping:
    path: str
    codelist: str
    condition: str | None


@cache
def codelist_mapping() -> tuple[Mapping, ...]:
    """Which attribute takes which codelist, for activity files."""
    root = etree.parse(str(MAPPING_FILE)).getroot()
    mappings = []
    for mapping in root.iter("mapping"):
        path = mapping.findtext("path").strip()
        if path.startswith("//iati-organisation"):
            continue
        mappings.append(
            Mapping(
                path,
                mapping.find("codelist").get("ref"),
                (mapping.findtext("condition") or "").strip() or None,
            )
        )
    return tuple(mappings)


def skipped_codelists() -> list[str]:
    """Codelists the mapping names that are not vendored, so not checked."""
    known = codelists()
    return sorted({m.codelist for m in codelist_mapping() if m.codelist not in known})


@cache
def ruleset() -> dict:
    """The IATI Standard Ruleset: ``{context xpath: {rule type: {"cases": [...]}}}``."""
    return json.loads(Path(RULESET_FILE).read_text(encoding="utf-8"))


def organisation_identifier_problem(value: str) -> str | None:
    """Why ``value`` is not an IATI organisation identifier, or None when it is one.

    An identifier is ``<registration agency prefix>-<identifier>``, the prefix
    a code of the OrganisationRegistrationAgency codelist (``XM-DAC-47066``,
    ``GB-COH-123``); it may not contain ``/ & | ?``.
    """
    value = (value or "").strip()
    if not value:
        return _("An organisation identifier is required.")
    if re.search(r"[/&|?]", value):
        return _("An organisation identifier may not contain / & | or ?.")
    match = ORG_ID.match(value)
    agencies = codelists()["OrganisationRegistrationAgency"].codes
    if match is None or match["prefix"] not in agencies:
        return _(
            "“%(value)s” does not start with a registration agency prefix of the IATI "
            "OrganisationRegistrationAgency codelist (for example XM-DAC-47066 or GB-COH-123)."
        ) % {"value": value}
    return None


# -- the checks ------------------------------------------------------------------


def check_activities(content: bytes) -> list[Finding]:
    """Every problem of an iati-activities document: XSD, ruleset, codelists, identifiers."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(content, parser)  # noqa: S320 - entities and network are off
    except etree.XMLSyntaxError as error:
        return [Finding("", "/", "xml", ERROR, str(error), error.lineno)]
    tree = document.getroottree()
    findings = _schema_findings(document, tree)
    findings += _ruleset_findings(document, tree)
    findings += _codelist_findings(document, tree)
    findings += _identifier_findings(document, tree)
    return findings


def _activity_of(element: etree._Element) -> str:
    for ancestor in element.iterancestors("iati-activity"):
        return (ancestor.findtext("iati-identifier") or "").strip()
    if element.tag == "iati-activity":
        return (element.findtext("iati-identifier") or "").strip()
    return ""


def _finding(
    tree: etree._ElementTree,
    element: etree._Element,
    rule: str,
    message: str,
    severity: str = ERROR,
) -> Finding:
    return Finding(
        _activity_of(element), tree.getpath(element), rule, severity, message, element.sourceline
    )


def _schema_findings(document: etree._Element, tree: etree._ElementTree) -> list[Finding]:
    schema = activities_schema()
    if schema.validate(document):
        return []
    findings = []
    for error in schema.error_log:
        elements = document.xpath(error.path) if error.path else []
        element = elements[0] if elements and isinstance(elements[0], etree._Element) else None
        findings.append(
            Finding(
                _activity_of(element) if element is not None else "",
                error.path or "",
                "xsd",
                ERROR,
                error.message,
                error.line,
            )
        )
    return findings


# Each rule type takes (element, case) and yields messages of what is wrong.
RuleCheck = Callable[[etree._Element, dict], Iterator[str]]


def _values(element: etree._Element, path: str) -> list[str]:
    """Strings at a relative xpath: attribute values, or an element's text."""
    found = element.xpath(path)
    if not isinstance(found, list):
        return [str(found)]
    values = []
    for item in found:
        if isinstance(item, etree._Element):
            values.append(item.get("iso-date") or (item.text or "").strip())
        else:
            values.append(str(item).strip())
    return values


def _paths(case: dict) -> list[str]:
    return list(case.get("paths", []))


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def _count(element: etree._Element, paths: list[str]) -> int:
    return sum(len(element.xpath(path)) for path in paths)


def _no_more_than_one(element, case):
    if _count(element, _paths(case)) > 1:
        yield _("No more than one of %(paths)s may be given.") % {"paths": ", ".join(_paths(case))}


def _atleast_one(element, case):
    """One of ``paths`` is given; paths with one parent (``owner-org/@ref``,
    ``owner-org/narrative``) ask it of each such parent, when there is one."""
    parents = {path.rpartition("/")[0] for path in _paths(case)}
    parent = parents.pop() if len(parents) == 1 else ""
    if parent:
        steps = [path.rpartition("/")[2] for path in _paths(case)]
        for found in element.xpath(parent):
            if not any(found.xpath(step) for step in steps):
                yield _("Each %(parent)s needs one of %(steps)s.") % {
                    "parent": parent,
                    "steps": ", ".join(steps),
                }
                return
        return
    if _count(element, _paths(case)) == 0:
        yield _("At least one of %(paths)s is required.") % {"paths": ", ".join(_paths(case))}


def _dependent(element, case):
    present = [path for path in _paths(case) if element.xpath(path)]
    if present and len(present) != len(_paths(case)):
        missing = [path for path in _paths(case) if path not in present]
        yield _("%(present)s needs %(missing)s as well.") % {
            "present": ", ".join(present),
            "missing": ", ".join(missing),
        }


def _sum(element, case, strict: bool = False):
    values = [value for path in _paths(case) for value in _values(element, path)]
    if not values:
        return
    numbers = [_decimal(value) for value in values]
    if None in numbers:
        yield _("%(paths)s must be numbers.") % {"paths": ", ".join(_paths(case))}
        return
    total = sum(numbers, Decimal("0"))
    expected = Decimal(str(case["sum"]))
    if (total != expected) if strict else abs(total - expected) > Decimal("0.01"):
        yield _("%(paths)s add up to %(total)s, not %(expected)s.") % {
            "paths": ", ".join(_paths(case)),
            "total": total,
            "expected": expected,
        }


def _strict_sum(element, case):
    yield from _sum(element, case, strict=True)


def _date_order(element, case):
    today = timezone.localdate()
    less = [_date(value) for value in _values(element, case["less"])]
    if case["more"] == "NOW":
        for day in less:
            if day and day > today:
                yield _("%(path)s (%(date)s) must not be in the future.") % {
                    "path": case["less"],
                    "date": day,
                }
        return
    more = [_date(value) for value in _values(element, case["more"])]
    for first in filter(None, less):
        for second in filter(None, more):
            if first > second:
                yield _("%(less)s (%(first)s) must not be after %(more)s (%(second)s).") % {
                    "less": case["less"],
                    "first": first,
                    "more": case["more"],
                    "second": second,
                }


def _date_now(element, case):
    now = timezone.now()
    for value in _values(element, case["date"]):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            continue
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        if moment > now:
            yield _("%(path)s (%(value)s) must not be in the future.") % {
                "path": case["date"],
                "value": value,
            }


def _time_limit(element, case):
    starts = [_date(value) for value in _values(element, case["start"])]
    ends = [_date(value) for value in _values(element, case["end"])]
    for start, end in zip(starts, ends, strict=False):
        if start and end and (end - start).days >= MAX_PERIOD_DAYS:
            yield _("The period from %(start)s to %(end)s is longer than a year.") % {
                "start": start,
                "end": end,
            }


def _between_dates(element, case):
    start = next(filter(None, map(_date, _values(element, case["start"]))), None)
    end = next(filter(None, map(_date, _values(element, case["end"]))), None)
    for day in filter(None, map(_date, _values(element, case["date"]))):
        if (start and day < start) or (end and day > end):
            yield _("%(path)s (%(date)s) is outside %(start)s – %(end)s.") % {
                "path": case["date"],
                "date": day,
                "start": start,
                "end": end,
            }


def _regex_matches(element, case):
    pattern = re.compile(case["regex"])
    for path in _paths(case):
        for value in _values(element, path):
            if not pattern.fullmatch(value):
                yield _("%(path)s (“%(value)s”) does not match %(regex)s.") % {
                    "path": path,
                    "value": value,
                    "regex": case["regex"],
                }


def _regex_no_matches(element, case):
    pattern = re.compile(case["regex"])
    for path in _paths(case):
        for value in _values(element, path):
            if pattern.search(value):
                yield _("%(path)s (“%(value)s”) must not match %(regex)s.") % {
                    "path": path,
                    "value": value,
                    "regex": case["regex"],
                }


def _startswith(element, case):
    prefixes = [value for value in _values(element, case["prefix"]) if value]
    separator = case.get("separator", "")
    for value in _values(element, case["start"]):
        if prefixes and not any(value.startswith(prefix + separator) for prefix in prefixes):
            yield _("%(path)s (“%(value)s”) must start with %(prefix)s.") % {
                "path": case["start"],
                "value": value,
                "prefix": " or ".join(prefixes),
            }


def _unique(element, case):
    seen = set()
    for path in _paths(case):
        for value in _values(element, path):
            if value in seen:
                yield _("“%(value)s” is given more than once in %(paths)s.") % {
                    "value": value,
                    "paths": ", ".join(_paths(case)),
                }
            seen.add(value)


def _range(element, case):
    low = Decimal(str(case["min"])) if "min" in case else None
    high = Decimal(str(case["max"])) if "max" in case else None
    for path in _paths(case):
        for value in _values(element, path):
            number = _decimal(value)
            if number is None or (low is not None and number < low):
                yield _("%(path)s (%(value)s) is below %(min)s or not a number.") % {
                    "path": path,
                    "value": value,
                    "min": low,
                }
            elif high is not None and number > high:
                yield _("%(path)s (%(value)s) is above %(max)s.") % {
                    "path": path,
                    "value": value,
                    "max": high,
                }


def _if_then(element, case):
    if element.xpath(f"boolean({xpath_of(case['if'])})") and not element.xpath(
        f"boolean({xpath_of(case['then'])})"
    ):
        yield _("When %(if)s, %(then)s must hold.") % {"if": case["if"], "then": case["then"]}


# The ruleset writes the xml:lang attribute as ``@xml-lang`` and ``@lang``.
_LANG_SPELLINGS = re.compile(r"@(?:xml-)?lang\b")
# Where each attribute or element named by ``all`` of one_or_all is expected.
_ONE_OR_ALL_TARGETS = {
    "lang": (".//narrative", "@xml:lang"),
    "currency": (".//value | .//loan-status | .//forecast", "@currency"),
    "sector": ("transaction", "sector"),
}


def xpath_of(expression: str) -> str:
    """A ruleset xpath made evaluable: its spellings of ``xml:lang`` become ``@xml:lang``."""
    return _LANG_SPELLINGS.sub("@xml:lang", expression)


def _one_or_all(element, case):
    """``one`` is given on the element, or else every place of ``all`` gives it."""
    if element.xpath(xpath_of(case["one"])):
        return
    targets, needed = _ONE_OR_ALL_TARGETS.get(case["all"], (case["all"], f"@{case['all']}"))
    missing = [target for target in element.xpath(targets) if not target.xpath(needed)]
    if missing:
        yield _("%(one)s is not given, so every %(tag)s needs %(needed)s (%(count)s do not).") % {
            "one": case["one"],
            "tag": missing[0].tag,
            "needed": needed,
            "count": len(missing),
        }


def _only_one_of(element, case):
    """With any ``excluded`` given, no ``paths``; without, exactly one of ``paths`` given."""
    excluded = [path for path in case.get("excluded", []) if element.xpath(path)]
    present = [path for path in _paths(case) if element.xpath(path)]
    if excluded and present:
        yield _("%(present)s may not be given as well as %(excluded)s.") % {
            "present": ", ".join(present),
            "excluded": ", ".join(excluded),
        }
    elif not excluded and len(present) != 1:
        yield _("Neither %(excluded)s is given, so exactly one of %(paths)s is required.") % {
            "paths": ", ".join(_paths(case)),
            "excluded": ", ".join(case.get("excluded", [])),
        }


def _substituted(case: dict, keys: list[str], value: str) -> dict:
    def sub(item):
        if isinstance(item, list):
            return [sub(part) for part in item]
        return item.replace("$1", value) if isinstance(item, str) else item

    return {key: sub(item) if key in keys else item for key, item in case.items()}


def _loop(element, case):
    """Run the rules of ``do`` once per distinct value of ``foreach``, ``$1`` replaced."""
    values = dict.fromkeys(value for value in _values(element, case["foreach"]) if value)
    keys = list(case.get("subs", []))
    for value in values:
        for rule_type, body in case["do"].items():
            check = RULE_TYPES.get(rule_type)
            if check is None:
                yield _("The rule type %(type)s is not checked.") % {"type": rule_type}
                continue
            for inner in body["cases"]:
                yield from _checked(check, element, _substituted(inner, keys, value))


def _no_percent(element, case):
    for path in _paths(case):
        for value in _values(element, path):
            if "%" in value:
                yield _("%(path)s (“%(value)s”) must be a number without a %% sign.") % {
                    "path": path,
                    "value": value,
                }


def _checked(check: RuleCheck, element: etree._Element, case: dict) -> Iterator[str]:
    """Messages of one case; a case whose ``condition`` is false does not apply."""
    condition = case.get("condition")
    if condition and not element.xpath(f"boolean({xpath_of(condition)})"):
        return
    yield from check(element, case)


RULE_TYPES: dict[str, RuleCheck] = {
    "no_more_than_one": _no_more_than_one,
    "atleast_one": _atleast_one,
    "dependent": _dependent,
    "sum": _sum,
    "strict_sum": _strict_sum,
    "date_order": _date_order,
    "date_now": _date_now,
    "time_limit": _time_limit,
    "between_dates": _between_dates,
    "regex_matches": _regex_matches,
    "regex_no_matches": _regex_no_matches,
    "startswith": _startswith,
    "unique": _unique,
    "range": _range,
    "if_then": _if_then,
    "one_or_all": _one_or_all,
    "only_one_of": _only_one_of,
    "loop": _loop,
    "no_percent": _no_percent,
}


def rule_id(context: str, rule_type: str, number: int, prefix: str = "") -> str:
    """A stable name for a case of the ruleset, which gives rules no id of its own."""
    return f"{prefix}{context.lstrip('/')}/{rule_type}/{number}"


def run_ruleset(
    document: etree._Element,
    rules: dict,
    tree: etree._ElementTree | None = None,
    prefix: str = "",
) -> list[Finding]:
    """Findings of ``rules`` (the ruleset's JSON shape) over a parsed document.

    A case may carry its own ``message``, said instead of the generic one.
    """
    tree = tree or document.getroottree()
    findings = []
    for context, by_type in rules.items():
        elements = document.xpath(context)
        for rule_type, body in by_type.items():
            check = RULE_TYPES.get(rule_type)
            if check is None:
                findings.append(
                    Finding(
                        "",
                        context,
                        rule_id(context, rule_type, 0, prefix),
                        WARNING,
                        _("The rule type %(type)s is not checked.") % {"type": rule_type},
                    )
                )
                continue
            for number, case in enumerate(body["cases"], start=1):
                name = rule_id(context, rule_type, number, prefix)
                for element in elements:
                    for message in _checked(check, element, case):
                        text = _(case["message"]) if "message" in case else message
                        findings.append(_finding(tree, element, name, text))
    return findings


def _ruleset_findings(document: etree._Element, tree: etree._ElementTree) -> list[Finding]:
    return run_ruleset(document, ruleset(), tree)


def _codelist_findings(document: etree._Element, tree: etree._ElementTree) -> list[Finding]:
    known = codelists()
    findings = []
    for mapping in codelist_mapping():
        codelist = known.get(mapping.codelist)
        if codelist is None:
            continue
        for value in document.xpath(mapping.path):
            parent = value.getparent()
            if mapping.condition and not parent.xpath(f"boolean({mapping.condition})"):
                continue
            code = str(value).strip()
            if code in codelist.codes:
                continue
            attribute = mapping.path.rsplit("/", 1)[-1]
            findings.append(
                _finding(
                    tree,
                    parent,
                    f"codelist/{mapping.codelist}",
                    _("%(attribute)s “%(code)s” is not a code of the %(codelist)s codelist.")
                    % {"attribute": attribute, "code": code, "codelist": mapping.codelist},
                    ERROR if codelist.complete else WARNING,
                )
            )
    return findings


IDENTIFIER_PATHS = (
    ("//reporting-org", ERROR),
    ("//participating-org[@ref]", WARNING),
    ("//provider-org[@ref]", WARNING),
    ("//receiver-org[@ref]", WARNING),
)


def _identifier_findings(document: etree._Element, tree: etree._ElementTree) -> list[Finding]:
    findings = []
    for path, severity in IDENTIFIER_PATHS:
        for element in document.xpath(path):
            problem = organisation_identifier_problem(element.get("ref", ""))
            if problem:
                rule = f"org-id/{element.tag}"
                findings.append(_finding(tree, element, rule, problem, severity))
    return findings
