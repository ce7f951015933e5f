"""What every benchmark shares: portal time against a floor, query counts, growth with size.

The machine that runs ``make bench`` is rarely idle, so a time alone says little.
Each figure is therefore measured next to its *floor*: one hand-written SQL
statement that returns the same answer, timed in the same run, interleaved with
the portal's own samples so that both see the same load. The ratio
portal/floor is the figure that stays meaningful from one machine to another.

Each benchmark also runs at a quarter of its size; the *growth exponent*
``log(t_full / t_quarter) / log(4)`` says how time grows with the data: 0 is
constant (an indexed page), 1 is linear (a full count), above 1 is a defect.

Use from a bench module::

    from tests.bench import harness

    @pytest.mark.django_db
    @pytest.mark.parametrize("scale", harness.SCALES, ids=harness.scale_id)
    def test_lists(scale):
        data = load(size=round(FULL * scale))
        run = harness.Run("portfolio", scale)
        run.add(harness.measure_get(client, "API projects, page 1", "admin", path, 20,
                                    floor=harness.Floor(SQL, [50, 0])))
        run.add(harness.measure_call("import", "admin", call, 1, floor=copy_floor))
        run.report(data["counts"], load_seconds)   # the table; at full size also the growth
        run.check(max_ratio=1.5, max_exponent=1.1)  # the figures out of bounds, to assert on

``Floor`` is SQL text with parameters, or any callable (e.g. a COPY). The
scales come from ``BENCH_SCALES`` (default ``0.25,1``; ``BENCH_SCALES=1`` skips
the quarter size). Runs of one name are kept in this module, so the full size
must run after the quarter size in the same pytest session (``-p no:randomly``,
which ``make bench`` passes).
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

SCALES: tuple[float, ...] = tuple(
    sorted(float(s) for s in os.environ.get("BENCH_SCALES", "0.25,1").split(",") if s.strip())
)


def scale_id(scale: float) -> str:
    return "full" if scale == 1 else f"x{scale:g}"


@dataclass
class Figure:
    """One measured read or write. The first seven fields keep their historical order."""

    label: str
    user: str
    status: str
    queries: int | None = None
    median_ms: float | None = None
    p95_ms: float | None = None
    size_kb: float | None = None
    floor_ms: float | None = None
    floor_p95_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def ratio(self) -> float | None:
        if self.median_ms is None or not self.floor_ms:
            return None
        return self.median_ms / self.floor_ms

    @property
    def key(self) -> tuple[str, str]:
        return self.label, self.user


@dataclass
class Floor:
    """The hand-written answer: SQL text and parameters, or a callable doing the same work."""

    sql: str | Callable[[], object]
    params: Sequence | dict | None = None

    def __call__(self) -> object:
        if callable(self.sql):
            return self.sql()
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return cursor.fetchall()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def count_queries(call: Callable[[], object]) -> tuple[int, object]:
    """The number of queries one call makes, and what it returned."""
    # A full query log (9,000 entries, e.g. after creating the test database)
    # would make every count zero.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def sample(
    call: Callable[[], object], repetitions: int, floor: Callable[[], object] | None = None
) -> tuple[list[float], list[float]]:
    """Samples of the call and of its floor, alternated so both see the same load."""
    call()  # warm-up: connection, templates and caches
    if floor is not None:
        floor()
    samples, floor_samples = [], []
    for _ in range(max(1, repetitions)):
        samples.append(timed(call))
        if floor is not None:
            floor_samples.append(timed(floor))
    return samples, floor_samples


def time_samples(call: Callable[[], object], repetitions: int) -> list[float]:
    """Milliseconds of ``repetitions`` calls after one warm-up call."""
    return sample(call, repetitions)[0]


def figure_from(
    label: str,
    user: str,
    queries: int,
    samples: list[float],
    floor_samples: list[float],
    size_kb: float | None = None,
) -> Figure:
    return Figure(
        label,
        user,
        "ok",
        queries,
        statistics.median(samples),
        p95(samples),
        size_kb,
        statistics.median(floor_samples) if floor_samples else None,
        p95(floor_samples) if floor_samples else None,
    )


def measure_get(
    client: Client,
    label: str,
    user: str,
    path: str,
    repetitions: int,
    floor: Callable[[], object] | None = None,
) -> Figure:
    """A GET through the whole stack (middleware, access, rendering); missing pages reported."""
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return Figure(label, user, "no such page yet")

    def get():
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    count, (status, body) = count_queries(get)
    if status != 200:
        return Figure(label, user, f"HTTP {status}", queries=count)
    samples, floor_samples = sample(get, repetitions, floor)
    return figure_from(label, user, count, samples, floor_samples, len(body) / 1024)


def measure_call(
    label: str,
    user: str,
    call: Callable[[], tuple[bytes, object]],
    repetitions: int,
    floor: Callable[[], object] | None = None,
) -> Figure:
    """A Python call returning ``(content, anything)``; content's size is reported."""
    count, (content, _result) = count_queries(call)
    samples, floor_samples = sample(call, repetitions, floor)
    return figure_from(label, user, count, samples, floor_samples, len(content) / 1024)


def measure_once(
    label: str,
    user: str,
    call: Callable[[], object],
    floor: Callable[[], object] | None = None,
) -> tuple[Figure, object]:
    """A call that can only run once (a write): one sample, its floor timed right after."""
    started = time.perf_counter()
    count, result = count_queries(call)
    elapsed = (time.perf_counter() - started) * 1000
    floor_samples = [timed(floor)] if floor is not None else []
    return figure_from(label, user, count, [elapsed], floor_samples), result


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def print_rows(rows: list[tuple[str, ...]], left: int = 2) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if i < left else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print()


def print_table(figures: list[Figure], counts: dict, load_seconds: float) -> None:
    """Median, p95, floor and ratio of each figure, after one line on the data loaded."""
    loaded = ", ".join(f"{value:,} {name}" for name, value in counts.items())
    print(f"\n\nLoaded in {load_seconds:.1f} s: {loaded}")
    print(f"Database: {connection.vendor} {getattr(connection, 'pg_version', '')}", end="")
    print(f"; load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}\n")
    header = ("what", "as", "queries", "median ms", "p95 ms", "floor ms", "ratio", "KiB", "note")
    rows = [header]
    for fig in figures:
        rows.append(
            (
                fig.label,
                fig.user,
                "" if fig.queries is None else str(fig.queries),
                _fmt(fig.median_ms),
                _fmt(fig.p95_ms),
                _fmt(fig.floor_ms),
                "" if fig.ratio is None else f"{fig.ratio:.2f}x",
                _fmt(fig.size_kb),
                "" if fig.ok else fig.status,
            )
        )
    print_rows(rows)


def exponent(small_ms: float | None, full_ms: float | None, factor: float) -> float | None:
    """How time grows with size: t ∝ size ** exponent, from two sizes ``factor`` apart."""
    if not small_ms or not full_ms or factor <= 1:
        return None
    return math.log(full_ms / small_ms) / math.log(factor)


@dataclass
class Growth:
    label: str
    user: str
    portal: float | None
    floor: float | None


# name -> scale -> figures; filled by Run.report so the full size can look back.
_RUNS: dict[str, dict[float, list[Figure]]] = {}


@dataclass
class Run:
    """The figures of one benchmark at one scale, and their growth against a smaller scale."""

    name: str
    scale: float = 1.0
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def growth(self) -> list[Growth]:
        """Exponents against the smallest scale already reported under this name."""
        earlier = {s: figs for s, figs in _RUNS.get(self.name, {}).items() if s < self.scale}
        if not earlier:
            return []
        small = min(earlier)
        before = {fig.key: fig for fig in earlier[small]}
        factor = self.scale / small
        rows = []
        for fig in self.figures:
            old = before.get(fig.key)
            if old is None or not fig.ok or not old.ok:
                continue
            rows.append(
                Growth(
                    fig.label,
                    fig.user,
                    exponent(old.median_ms, fig.median_ms, factor),
                    exponent(old.floor_ms, fig.floor_ms, factor),
                )
            )
        return rows

    def report(self, counts: dict, load_seconds: float) -> None:
        print(f"\n\n{self.name} at {scale_id(self.scale)} size")
        print_table(self.figures, counts, load_seconds)
        growth = self.growth()
        if growth:
            small = min(s for s in _RUNS[self.name] if s < self.scale)
            sizes = f"{scale_id(small)} to {scale_id(self.scale)}"
            print(f"{self.name}: growth exponent of time, {sizes}")
            rows = [("what", "as", "portal", "floor")]
            for g in growth:
                rows.append((g.label, g.user, _fmt(g.portal, 2), _fmt(g.floor, 2)))
            print_rows(rows)
        _RUNS.setdefault(self.name, {})[self.scale] = list(self.figures)

    def check(
        self, *, max_ratio: float | None = None, max_exponent: float | None = None
    ) -> list[str]:
        """The figures outside the bounds given, as readable lines (empty when all are in)."""
        problems = [f"{fig.label} ({fig.user}): {fig.status}" for fig in self.figures if not fig.ok]
        if max_ratio is not None:
            problems += [
                f"{fig.label} ({fig.user}): {fig.ratio:.2f}x the floor"
                for fig in self.figures
                if fig.ratio is not None and fig.ratio > max_ratio
            ]
        if max_exponent is not None:
            problems += [
                f"{g.label} ({g.user}): grows as size ** {g.portal:.2f}"
                for g in self.growth()
                if g.portal is not None and g.portal > max_exponent
            ]
        return problems
