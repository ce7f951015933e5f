"""IATI activity files for import tests: the real IOM file and small hand-made ones."""

from __future__ import annotations

from pathlib import Path

from projects import iati_rules
from projects.iati_import import read_activities

DATA = Path(__file__).resolve().parent.parent / "data"
IOM_FILE = DATA / "iom-activities-2.03.xml"


def iom_content() -> bytes:
    return IOM_FILE.read_bytes()


def activity(
    identifier: str = "XM-DAC-47066-CT.IMP1",
    *,
    title: str = "Protection of victims of trafficking",
    countries: str = '<recipient-country code="EG" percentage="60"/>'
    '<recipient-country code="LB" percentage="40"/>',
    currency: str = "USD",
    transaction_type: str = "3",
    extra: str = "",
) -> str:
    return f"""
<iati-activity xml:lang="en" default-currency="{currency}"
    last-updated-datetime="2024-01-10T10:00:00+00:00">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40">
    <narrative>International Organization for Migration</narrative>
  </reporting-org>
  <title><narrative>{title}</narrative></title>
  <description type="1">
    <narrative>Direct assistance and capacity building.</narrative>
  </description>
  <participating-org ref="GB-GOV-1" role="1" type="10">
    <narrative>UK Foreign Office</narrative>
  </participating-org>
  <participating-org ref="XM-DAC-47066" role="4" type="40">
    <narrative>International Organization for Migration</narrative>
  </participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2023-01-01" type="1"/>
  <activity-date iso-date="2024-12-31" type="3"/>
  {countries}
  <sector vocabulary="1" code="15190" percentage="100"/>
  <budget type="1" status="1">
    <period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
    <value currency="USD" value-date="2023-01-01">400000.00</value>
  </budget>
  <budget type="1" status="2">
    <period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>
    <value currency="USD" value-date="2024-01-01">600000.00</value>
  </budget>
  <transaction>
    <transaction-type code="11"/>
    <transaction-date iso-date="2023-01-15"/>
    <value currency="USD" value-date="2023-01-15">1000000.00</value>
    <provider-org ref="GB-GOV-1" type="10"><narrative>UK Foreign Office</narrative></provider-org>
  </transaction>
  <transaction>
    <transaction-type code="{transaction_type}"/>
    <transaction-date iso-date="2023-06-30"/>
    <value currency="USD" value-date="2023-06-30">250000.50</value>
    <description><narrative>First tranche</narrative></description>
    <receiver-org ref="GB-CHC-1098765" type="22">
      <narrative>Shelter partner association</narrative>
    </receiver-org>
  </transaction>
  <result type="1">
    <title><narrative>Officials trained</narrative></title>
    <indicator measure="1" ascending="1">
      <title><narrative>Number of officials trained</narrative></title>
      <baseline year="2022" value="0"/>
      <period>
        <period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
        <target value="120"/>
        <target value="70"><dimension name="sex" value="female"/></target>
        <actual value="95"/>
        <actual value="50"><dimension name="sex" value="female"/></actual>
      </period>
    </indicator>
  </result>
  {extra}
</iati-activity>"""


def activities_file(*activities: str, version: str = "2.03") -> bytes:
    body = "".join(activities) or activity()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="{version}" generated-datetime="2024-01-10T10:00:00+00:00">'
        f"{body}\n</iati-activities>\n"
    ).encode()


def facts(content: bytes) -> dict[str, dict]:
    """The facts a round trip keeps, per iati-identifier."""
    found, problems = read_activities(content)
    assert problems == []
    return {
        a.identifier: {
            "title": a.title,
            "dates": (a.planned_start, a.planned_end, a.actual_start, a.actual_end),
            "status": a.status,
            "countries": sorted((code, pct) for code, pct, _line in a.countries),
            "transactions": sorted((t.kind, t.date, t.value, t.currency) for t in a.transactions),
            "budgets": sorted(
                (b.kind, b.status, b.period_start, b.period_end, b.value, b.currency)
                for b in a.budgets
            ),
            "indicators": [
                (
                    i.title,
                    i.measure,
                    i.baseline_year,
                    i.baseline_value,
                    [
                        (p.period_start, p.period_end, p.target, p.actual, p.disaggregations)
                        for p in i.periods
                    ],
                )
                for r in a.results
                for i in r.indicators
            ],
        }
        for a in found
    }


def errors(content: bytes) -> list:
    return [f for f in iati_rules.check_activities(content) if f.is_error]
