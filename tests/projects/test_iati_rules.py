import datetime

import pytest
from django.utils import timezone
from lxml import etree

from projects import iati_rules

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def activity(body: str, identifier: str = "XM-DAC-47066-A1") -> etree._Element:
    return etree.fromstring(  # noqa: S320 - test snippets
        f"<iati-activities version='2.03'><iati-activity>"
        f"<iati-identifier>{identifier}</iati-identifier>{body}"
        f"</iati-activity></iati-activities>"
    )


def run(rule_type: str, case: dict, body: str, context: str = "//iati-activity"):
    rules = {context: {rule_type: {"cases": [case]}}}
    return iati_rules.run_ruleset(activity(body), rules)


# Each rule type: (case, failing body, passing body).
RULE_SNIPPETS = {
    "no_more_than_one": (
        {"paths": ["title"]},
        "<title/><title/>",
        "<title/>",
    ),
    "atleast_one": (
        {"paths": ["activity-date[@type='1' or @type='2']"]},
        "<activity-date type='3' iso-date='2024-01-01'/>",
        "<activity-date type='2' iso-date='2024-01-01'/>",
    ),
    "dependent": (
        {"paths": ["contact-info/email", "contact-info/organisation"]},
        "<contact-info><email>a@b.org</email></contact-info>",
        "<contact-info><organisation/><email>a@b.org</email></contact-info>",
    ),
    "sum": (
        {"paths": ["recipient-country/@percentage", "recipient-region/@percentage"], "sum": 100},
        "<recipient-country code='EG' percentage='60'/>"
        "<recipient-country code='LB' percentage='30'/>",
        "<recipient-country code='EG' percentage='60'/>"
        "<recipient-region code='189' percentage='40'/>",
    ),
    "strict_sum": (
        {"paths": ["sector/@percentage"], "sum": 100},
        "<sector code='15190' percentage='99.999'/>",
        "<sector code='15190' percentage='50'/><sector code='15180' percentage='50.00'/>",
    ),
    "date_order": (
        {"less": "activity-date[@type='2']/@iso-date", "more": "NOW"},
        f"<activity-date type='2' iso-date='{TOMORROW}'/>",
        "<activity-date type='2' iso-date='2020-01-01'/>",
    ),
    "date_now": (
        {"date": "@last-updated-datetime"},
        None,  # set on the activity element itself, below
        None,
    ),
    "time_limit": (
        {"start": "budget/period-start/@iso-date", "end": "budget/period-end/@iso-date"},
        "<budget><period-start iso-date='2024-01-01'/><period-end iso-date='2025-06-30'/></budget>",
        "<budget><period-start iso-date='2024-01-01'/><period-end iso-date='2024-12-31'/></budget>",
    ),
    "between_dates": (
        {
            "date": "budget/value/@value-date",
            "start": "budget/period-start/@iso-date",
            "end": "budget/period-end/@iso-date",
        },
        "<budget><period-start iso-date='2024-01-01'/><period-end iso-date='2024-12-31'/>"
        "<value value-date='2025-01-01'>1</value></budget>",
        "<budget><period-start iso-date='2024-01-01'/><period-end iso-date='2024-12-31'/>"
        "<value value-date='2024-01-01'>1</value></budget>",
    ),
    "regex_matches": (
        {"regex": "[^\\/\\&\\|\\?]+", "paths": ["reporting-org/@ref"]},
        "<reporting-org ref='XM-DAC/47066'/>",
        "<reporting-org ref='XM-DAC-47066'/>",
    ),
    "regex_no_matches": (
        {"regex": "\\s", "paths": ["reporting-org/@ref"]},
        "<reporting-org ref='XM DAC'/>",
        "<reporting-org ref='XM-DAC-47066'/>",
    ),
    "startswith": (
        {"prefix": "reporting-org/@ref", "start": "iati-identifier"},
        "<reporting-org ref='GB-COH-123'/>",
        "<reporting-org ref='XM-DAC-47066'/>",
    ),
    "unique": (
        {"paths": ["other-identifier/@ref"]},
        "<other-identifier ref='X'/><other-identifier ref='X'/>",
        "<other-identifier ref='X'/><other-identifier ref='Y'/>",
    ),
    "range": (
        {"paths": ["sector/@percentage"], "min": 0.0, "max": 100.0},
        "<sector code='15190' percentage='-5'/>",
        "<sector code='15190' percentage='100'/>",
    ),
    "if_then": (
        {"if": "count(sector[@vocabulary='99']) > 0", "then": "count(sector/narrative) > 0"},
        "<sector vocabulary='99' code='X'/>",
        "<sector vocabulary='99' code='X'><narrative>Own</narrative></sector>",
    ),
    "one_or_all": (
        {"one": "@default-currency", "all": "currency"},
        "<budget><value value-date='2024-01-01'>1</value></budget>",
        "<budget><value currency='USD' value-date='2024-01-01'>1</value></budget>",
    ),
    "only_one_of": (
        {
            "excluded": ["recipient-region", "recipient-country"],
            "paths": ["transaction/recipient-country", "transaction/recipient-region"],
        },
        "<recipient-country code='EG'/><transaction><recipient-country code='EG'/></transaction>",
        "<transaction><recipient-country code='EG'/></transaction>",
    ),
    "loop": (
        {
            "foreach": "sector[@vocabulary != '1']/@vocabulary",
            "do": {
                "strict_sum": {
                    "cases": [{"paths": ["sector[@vocabulary = '$1']/@percentage"], "sum": 100}]
                }
            },
            "subs": ["paths"],
        },
        "<sector vocabulary='2' code='1' percentage='100'/>"
        "<sector vocabulary='99' code='A' percentage='60'/>",
        "<sector vocabulary='2' code='1' percentage='100'/>"
        "<sector vocabulary='99' code='A' percentage='60'/>"
        "<sector vocabulary='99' code='B' percentage='40'/>"
        "<sector vocabulary='1' code='15190' percentage='10'/>",
    ),
    "no_percent": (
        {"paths": ["crs-add/loan-terms/@rate-1"]},
        "<crs-add><loan-terms rate-1='4%'/></crs-add>",
        "<crs-add><loan-terms rate-1='4'/></crs-add>",
    ),
}


def test_every_rule_type_has_snippets():
    assert set(RULE_SNIPPETS) == set(iati_rules.RULE_TYPES)


def test_the_vendored_ruleset_uses_only_implemented_rule_types():
    used = {rule_type for by_type in iati_rules.ruleset().values() for rule_type in by_type}
    assert used
    assert used <= set(iati_rules.RULE_TYPES)


@pytest.mark.parametrize("rule_type", sorted(set(RULE_SNIPPETS) - {"date_now"}))
def test_rule_type_fails_and_passes(rule_type):
    case, failing, passing = RULE_SNIPPETS[rule_type]
    findings = run(rule_type, case, failing)
    assert len(findings) >= 1
    finding = findings[0]
    assert finding.activity == "XM-DAC-47066-A1"
    assert finding.rule == f"iati-activity/{rule_type}/1"
    assert finding.severity == iati_rules.ERROR
    assert finding.path == "/iati-activities/iati-activity"
    assert finding.message
    assert run(rule_type, case, passing) == []


def test_date_now_refuses_a_future_last_updated_datetime():
    rules = {"//iati-activity": {"date_now": {"cases": [{"date": "@last-updated-datetime"}]}}}
    future = (timezone.now() + datetime.timedelta(hours=2)).replace(microsecond=0).isoformat()
    document = activity("")
    document[0].set("last-updated-datetime", future)
    assert [f.rule for f in iati_rules.run_ruleset(document, rules)] == ["iati-activity/date_now/1"]
    document[0].set("last-updated-datetime", "2024-01-01T00:00:00+00:00")
    assert iati_rules.run_ruleset(document, rules) == []


def test_atleast_one_with_a_condition_applies_only_where_it_holds():
    case = {"condition": "@vocabulary='99'", "paths": ["narrative"]}
    rules = {"//policy-marker": {"atleast_one": {"cases": [case]}}}
    failing = activity("<policy-marker vocabulary='99' code='1'/>")
    passing = activity("<policy-marker vocabulary='1' code='1' significance='1'/>")
    assert len(iati_rules.run_ruleset(failing, rules)) == 1
    assert iati_rules.run_ruleset(passing, rules) == []


def test_an_unknown_rule_type_is_reported_not_ignored():
    rules = {"//iati-activity": {"no_such_rule": {"cases": []}}}
    findings = iati_rules.run_ruleset(activity(""), rules)
    assert [(f.rule, f.severity) for f in findings] == [
        ("iati-activity/no_such_rule/0", iati_rules.WARNING)
    ]


def test_only_one_of_needs_a_recipient_somewhere():
    case = RULE_SNIPPETS["only_one_of"][0]
    assert [f.rule for f in run("only_one_of", case, "")] == ["iati-activity/only_one_of/1"]
    assert run("only_one_of", case, "<recipient-region code='289'/>") == []


def test_one_or_all_is_met_by_the_activity_attribute():
    case = {"one": "@xml-lang", "all": "lang"}
    document = activity("<title><narrative>T</narrative></title>")
    rules = {"//iati-activity": {"one_or_all": {"cases": [case]}}}
    assert len(iati_rules.run_ruleset(document, rules)) == 1
    document[0].set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    assert iati_rules.run_ruleset(document, rules) == []


def test_atleast_one_of_a_parent_applies_to_each_parent_present():
    case = {"paths": ["other-identifier/owner-org/@ref", "other-identifier/owner-org/narrative"]}
    assert run("atleast_one", case, "") == []
    assert run("atleast_one", case, "<other-identifier ref='X'><owner-org/></other-identifier>")
    good = "<other-identifier ref='X'><owner-org ref='XM-DAC-47066'/></other-identifier>"
    assert run("atleast_one", case, good) == []


def test_a_loop_reports_an_unknown_inner_rule_type():
    case = {"foreach": "sector/@vocabulary", "do": {"no_such_rule": {"cases": [{}]}}, "subs": []}
    findings = run("loop", case, "<sector vocabulary='2' code='1'/>")
    assert [f.rule for f in findings] == ["iati-activity/loop/1"]
    assert "no_such_rule" in findings[0].message


VALID = b"""<?xml version="1.0" encoding="utf-8"?>
<iati-activities version="2.03" generated-datetime="2024-01-01T00:00:00+00:00">
<iati-activity last-updated-datetime="2024-01-01T00:00:00+00:00" xml:lang="en"
  default-currency="USD">
  <iati-identifier>XM-DAC-47066-CT.1</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>Title</narrative></title>
  <description type="1"><narrative>Text</narrative></description>
  <participating-org ref="XM-DAC-47066" role="2" type="40">
    <narrative>IOM</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2023-01-01"/>
  <recipient-country code="EG" percentage="100"/>
  <sector vocabulary="1" code="15190" percentage="100"/>
</iati-activity>
</iati-activities>
"""


def test_a_valid_file_has_no_findings():
    assert iati_rules.check_activities(VALID) == []


def test_schema_problems_name_the_activity():
    content = VALID.replace(b'<activity-status code="2"/>', b"")
    findings = iati_rules.check_activities(content)
    assert findings
    assert {(f.rule, f.activity) for f in findings} == {("xsd", "XM-DAC-47066-CT.1")}
    assert iati_rules.has_errors(findings)


def test_a_broken_file_is_one_finding():
    findings = iati_rules.check_activities(b"<iati-activities>")
    assert [(f.rule, f.severity) for f in findings] == [("xml", iati_rules.ERROR)]


@pytest.mark.parametrize(
    ("before", "after", "rule", "severity"),
    [
        (b'code="15190"', b'code="99999"', "codelist/Sector", iati_rules.ERROR),
        (
            b'activity-status code="2"',
            b'activity-status code="9"',
            "codelist/ActivityStatus",
            "error",
        ),
        (b'default-currency="USD"', b'default-currency="XXY"', "codelist/Currency", "error"),
        (b'xml:lang="en"', b'xml:lang="qq"', "codelist/Language", iati_rules.WARNING),
    ],
)
def test_codes_outside_their_codelist(before, after, rule, severity):
    findings = iati_rules.check_activities(VALID.replace(before, after))
    assert [(f.rule, f.severity, f.activity) for f in findings] == [
        (rule, severity, "XM-DAC-47066-CT.1")
    ]


def test_sector_codes_of_another_vocabulary_are_not_dac_codes():
    own = b'vocabulary="99" code="OWN"'
    content = VALID.replace(b'vocabulary="1" code="15190"', own)
    assert [f.rule for f in iati_rules.check_activities(content)] == ["iati-activity/if_then/4"]
    named = content.replace(
        own + b' percentage="100"/>', own + b' percentage="100"><narrative>Own</narrative></sector>'
    )
    assert named != content
    assert [f.rule for f in iati_rules.check_activities(named)] == []


def test_reporting_org_identifier_must_have_a_registered_prefix():
    content = VALID.replace(b'<reporting-org ref="XM-DAC-47066"', b'<reporting-org ref=""')
    findings = iati_rules.check_activities(content)
    assert ("org-id/reporting-org", iati_rules.ERROR) in {(f.rule, f.severity) for f in findings}
    content = VALID.replace(b'<reporting-org ref="XM-DAC-47066"', b'<reporting-org ref="ZZ-QQ-1"')
    findings = iati_rules.check_activities(content)
    assert [(f.rule, f.path) for f in findings] == [
        ("org-id/reporting-org", "/iati-activities/iati-activity/reporting-org")
    ]


@pytest.mark.parametrize("value", ["XM-DAC-47066", "GB-COH-123", "XI-IATI-EXAMPLE", "EG-MOSS-1"])
def test_organisation_identifiers_that_pass(value):
    assert iati_rules.organisation_identifier_problem(value) is None


@pytest.mark.parametrize(
    "value", ["", "  ", "47066", "XM-DAC", "ZZ-QQ-1", "XM-DAC-1/2", "xm-dac-1"]
)
def test_organisation_identifiers_that_fail(value):
    assert iati_rules.organisation_identifier_problem(value)


def test_sector_additions_extend_the_2018_codelist():
    sector = iati_rules.codelists()["Sector"]
    assert {"15190", "15180", "11110"} <= sector.codes
    assert sector.complete


def test_vendored_ruleset_catches_a_future_actual_start():
    content = VALID.replace(
        b'<activity-date type="1" iso-date="2023-01-01"/>',
        b'<activity-date type="1" iso-date="2023-01-01"/>'
        + f'<activity-date type="2" iso-date="{TOMORROW}"/>'.encode(),
    )
    findings = iati_rules.check_activities(content)
    assert [f.rule for f in findings] == ["iati-activity/date_order/3"]
