"""What an IATI activity file says, as plain values, and the problems found in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Problem:
    """One thing wrong with a file: which activity, which element, which line, and what."""

    message: str
    activity: str = ""
    position: int | None = None
    element: str = ""
    line: int | None = None

    def as_text(self) -> str:
        where = []
        if self.position:
            where.append(
                f"activity {self.position}" + (f" ({self.activity})" if self.activity else "")
            )
        if self.line:
            where.append(f"line {self.line}")
        if self.element:
            where.append(self.element)
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class OrganisationFacts:
    ref: str
    name: str
    type: str
    line: int | None = None
    path: str = ""


@dataclass
class TransactionFacts:
    kind: int | None
    date: datetime.date | None
    value: Decimal | None
    currency: str
    description: str
    provider: OrganisationFacts | None
    receiver: OrganisationFacts | None
    line: int | None = None


@dataclass
class BudgetFacts:
    kind: int | None
    status: int | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    value: Decimal | None
    currency: str
    value_date: datetime.date | None
    line: int | None = None


@dataclass
class PeriodFacts:
    period_start: datetime.date | None
    period_end: datetime.date | None
    target: Decimal | None = None
    actual: Decimal | None = None
    # ("sex", "female") or ("country", "EG") -> {"target": ..., "actual": ...}
    disaggregations: dict[tuple[str, str], dict[str, Decimal | None]] = field(default_factory=dict)


@dataclass
class IndicatorFacts:
    title: str
    measure: int | None
    ascending: bool = True
    baseline_year: int | None = None
    baseline_value: Decimal | None = None
    periods: list[PeriodFacts] = field(default_factory=list)


@dataclass
class ResultFacts:
    kind: int | None
    title: str
    description: str = ""
    indicators: list[IndicatorFacts] = field(default_factory=list)


@dataclass
class ActivityFacts:
    position: int
    identifier: str
    line: int | None = None
    title: str = ""
    description: str = ""
    objectives: str = ""
    target_groups: str = ""
    achievements: str = ""
    status: int | None = None
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    actual_start: datetime.date | None = None
    actual_end: datetime.date | None = None
    currency: str = ""
    reporting_org: OrganisationFacts | None = None
    participants: list[tuple[OrganisationFacts, int]] = field(default_factory=list)
    countries: list[tuple[str, Decimal, int | None]] = field(default_factory=list)
    transactions: list[TransactionFacts] = field(default_factory=list)
    budgets: list[BudgetFacts] = field(default_factory=list)
    results: list[ResultFacts] = field(default_factory=list)
    problems: list = field(default_factory=list)
