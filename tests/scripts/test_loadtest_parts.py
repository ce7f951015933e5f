"""The load test's pieces that need no running portal (make loadtest runs the rest)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from loadtest_parts import Step, form_values, post_form, summarise, sustained, table  # noqa: E402

PAGE = """
<form method="get" action="/search/"><input name="q" value="x"></form>
<form method="post" action="">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="text" name="title" value="Old &amp; tired">
  <select name="country"><option value="">---</option><option value="7">Jordan</option></select>
  <select name="kind"><option value="a">A</option><option value="b" selected>B</option></select>
  <select name="partners" multiple>
    <option value="1">P1</option><option value="2">P2</option>
  </select>
  <input type="checkbox" name="audiences" value="3">
  <input type="checkbox" name="audiences" value="4" checked>
  <input type="checkbox" name="topics_tags" value="9">
  <input type="radio" name="mode" value="people" checked><input type="radio" name="mode" value="n">
  <textarea name="description">Line one
line two</textarea>
  <input type="submit" name="save" value="Save">
</form>
"""


def test_post_form_reads_what_a_browser_would_send():
    form = post_form(PAGE, "title")
    assert form_values(form) == [
        ("csrfmiddlewaretoken", "tok"),
        ("title", "Old & tired"),
        ("country", ""),
        ("kind", "b"),
        ("audiences", "4"),
        ("mode", "people"),
        ("description", "Line one\nline two"),
    ]


def test_form_values_changes_fields_and_fills_empty_choices():
    form = post_form(PAGE, "title")
    pairs = form_values(form, fill=True, description="New", extra="1")
    assert ("description", "New") in pairs and ("extra", "1") in pairs
    assert ("country", "7") in pairs  # the first real choice, not "---"
    assert ("partners", "1") in pairs and ("topics_tags", "9") in pairs
    assert ("kind", "b") in pairs and ("audiences", "3") not in pairs


def test_post_form_without_the_field_says_so():
    with pytest.raises(LookupError):
        post_form(PAGE, "budget")


def test_summarise_counts_each_step_after_it_settles():
    records = [
        (1.0, 900.0, False),  # still settling: left out
        (3.0, 100.0, False),
        (4.0, 120.0, False),
        (12.0, 300.0, False),
        (13.0, 700.0, False),
        (14.0, 200.0, True),
        (25.0, 50.0, False),
    ]
    first, second, third = summarise(records, [2, 4, 8], step_seconds=10, settle=2)
    assert (first.users, first.requests, first.p95_ms, first.errors) == (2, 2, 120.0, 0)
    assert first.rps == pytest.approx(2 / 8)
    assert (second.requests, second.p95_ms, second.errors) == (3, 700.0, 1)
    assert third.requests == 1
    assert first.passed and not second.passed and third.passed
    assert sustained([first, second, third]) is first  # the fastest of those that passed


def test_sustained_and_table_when_nothing_passed():
    slow = Step(users=4, requests=10, seconds=5, p95_ms=800.0, errors=0)
    empty = Step(users=8, requests=0, seconds=5, p95_ms=None, errors=0)
    assert sustained([slow, empty]) is None
    lines = table([slow, empty]).splitlines()
    assert lines[1].split() == ["4", "10", "2.0", "800", "0", "over"]
    assert lines[2].split() == ["8", "0", "0.0", "-", "0", "over"]
