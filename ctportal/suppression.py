"""Small-cell suppression shared by every figure shown to aggregate-only viewers.

A count between 1 and the viewer's limit could single a person out, so it is
shown as "<limit+1>"; ``protect`` hides one more cell where the hidden one
could otherwise be found by subtraction from a shown total.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Cell:
    """A figure that may be hidden from aggregate-only viewers."""

    value: int | None
    limit: int
    # Hidden although not small, so that a small neighbour cannot be found by subtraction.
    hidden: bool = False

    @property
    def suppressed(self) -> bool:
        small = self.limit > 0 and self.value is not None and 0 < self.value <= self.limit
        return small or self.hidden

    @property
    def shown(self) -> int | str:
        if self.hidden:
            return "*"
        if self.suppressed:
            return f"<{self.limit + 1}"
        return self.value or 0

    def __str__(self) -> str:
        return str(self.shown)


def protect(cells: list[Cell], *, unseen: int = 0) -> list[Cell]:
    """Hide one more cell of a breakdown whose total is shown when a single one is small.

    With one small cell hidden and every other cell and the total shown, the
    hidden count is the difference. ``unseen`` is the part of the total not in
    ``cells`` (e.g. people of another sex), itself a hidden cell when small.
    """
    limit = max((cell.limit for cell in cells), default=0)
    hidden = [c for c in cells if c.suppressed]
    if limit and 0 < unseen <= limit:
        hidden.append(Cell(unseen, limit))
    shown = [c for c in cells if not c.suppressed and c.value]
    if len(hidden) == 1 and shown:
        min(shown, key=lambda cell: cell.value).hidden = True
    return cells
