"""The generalisation hierarchy of the CTDC quasi-identifiers and the search for a level of each.

See ``assistance.ctdc`` for the table of levels and how they are chosen.
Values are handled as the database groups them (``release.qi_key_expression``):
the scope cell (project and country office) first, never generalised; then
year as a number, sex and age band as CTDC codes, countries as ISO 3166-1
codes, the types of exploitation as seven 0/1 characters in the order of
``layout.EXPLOITATION``; None is a value not recorded, or withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..vocabulary import AgeBand

# Records a generalisation may suppress before a coarser one is preferred.
MAX_SUPPRESSED_SHARE = 0.05

# UN M49 geoscheme: subregion -> ISO 3166-1 alpha-2 codes; then region -> subregions.
SUBREGIONS: dict[str, str] = {
    "Northern Africa": "DZ EG EH LY MA SD TN",
    "Eastern Africa": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",
    "Middle Africa": "AO CD CF CG CM GA GQ ST TD",
    "Southern Africa": "BW LS NA SZ ZA",
    "Western Africa": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "Caribbean": "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT "
    "VC VG VI",
    "Central America": "BZ CR GT HN MX NI PA SV",
    "South America": "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE",
    "Northern America": "BM CA GL PM US",
    "Central Asia": "KG KZ TJ TM UZ",
    "Eastern Asia": "CN HK JP KP KR MN MO TW",
    "South-eastern Asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "Southern Asia": "AF BD BT IN IR LK MV NP PK",
    "Western Asia": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "Eastern Europe": "BG BY CZ HU MD PL RO RU SK UA",
    "Northern Europe": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "Southern Europe": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA",
    "Western Europe": "AT BE CH DE FR LI LU MC NL",
    "Australia and New Zealand": "AU CC CX HM NF NZ",
    "Melanesia": "FJ NC PG SB VU",
    "Micronesia": "FM GU KI MH MP NR PW UM",
    "Polynesia": "AS CK NU PF PN TK TO TV WF WS",
}
REGIONS: dict[str, tuple[str, ...]] = {
    "Africa": (
        "Northern Africa",
        "Eastern Africa",
        "Middle Africa",
        "Southern Africa",
        "Western Africa",
    ),
    "Americas": ("Caribbean", "Central America", "South America", "Northern America"),
    "Asia": ("Central Asia", "Eastern Asia", "South-eastern Asia", "Southern Asia", "Western Asia"),
    "Europe": ("Eastern Europe", "Northern Europe", "Southern Europe", "Western Europe"),
    "Oceania": ("Australia and New Zealand", "Melanesia", "Micronesia", "Polynesia"),
}
OTHER_AREA = "Other"
SUBREGION_OF = {code: sub for sub, codes in SUBREGIONS.items() for code in codes.split()}
REGION_OF = {sub: region for region, subs in REGIONS.items() for sub in subs}
MINORS = {str(AgeBand.AGE_0_8), str(AgeBand.AGE_9_17)}


def majority(band: str | None) -> str | None:
    if band is None:
        return None
    return "Minor" if band in MINORS else "Adult"


def _subregion(code: str | None) -> str | None:
    return None if code is None else SUBREGION_OF.get(code, OTHER_AREA)


def _region(subregion: str | None) -> str | None:
    return None if subregion is None else REGION_OF.get(subregion, OTHER_AREA)


def _broad(flags: str | None) -> str | None:
    """Seven type flags (CTDC order) -> forced labour, sexual, any other."""
    if flags is None:
        return None
    return flags[0] + flags[1] + ("1" if "1" in flags[2:] else "0")


def _withheld(_value: Any) -> None:
    return None


@dataclass(frozen=True)
class QuasiIdentifier:
    """One quasi-identifier: its hierarchy as steps from one level to the next."""

    key: str
    label: Any
    level_labels: tuple[Any, ...]
    steps: tuple[Callable[[Any], Any], ...]

    @property
    def top(self) -> int:
        return len(self.steps)

    def at(self, value: Any, level: int) -> Any:
        for step in self.steps[:level]:
            value = step(value)
        return value


QUASI_IDENTIFIERS: tuple[QuasiIdentifier, ...] = (
    # CTDC's yearOfRegistration is a year or blank: it has no notation for a period.
    QuasiIdentifier("year", _("Year of registration"), (_("year"), _("withheld")), (_withheld,)),
    QuasiIdentifier("sex", _("Sex"), (_("as recorded"), _("withheld")), (_withheld,)),
    QuasiIdentifier(
        "age",
        _("Age"),
        (_("age band"), _("minor or adult"), _("withheld")),
        (majority, _withheld),
    ),
    QuasiIdentifier(
        "citizenship",
        _("Citizenship"),
        (_("country"), _("subregion"), _("region"), _("withheld")),
        (_subregion, _region, _withheld),
    ),
    QuasiIdentifier(
        "exploitation_country",
        _("Country of exploitation"),
        (_("country"), _("subregion"), _("region"), _("withheld")),
        (_subregion, _region, _withheld),
    ),
    QuasiIdentifier(
        "exploitation",
        _("Type of exploitation"),
        (_("each type"), _("sexual, forced labour or other"), _("withheld")),
        (_broad, _withheld),
    ),
)
QI_KEYS = tuple(qi.key for qi in QUASI_IDENTIFIERS)
# The scope cell, a (project, country office) pair: never published, never generalised.
# Counting classes within it makes every reader's share of a release k-anonymous too,
# since every reader's scope is a union of cells (see ``assistance.ctdc``).
SCOPE_CELL = QuasiIdentifier("cell", _("Project and country office"), (_("as recorded"),), ())
DIMENSIONS: tuple[QuasiIdentifier, ...] = (SCOPE_CELL, *QUASI_IDENTIFIERS)
# Tie-break between equally coarse generalisations: keep these exact first.
KEEP_FIRST = ("exploitation", "sex", "age", "exploitation_country", "citizenship", "year")
TOP_HEIGHT = sum(qi.top for qi in DIMENSIONS)


def _preference(levels: tuple[int, ...]) -> tuple:
    """Information lost (Sweeney's precision: the share of each hierarchy climbed), and
    the order of KEEP_FIRST for ties. ``levels`` are those of ``QUASI_IDENTIFIERS``."""
    loss = sum(Fraction(level, qi.top) for level, qi in zip(levels, QUASI_IDENTIFIERS, strict=True))
    return loss, tuple(levels[QI_KEYS.index(key)] for key in KEEP_FIRST)


def _lattice() -> list[list[tuple[int, ...]]]:
    """Every combination of levels (scope cell first, always 0), by number of steps."""
    by_height: list[list[tuple[int, ...]]] = [[] for _ in range(TOP_HEIGHT + 1)]
    for node in product(*(range(qi.top + 1) for qi in DIMENSIONS)):
        by_height[sum(node)].append(node)
    return by_height


class _Codes:
    """Combinations packed into one integer, a bit field per quasi-identifier.

    Rolling a combination up one level at one position is then one lookup and
    one addition, which keeps the search fast on a quarter of a million cases.
    """

    def __init__(self, combinations):
        self.ids: list[dict[Any, int]] = []
        self.deltas: list[list[list[int]]] = []
        self.shifts: list[int] = []
        self.masks: list[int] = []
        shift = 0
        for position, qi in enumerate(DIMENSIONS):
            level_values = [sorted({c[position] for c in combinations}, key=repr)]
            for step in qi.steps:
                level_values.append(sorted({step(v) for v in level_values[-1]}, key=repr))
            values = list(dict.fromkeys(v for listed in level_values for v in listed))
            ids = {value: index for index, value in enumerate(values)}
            bits = max(1, (len(values) - 1).bit_length())
            self.deltas.append(
                [
                    [
                        (ids[step(value)] - ids[value]) << shift if value in listed else 0
                        for value in values
                    ]
                    for step, listed in zip(qi.steps, [set(v) for v in level_values], strict=False)
                ]
            )
            self.ids.append(ids)
            self.shifts.append(shift)
            self.masks.append((1 << bits) - 1)
            shift += bits

    def encode(self, combination: tuple) -> int:
        return sum(
            ids[value] << shift
            for ids, value, shift in zip(self.ids, combination, self.shifts, strict=True)
        )

    def roll_up(self, counts: dict[int, int], position: int, level: int) -> dict[int, int]:
        """Class sizes one level coarser at ``position`` than ``counts`` (at ``level``)."""
        delta, shift, mask = (
            self.deltas[position][level],
            self.shifts[position],
            self.masks[position],
        )
        rolled: dict[int, int] = {}
        get = rolled.get
        for code, n in counts.items():
            up = code + delta[(code >> shift) & mask]
            rolled[up] = get(up, 0) + n
        return rolled


def choose_levels(finest: dict[tuple, int], k: int) -> tuple[int, ...]:
    """The least generalisation that keeps enough records (all withheld below k records).

    ``finest`` counts records by (scope cell, *quasi-identifiers); a class is the
    records of one cell with the same generalised values. The levels returned are
    those of ``QUASI_IDENTIFIERS``.

    Suppression only shrinks as values get coarser, so the combinations that
    pass form an up-set of the lattice: walking it one step of generalisation
    at a time, a node with a passing finer neighbour passes too and is never
    better, so only the others are counted, each from a failing finer
    neighbour's class sizes rather than from the records.
    """
    total = sum(finest.values())
    allowed = int(total * MAX_SUPPRESSED_SHARE)
    codes = _Codes(list(finest))
    passed: set[tuple[int, ...]] = set()
    candidates = []
    failing: dict[tuple[int, ...], dict[int, int]] = {}
    for height, nodes in enumerate(_lattice()):
        finer_failing, failing = failing, {}
        for node in nodes:
            finer = [
                (node[:p] + (node[p] - 1,) + node[p + 1 :], p) for p in range(len(node)) if node[p]
            ]
            if any(parent in passed for parent, _p in finer):
                passed.add(node)
                continue
            if height == 0:
                counts = {codes.encode(combination): n for combination, n in finest.items()}
            else:
                parent, p = min(finer, key=lambda item: len(finer_failing[item[0]]))
                counts = codes.roll_up(finer_failing[parent], p, parent[p])
            suppressed = sum(n for n in counts.values() if n < k)
            if suppressed <= allowed:
                passed.add(node)
                loss, order = _preference(node[1:])
                candidates.append((loss, suppressed, order, node[1:]))
            else:
                failing[node] = counts
        if not failing:
            break
    if not candidates:
        # Fewer than k records: all of them are withheld at the top, and suppressed.
        return tuple(qi.top for qi in QUASI_IDENTIFIERS)
    return min(candidates)[3]


def generalise(finest: tuple, levels: tuple[int, ...]) -> tuple:
    """A finest combination of quasi-identifiers (without the cell) at the given levels."""
    return tuple(
        qi.at(value, level)
        for qi, value, level in zip(QUASI_IDENTIFIERS, finest, levels, strict=True)
    )
