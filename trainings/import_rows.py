"""Checking the rows of an attendance sheet: codes, countries, scores and duplicates.

Each row becomes the values ``trainings.services.attendances_bulk_add`` takes,
or errors naming the row as the spreadsheet numbers it, the column and what is
wrong. The whole sheet is checked before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .imports import (
    MAX_ERRORS,
    MAX_ROWS,
    TEXT_LIMITS,
    column_positions,
    error,
    file_error,
    open_sheet,
    text_of,
)
from .models import Attendance
from .vocabulary import Vocabulary


class RowChecker:
    """Turns the cells of one row into participant values, or errors for that row.

    The words accepted are those of ``trainings.vocabulary``, as the API accepts them.
    """

    def __init__(self) -> None:
        vocabulary = Vocabulary()
        self.vocabulary = vocabulary
        self.sex = vocabulary.sex
        self.age_band = vocabulary.age_band
        self.institution_type = vocabulary.institution_type
        self.countries = vocabulary.countries
        # Named once: the same words for every row.
        self.choice_columns = (
            ("age_band", self.age_band, _("age band")),
            ("institution_type", self.institution_type, _("institution type")),
        )

    def check(
        self, number: int, cells: dict[str, Any], texts: dict[str, str] | None = None
    ) -> tuple[dict[str, Any], list[dict]]:
        """``texts``: each cell as ``text_of`` gives it, when the caller has them already."""
        if texts is None:
            texts = {column: text_of(value) for column, value in cells.items()}
        errors: list[dict] = []
        row: dict[str, Any] = {}
        for column, limit in TEXT_LIMITS.items():
            value = texts.get(column, "")
            if len(value) > limit:
                errors.append(
                    error(
                        number,
                        column,
                        _("At most %(limit)s characters (this one has %(length)s).")
                        % {"limit": limit, "length": len(value)},
                    )
                )
            row["full_name" if column == "name" else column] = value
        sex = texts.get("sex", "").casefold()
        if not sex:
            errors.append(error(number, "sex", _("Give the sex: female, male or other.")))
        elif sex not in self.sex:
            errors.append(
                error(
                    number,
                    "sex",
                    _("Unknown sex “%(value)s”; use female, male or other.")
                    % {"value": cells.get("sex")},
                )
            )
        row["sex"] = self.sex.get(sex, "")
        for column, lookup, what in self.choice_columns:
            value = texts.get(column, "").casefold()
            row[column] = lookup.get(value, "")
            if value and value not in lookup:
                codes = ", ".join(sorted(set(lookup.values())))
                errors.append(
                    error(
                        number,
                        column,
                        _("Unknown %(what)s “%(value)s”; use one of: %(codes)s.")
                        % {"what": what, "value": texts.get(column, ""), "codes": codes},
                    )
                )
        for column in ("nationality", "country_of_work"):
            value = texts.get(column, "")
            row[column] = self.countries.get(value.casefold()) if value else None
            if value and row[column] is None:
                errors.append(
                    error(
                        number,
                        column,
                        _("Unknown country “%(value)s”; use the ISO 3166-1 two-letter code.")
                        % {"value": value},
                    )
                )
        row["attended"] = self._attended(number, cells.get("attended"), errors)
        for column in ("pre_score", "post_score"):
            row[column] = self._score(
                number, column, cells.get(column), errors, texts.get(column, "")
            )
        return row, errors

    @staticmethod
    def _attended(number: int, value: Any, errors: list[dict]) -> bool:
        known = Vocabulary.attended(value)
        if known is not None:
            return known
        errors.append(
            error(
                number,
                "attended",
                _("Write yes or no (“%(value)s” is neither).") % {"value": value},
            )
        )
        return True

    @staticmethod
    def _score(
        number: int, column: str, value: Any, errors: list[dict], text: str | None = None
    ) -> Decimal | None:
        text = (text_of(value) if text is None else text).rstrip("%").strip()
        if not text:
            return None
        try:
            score = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
        except InvalidOperation:
            score = None
        if score is None or not score.is_finite():
            errors.append(
                error(number, column, _("“%(value)s” is not a number.") % {"value": value})
            )
            return None
        if score < 0:
            errors.append(error(number, column, _("A score cannot be negative.")))
            return None
        if score > 100:
            errors.append(error(number, column, _("A score must be between 0 and 100.")))
            return None
        return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def person_key(row: dict[str, Any]) -> tuple | None:
    """What the register matches a person on; rows without a name are never matched."""
    if not row["full_name"]:
        return None
    return (
        row["full_name"].casefold(),
        row["sex"],
        getattr(row["nationality"], "pk", None),
        getattr(row["country_of_work"], "pk", None),
    )


@dataclass
class CheckedSheet:
    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    def add_errors(self, errors: list[dict]) -> None:
        self.error_count += len(errors)
        room = MAX_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def summed_errors(self) -> list[dict]:
        hidden = self.error_count - len(self.errors)
        if hidden <= 0:
            return self.errors
        return [
            *self.errors,
            error(None, "", _("…and %(count)s more problems.") % {"count": f"{hidden:,}"}),
        ]


def _header_width(header: list) -> int:
    """Columns the header names: spreadsheets pad it with empty cells on the right."""
    width = len(header)
    while width and not text_of(header[width - 1]):
        width -= 1
    return width


def _cells_beyond(cells: tuple, header: list, width: int) -> int:
    """The row's cell count when it has more cells than the header, else 0.

    A CSV row counts every delimited cell; an XLSX row, which the reader pads to
    the sheet's widest row, counts up to its last filled cell.
    """
    filled = len(cells)
    while filled > width and not text_of(cells[filled - 1]):
        filled -= 1
    if len(cells) > len(header):
        return len(cells)
    return filled if filled > width else 0


def check_sheet(
    handle: IO[bytes],
    fmt: str,
    *,
    session,
    on_progress: Callable[[int], None] | None = None,
) -> CheckedSheet:
    """Read and check every row; raises ValidationError for problems of the whole file."""
    checker = RowChecker()
    already = _participant_keys(session)
    result = CheckedSheet()
    seen: dict[tuple, int] = {}
    with open_sheet(handle, fmt) as sheet:
        if not sheet.header:
            raise file_error(_("The file is empty."))
        positions = column_positions(sheet.header)
        width = _header_width(sheet.header)
        for number, cells in sheet.rows:
            values = {name: cells[i] if i < len(cells) else None for name, i in positions.items()}
            beyond = _cells_beyond(cells, sheet.header, width)
            if beyond:
                # Cells past the header would be dropped without a word; say so instead.
                result.add_errors(
                    [
                        error(
                            number,
                            "",
                            _(
                                "The row has %(cells)s cells but the header has %(columns)s "
                                "columns. Remove the extra cells or give them a column."
                            )
                            % {"cells": beyond, "columns": width},
                        )
                    ]
                )
            texts = {name: text_of(value) for name, value in values.items()}
            if not any(texts.values()):
                continue
            if len(result.rows) >= MAX_ROWS:
                raise file_error(
                    _("The sheet has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": f"{MAX_ROWS:,}"}
                )
            row, errors = checker.check(number, values, texts)
            key = person_key(row)
            if key is not None and not errors:
                if key in seen:
                    errors.append(
                        error(
                            number,
                            "name",
                            _(
                                "The same person as row %(row)s (same name, sex, nationality "
                                "and country of work)."
                            )
                            % {"row": seen[key]},
                        )
                    )
                elif key in already:
                    errors.append(
                        error(
                            number,
                            "name",
                            _("%(name)s is already a participant of this session.")
                            % {"name": row["full_name"]},
                        )
                    )
                seen.setdefault(key, number)
            result.add_errors(errors)
            result.rows.append(row)
            result.numbers.append(number)
            if on_progress and len(result.rows) % 1000 == 0:
                on_progress(len(result.rows))
    if not result.rows and not result.errors:
        raise file_error(_("The file has a header but no participant rows."))
    return result


def _participant_keys(session) -> set[tuple]:
    people = (
        Attendance.objects.filter(session=session)
        .exclude(person__full_name="")
        .values_list(
            "person__full_name", "person__sex", "person__nationality", "person__country_of_work"
        )
    )
    return {(name.casefold(), sex, nat, work) for name, sex, nat, work in people}


def errors_from_service(exc: ValidationError, numbers: list[int]) -> list[dict]:
    """A service's ``rows[i].field`` errors, named by the sheet's row numbers."""
    pattern = re.compile(r"^rows\[(\d+)\](?:\.(\w+))?$")
    found = []
    for key, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        match = pattern.match(key)
        row = numbers[int(match.group(1))] if match and int(match.group(1)) < len(numbers) else None
        column = (match.group(2) or "") if match else ("" if key == "__all__" else key)
        column = "name" if column == "full_name" else column
        found.extend(error(row, column, message) for message in messages)
    return found
