"""Pieces of the load test that need no running portal: reading forms and summing up steps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html.parser import HTMLParser

# A step passes when its 95th percentile stays under this and nothing failed.
P95_LIMIT_MS = 500


class FormParser(HTMLParser):
    """The POST forms of a page, as a browser would submit them untouched.

    Each form is a dict of field name to a list of values; single selects and
    radio and checkbox groups also keep their choices, so a caller may fill a
    required one the page left empty (see ``form_values``).
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, bool] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                self._form = {"action": attrs.get("action") or "", "fields": {}, "choices": {}}
                self.forms.append(self._form)
            return
        form = self._form
        if form is None or not attrs.get("name") and tag != "option":
            return
        name = attrs.get("name")
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                form["choices"].setdefault(name, []).append(attrs.get("value", "on"))
                form["fields"].setdefault(name, [])
                if "checked" in attrs:
                    form["fields"][name].append(attrs.get("value", "on"))
                return
            form["fields"].setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            form["fields"][name] = [""]
        elif tag == "select":
            self._select = (name, "multiple" in attrs)
            form["fields"][name] = []
            form["choices"][name] = []
        elif tag == "option" and self._select:
            name, _multiple = self._select
            value = attrs.get("value") or ""
            form["choices"][name].append(value)
            if "selected" in attrs:
                form["fields"][name].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            name, multiple = self._select
            choices = self._form["choices"][name]
            if not multiple and not self._form["fields"][name] and choices:
                self._form["fields"][name] = [choices[0]]  # what a browser sends
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea][0] += data


def post_form(html: str, field: str) -> dict:
    """The POST form of a page that has ``field`` (and a CSRF token)."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if field in form["fields"] and "csrfmiddlewaretoken" in form["fields"]:
            return form
    raise LookupError(f"no form with {field!r}")


def form_values(form: dict, *, fill: bool = False, **changes) -> list[tuple[str, str]]:
    """The pairs to post: the page's values, ``changes`` on top, and with ``fill``
    the first real choice of every select or choice group the page left empty."""
    pairs = []
    for name, values in form["fields"].items():
        if name in changes:
            values = changes[name] if isinstance(changes[name], list) else [changes[name]]
        elif fill and not any(values) and form["choices"].get(name):
            real = [choice for choice in form["choices"][name] if choice]
            values = real[:1]
        pairs.extend((name, value) for value in values)
    for name, value in changes.items():
        if name not in form["fields"]:
            pairs.append((name, value))
    return pairs


@dataclass
class Step:
    users: int
    requests: int
    seconds: float
    p95_ms: float | None
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def passed(self) -> bool:
        return self.requests > 0 and self.errors == 0 and self.p95_ms < P95_LIMIT_MS


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summarise(
    records: list[tuple[float, float, bool]], steps: list[int], step_seconds: float, settle: float
) -> list[Step]:
    """Per step of users: requests, rate, p95 and errors, leaving out the first
    ``settle`` seconds of each step (users still arriving). A record is
    (seconds since the start, response time in ms, failed)."""
    summary = []
    for index, users in enumerate(steps):
        start, end = index * step_seconds + settle, (index + 1) * step_seconds
        inside = [(ms, failed) for at, ms, failed in records if start <= at < end]
        summary.append(
            Step(
                users=users,
                requests=len(inside),
                seconds=end - start,
                p95_ms=p95([ms for ms, _ in inside]),
                errors=sum(1 for _, failed in inside if failed),
            )
        )
    return summary


def sustained(summary: list[Step]) -> Step | None:
    """The step with the most requests per second among those that passed."""
    passed = [step for step in summary if step.passed]
    return max(passed, key=lambda step: step.rps) if passed else None


def table(summary: list[Step]) -> str:
    lines = [f"{'users':>5} {'requests':>8} {'req/s':>7} {'p95 ms':>7} {'errors':>6}  verdict"]
    for step in summary:
        p95_text = f"{step.p95_ms:.0f}" if step.p95_ms is not None else "-"
        verdict = "ok" if step.passed else "over"
        lines.append(
            f"{step.users:>5} {step.requests:>8} {step.rps:>7.1f} {p95_text:>7} "
            f"{step.errors:>6}  {verdict}"
        )
    return "\n".join(lines)
