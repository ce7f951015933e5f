"""Anonymised case records in the layout of the Counter Trafficking Data Collaborative (CTDC).

One row per victim, from the cases a user may count (``Case.objects.counted_for``)
whose victim consented to sharing anonymised data. No reference, identity,
office, project or date finer than the year leaves this module.

The rows are k-anonymous with k = 11 over the quasi-identifiers, the values
someone who knows a victim could know: year of registration, sex, age band,
citizenship, country of exploitation and type of exploitation. Every
combination of their published values is shared by at least 11 rows; the
other columns (means of control, sector of forced labour, recruiter relation)
are kept as CTDC has them.

Generalisation hierarchy (level 0 is the value as recorded; "withheld" leaves
the cell empty, like a missing value in CTDC):

================================  ============  ==================  ============  ========
quasi-identifier (CTDC column)    level 0       level 1             level 2       level 3
================================  ============  ==================  ============  ========
yearOfRegistration                year          five-year period    withheld
                                                ("2015--2019")
gender                            as recorded   withheld
ageBroad / majorityStatus         CTDC band     minor or adult      withheld
                                                (ageBroad empty)
citizenship                       ISO 3166-1    UN M49 subregion    UN M49 region  withheld
CountryOfExploitation             ISO 3166-1    UN M49 subregion    UN M49 region  withheld
is... / typeOfExploitConcatenated each type     sexual, forced      withheld
                                                labour or other
                                                (the other four
                                                ``is...`` empty,
                                                ``isOtherExploit``
                                                = any of them)
================================  ============  ==================  ============  ========

When the type of exploitation is withheld, so are the ``typeOfLabour...``
columns, which would tell forced labour apart.

Choosing the generalisation (full-domain, as in Samarati's method; the
search is in ``ctdc_hierarchy``): one level per quasi-identifier for the
whole file. Among the combinations of levels that suppress at most
``MAX_SUPPRESSED_SHARE`` (5%) of the records, the one that loses least
information wins (Sweeney's precision: the share of each hierarchy climbed,
summed); ties go to the fewest suppressed records, then to keeping
exploitation, sex and age exact before the countries and the year. Rows
whose combination still appears fewer than k times are then suppressed.
With fewer than k consenting cases the result is empty.

The counting is one grouped query and the rows stream from one more, which
leaves out the suppressed combinations in the database: two queries for 100
or 250,000 cases. Rows come in the order of the random case reference,
which says nothing about when or where a victim was registered.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case as CaseWhen
from django.db.models import CharField, Count, Func, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractYear

from .ctdc_hierarchy import QI_KEYS, QUASI_IDENTIFIERS, choose_levels, generalise, majority
from .models import Case
from .vocabulary import (
    ExploitationType,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    age_band,
    age_band_expression,
    flag_field,
)

K = 11
CHUNK_SIZE = 2000
LEVELS_CACHE_SECONDS = 60 * 60
AGE, EXPLOITATION_LEVEL = QI_KEYS.index("age"), QI_KEYS.index("exploitation")

# CTDC's order of the exploitation types, and their names in typeOfExploitConcatenated.
EXPLOITATION = (
    (ExploitationType.FORCED_LABOUR, "Forced labour"),
    (ExploitationType.SEXUAL, "Sexual exploitation"),
    (ExploitationType.OTHER, "Other"),
    (ExploitationType.FORCED_MARRIAGE, "Forced marriage"),
    (ExploitationType.FORCED_MILITARY, "Forced military"),
    (ExploitationType.ORGAN_REMOVAL, "Organ removal"),
    (ExploitationType.SLAVERY, "Slavery and similar practices"),
)
EXPLOITATION_CODES = tuple(str(code) for code, _name in EXPLOITATION)
EXPLOITATION_NAMES = {str(code): name for code, name in EXPLOITATION}
# Level 1 keeps forced labour and sexual exploitation; the rest become "other".
BROAD_TYPES = ("Forced labour", "Sexual exploitation", "Other")


def _words(code: str, prefix: str) -> str:
    """``typeOfLabourMiningOrDrilling`` -> ``Mining or drilling`` (CTDC's concatenated names)."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", code.removeprefix(prefix)).split()
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else ""


MEANS = tuple(str(code) for code in MeansOfControl.values)
LABOUR = tuple(str(code) for code in LabourSector.values)
RECRUITERS = tuple(str(code) for code in RecruiterRelation.values)
MEANS_NAMES = {code: _words(code, "meansOfControl") for code in MEANS}
LABOUR_NAMES = {code: _words(code, "typeOfLabour") for code in LABOUR}

COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    *EXPLOITATION_CODES,
    "typeOfExploitConcatenated",
    *MEANS,
    "meansOfControlConcatenated",
    *LABOUR,
    "typeOfLabourConcatenated",
    *RECRUITERS,
)
# The columns a k-anonymity check groups on: every published trace of a quasi-identifier.
QUASI_IDENTIFIER_COLUMNS: tuple[str, ...] = COLUMNS[: 6 + len(EXPLOITATION_CODES) + 1]


@dataclass(frozen=True)
class Plan:
    """How one set of cases is published: the level of each quasi-identifier and what is cut."""

    levels: dict[str, int]
    total: int
    suppressed: int
    # Finest combinations (``qi_key`` values) left out, or, when shorter, the ones kept.
    suppressed_keys: frozenset[str] = field(default_factory=frozenset)
    kept_keys: frozenset[str] | None = None

    @property
    def published(self) -> int:
        return self.total - self.suppressed


def coarser(levels: dict[str, int]) -> list[tuple[Any, Any]]:
    """(quasi-identifier, level) labels of what a plan made coarser than recorded."""
    return [
        (qi.label, qi.level_labels[levels[qi.key]])
        for qi in QUASI_IDENTIFIERS
        if levels.get(qi.key, 0) > 0
    ]


def sharable_cases(user) -> QuerySet:
    """The cases a user may count whose victim consented to sharing anonymised data."""
    return Case.objects.counted_for(user).filter(consent_share_data=True)


def _flag_text(name: str) -> CaseWhen:
    return CaseWhen(When(**{name: True}, then=Value("1")), default=Value("0"))


class Joined(Func):
    """Strings joined with ``||``, flat: a nested CONCAT of this many parts overflows SQLite."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = CharField()


def qi_key_expression() -> Joined:
    """The finest combination of quasi-identifiers as one string, e.g. ``2019|Female|...``.

    Every part is text and never NULL (blank fields hold "").
    """
    separator = Value("|")
    return Joined(
        Cast(ExtractYear("identification_date"), CharField()),
        separator,
        "sex",
        separator,
        age_band_expression(),
        separator,
        "citizenship",
        separator,
        "country_of_exploitation",
        separator,
        *(_flag_text(flag_field(code)) for code in EXPLOITATION_CODES),
    )


def _parse(key: str) -> tuple:
    year, sex, band, citizenship, country, flags = key.split("|")
    return (int(year), sex or None, band or None, citizenship or None, country or None, flags)


def _levels(finest: dict[tuple, int], k: int) -> tuple[int, ...]:
    """``choose_levels``, remembered for the same class sizes (API pages ask again and again)."""
    listed = "\n".join(f"{key!r}={n}" for key, n in sorted(finest.items(), key=repr))
    digest = hashlib.blake2b(f"{k}\n{listed}".encode(), digest_size=16).hexdigest()
    key = f"ctdc-levels:{digest}"
    levels = cache.get(key)
    if levels is None:
        levels = choose_levels(finest, k)
        cache.set(key, levels, LEVELS_CACHE_SECONDS)
    return tuple(levels)


def plan_for(cases: QuerySet, k: int = K) -> Plan:
    """Decide the generalisation and the suppressed combinations for ``cases`` (one query)."""
    rows = cases.annotate(qi_key=qi_key_expression()).values_list("qi_key").annotate(n=Count("pk"))
    keyed: dict[str, int] = dict(rows.order_by())
    total = sum(keyed.values())
    if total < k:
        top = {qi.key: qi.top for qi in QUASI_IDENTIFIERS}
        return Plan(levels=top, total=total, suppressed=total, kept_keys=frozenset())
    parsed = {key: _parse(key) for key in keyed}
    levels = _levels({parsed[key]: n for key, n in keyed.items()}, k)
    classes = {key: generalise(parsed[key], levels) for key in keyed}
    sizes: dict[tuple, int] = defaultdict(int)
    for key, n in keyed.items():
        sizes[classes[key]] += n
    cut = {key for key in keyed if sizes[classes[key]] < k}
    suppressed = sum(keyed[key] for key in cut)
    named = dict(zip(QI_KEYS, levels, strict=True))
    # The shorter list goes to the database.
    if len(cut) <= len(keyed) - len(cut):
        return Plan(named, total, suppressed, suppressed_keys=frozenset(cut))
    return Plan(named, total, suppressed, kept_keys=frozenset(set(keyed) - cut))


ROW_FIELDS = (
    "identification_date",
    "sex",
    "age_at_identification",
    "citizenship",
    "country_of_exploitation",
    *(flag_field(code) for code in EXPLOITATION_CODES),
    *(flag_field(code) for code in MEANS),
    "labour_sector",
    "recruiter_relation",
)


def published_cases(cases: QuerySet, plan: Plan) -> QuerySet:
    """The values of the cases that are published under ``plan``, in reference order."""
    if plan.kept_keys is not None and not plan.kept_keys:
        return cases.none().values_list(*ROW_FIELDS)
    queryset = cases.annotate(qi_key=qi_key_expression())
    if plan.kept_keys is not None:
        queryset = queryset.filter(qi_key__in=sorted(plan.kept_keys))
    elif plan.suppressed_keys:
        queryset = queryset.exclude(qi_key__in=sorted(plan.suppressed_keys))
    # The reference is random: row order reveals neither date nor office.
    return queryset.order_by("reference").values_list(*ROW_FIELDS)


def _flags(values, codes) -> list[int]:
    return [1 if value else 0 for value in values[: len(codes)]]


def _names(flags: list, codes, names: dict) -> str | None:
    joined = ";".join(names[code] for code, flag in zip(codes, flags, strict=True) if flag)
    return joined or None


def ctdc_row(values: tuple, levels: tuple[int, ...]) -> list:
    """One published row (a list in ``COLUMNS`` order) from a ``ROW_FIELDS`` tuple."""
    day, sex, age, citizenship, country = values[:5]
    n_types = len(EXPLOITATION_CODES)
    type_flags = values[5 : 5 + n_types]
    means = _flags(values[5 + n_types : 5 + n_types + len(MEANS)], MEANS)
    sector, recruiter = values[-2], values[-1]
    year, sex, band, citizenship, country, exploitation = generalise(
        (
            day.year,
            sex or None,
            age_band(age) or None,
            citizenship or None,
            country or None,
            "".join("1" if flag else "0" for flag in type_flags),
        ),
        levels,
    )
    level = levels[EXPLOITATION_LEVEL]
    if exploitation is None:
        types: list = [None] * n_types
        type_names = None
    elif level == 0:
        types = [int(flag) for flag in exploitation]
        type_names = _names(types, EXPLOITATION_CODES, EXPLOITATION_NAMES)
    else:
        types = [int(exploitation[0]), int(exploitation[1]), int(exploitation[2])]
        type_names = _names(types, BROAD_TYPES, {name: name for name in BROAD_TYPES})
        types += [None] * (n_types - 3)
    if exploitation is None:
        labour: list = [None] * len(LABOUR)
    elif type_flags[0]:
        labour = [int(sector == code) for code in LABOUR] if sector else [None] * len(LABOUR)
    else:
        labour = [0] * len(LABOUR)
    if recruiter:
        recruiters: list = [int(recruiter == code) for code in RECRUITERS]
    else:
        recruiters = [None] * len(RECRUITERS)
    return [
        year,
        sex,
        band if levels[AGE] == 0 else None,
        majority(band) if levels[AGE] == 0 else band,
        citizenship,
        country,
        *types,
        type_names,
        *means,
        _names(means, MEANS, MEANS_NAMES),
        *labour,
        _names(labour, LABOUR, LABOUR_NAMES) if any(labour) else None,
        *recruiters,
    ]


def anonymised_rows(cases: QuerySet, plan: Plan) -> Iterator[list]:
    """Every published row under ``plan``, streamed in chunks."""
    levels = tuple(plan.levels[key] for key in QI_KEYS)
    for values in published_cases(cases, plan).iterator(chunk_size=CHUNK_SIZE):
        yield ctdc_row(values, levels)


@contextmanager
def consistent_read() -> Iterator[None]:
    """One snapshot for the counting and the rows: no case added, changed or withdrawn
    in between can land in a class the plan did not check.

    PostgreSQL's default isolation gives each statement its own snapshot, so a
    new transaction asks for REPEATABLE READ; within an outer transaction (tests,
    nested services) the caller's isolation applies.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


@contextmanager
def anonymised_records(user) -> Iterator[tuple[Plan, Iterator[list]]]:
    """The plan and the rows of everything the user may count, anonymised.

    A context manager: the rows must be read before it closes, in its snapshot.
    """
    with consistent_read():
        cases = sharable_cases(user)
        plan = plan_for(cases)
        yield plan, anonymised_rows(cases, plan)
