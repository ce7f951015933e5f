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
from operator import itemgetter
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
    has_text,
    open_sheet,
    text_of,
)
from .models import Attendance
from .vocabulary import Vocabulary

# The cells of a CSV file, and the text cells of a workbook.
TEXT_CELLS = {str, type(None)}


class RowChecker:
    """Turns the cells of a sheet's rows into participant values, or errors for the rows.

    The words accepted are those of ``trainings.vocabulary``, as the API accepts them.
    The rows are checked a column at a time, each column once per distinct text cell:
    most columns repeat a few values, and the outcome of a cell does not depend on its row.
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
        # (column, value's name, check of one cell), in the order the row's values and
        # errors are listed.
        self.columns: list[tuple[str, str, Callable]] = [
            *(
                (column, "full_name" if column == "name" else column, self._text(limit))
                for column, limit in TEXT_LIMITS.items()
            ),
            ("sex", "sex", self._sex),
            *((c, c, self._choice(lookup, what)) for c, lookup, what in self.choice_columns),
            *((c, c, self._country) for c in ("nationality", "country_of_work")),
            ("attended", "attended", self._attended_cell),
            *((c, c, self._score_cell(c)) for c in ("pre_score", "post_score")),
        ]
        self.order = [column for column, *_rest in self.columns]

    def check(
        self, numbers: list[int], cells: list[tuple]
    ) -> tuple[dict[str, list], dict[int, list[dict]]]:
        """The participant values of the rows as columns (by value name), and the errors of
        each row refused, in column order.

        ``cells``: the rows' cells in the order of ``self.order``; ``numbers``: their row
        numbers in the sheet. The rows are checked a column at a time.
        """
        errors: dict[int, list[dict]] = {}
        columns = zip(*cells, strict=True) if cells else [()] * len(self.columns)
        found = {}
        for (column, name, check), values in zip(self.columns, columns, strict=True):
            found[name], refused = self._outcomes(check, values)
            for index, messages in refused:
                errors.setdefault(index, []).extend(
                    error(numbers[index], column, message) for message in messages
                )
        return found, errors

    @staticmethod
    def _outcomes(
        check: Callable, values: tuple
    ) -> tuple[list[Any], list[tuple[int, tuple[str, ...]]]]:
        """The value of each cell of a column, and the messages of the cells refused (by
        position).

        A text cell's outcome follows from the text, so it is worked out once per
        distinct text; other cells (numbers and dates of a workbook) are checked each
        time, as 1 and 1.0 read differently.
        """
        distinct = set(values)
        if set(map(type, distinct)) <= TEXT_CELLS:
            results, refusals = {}, {}
            for value in distinct:
                results[value], messages = check(value, text_of(value))
                if messages:
                    refusals[value] = messages
            found = list(map(results.__getitem__, values))
            if not refusals:
                return found, []
            return found, [
                (index, refusals[value]) for index, value in enumerate(values) if value in refusals
            ]
        outcomes: dict[str | None, tuple] = {}
        found, refused = [], []
        for index, value in enumerate(values):
            if value is None or type(value) is str:
                if value not in outcomes:
                    outcomes[value] = check(value, text_of(value))
                result, messages = outcomes[value]
            else:
                result, messages = check(value, text_of(value))
            found.append(result)
            if messages:
                refused.append((index, messages))
        return found, refused

    @staticmethod
    def _text(limit: int) -> Callable[[Any, str], tuple[str, tuple[str, ...]]]:
        def check(value: Any, text: str) -> tuple[str, tuple[str, ...]]:
            if len(text) > limit:
                message = _("At most %(limit)s characters (this one has %(length)s).") % {
                    "limit": limit,
                    "length": len(text),
                }
                return text, (message,)
            return text, ()

        return check

    def _sex(self, value: Any, text: str) -> tuple[str, tuple[str, ...]]:
        sex = text.casefold()
        if not sex:
            return self.sex.get(sex, ""), (_("Give the sex: female, male or other."),)
        if sex not in self.sex:
            message = _("Unknown sex “%(value)s”; use female, male or other.") % {"value": value}
            return "", (message,)
        return self.sex[sex], ()

    @staticmethod
    def _choice(lookup: dict, what: str) -> Callable[[Any, str], tuple[str, tuple[str, ...]]]:
        def check(value: Any, text: str) -> tuple[str, tuple[str, ...]]:
            folded = text.casefold()
            if folded and folded not in lookup:
                codes = ", ".join(sorted(set(lookup.values())))
                message = _("Unknown %(what)s “%(value)s”; use one of: %(codes)s.") % {
                    "what": what,
                    "value": text,
                    "codes": codes,
                }
                return "", (message,)
            return lookup.get(folded, ""), ()

        return check

    def _country(self, value: Any, text: str) -> tuple[Any, tuple[str, ...]]:
        if not text:
            return None, ()
        country = self.countries.get(text.casefold())
        if country is None:
            message = _("Unknown country “%(value)s”; use the ISO 3166-1 two-letter code.") % {
                "value": text
            }
            return None, (message,)
        return country, ()

    def _attended_cell(self, value: Any, text: str) -> tuple[bool, tuple[str, ...]]:
        errors: list[dict] = []
        attended = self._attended(0, value, errors)
        return attended, tuple(e["message"] for e in errors)

    def _score_cell(self, column: str) -> Callable[[Any, str], tuple[Any, tuple[str, ...]]]:
        def check(value: Any, text: str) -> tuple[Any, tuple[str, ...]]:
            errors: list[dict] = []
            score = self._score(0, column, value, errors, text)
            return score, tuple(e["message"] for e in errors)

        return check

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


def person_keys(columns: dict[str, list]) -> list[tuple | None]:
    """What the register matches each person on; rows without a name are never matched."""
    # Countries are a few objects shared by the rows.
    countries = {id(c): c for c in (*columns["nationality"], *columns["country_of_work"])}
    pks = {key: getattr(country, "pk", None) for key, country in countries.items()}
    return [
        (name.casefold(), sex, pks[id(nationality)], pks[id(work)]) if name else None
        for name, sex, nationality, work in zip(
            columns["full_name"],
            columns["sex"],
            columns["nationality"],
            columns["country_of_work"],
            strict=True,
        )
    ]


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
    # Rows with more cells than the header, by the position of the next row kept (an
    # empty row is not kept but its extra cells are still reported, in row order).
    overflows: list[tuple[int, dict]] = []
    cells: list[tuple] = []
    with open_sheet(handle, fmt) as sheet:
        if not sheet.header:
            raise file_error(_("The file is empty."))
        positions = column_positions(sheet.header)
        width = _header_width(sheet.header)
        # The cells of the template's columns, in one call for a row as wide as the header.
        pick = itemgetter(*(positions[column] for column in checker.order))
        needed = max(positions.values()) + 1
        for number, row in sheet.rows:
            if len(row) >= needed:
                values = pick(row)
            else:
                values = tuple(
                    row[positions[column]] if positions[column] < len(row) else None
                    for column in checker.order
                )
            beyond = _cells_beyond(row, sheet.header, width) if len(row) > width else 0
            if beyond:
                # Cells past the header would be dropped without a word; say so instead.
                message = _(
                    "The row has %(cells)s cells but the header has %(columns)s "
                    "columns. Remove the extra cells or give them a column."
                ) % {"cells": beyond, "columns": width}
                overflows.append((len(cells), error(number, "", message)))
            if not any(map(has_text, values)):
                continue
            if len(cells) >= MAX_ROWS:
                raise file_error(
                    _("The sheet has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": f"{MAX_ROWS:,}"}
                )
            cells.append(values)
            result.numbers.append(number)
            if on_progress and len(cells) % 1000 == 0:
                on_progress(len(cells))
    columns, errors = checker.check(result.numbers, cells)
    del cells  # only the values are kept from here
    _check_people(result.numbers, columns, errors, already)
    if overflows or errors:
        overflows.append((len(result.numbers), None))  # the end
        refused = sorted(errors)
        done = 0
        for position, overflow in overflows:
            while done < len(refused) and refused[done] < position:
                result.add_errors(errors[refused[done]])
                done += 1
            if overflow is not None:
                result.add_errors([overflow])
    names = list(columns)
    result.rows = [
        dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)
    ]
    if not result.rows and not result.errors:
        raise file_error(_("The file has a header but no participant rows."))
    return result


def _check_people(
    numbers: list[int], columns: dict[str, list], errors: dict[int, list[dict]], already: set
) -> None:
    """Add to ``errors`` the rows naming a person twice or a participant already there;
    only rows without other errors are compared."""
    keys = person_keys(columns)
    for index in errors:
        keys[index] = None
    named = [key for key in keys if key is not None]
    if len(set(named)) == len(named) and already.isdisjoint(named):
        return
    seen: dict[tuple, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        number = numbers[index]
        if key in seen:
            message = _(
                "The same person as row %(row)s (same name, sex, nationality and country of work)."
            ) % {"row": seen[key]}
            errors.setdefault(index, []).append(error(number, "name", message))
        elif key in already:
            message = _("%(name)s is already a participant of this session.") % {
                "name": columns["full_name"][index]
            }
            errors.setdefault(index, []).append(error(number, "name", message))
        seen.setdefault(key, number)


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
