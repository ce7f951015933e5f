import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from projects import iati, iati_rules, services
from projects import models as pm
from tests import factories as f

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRICKY_TITLE = 'Protection & "assistance" <victims> — حماية الضحايا & l\'État'


def render(*projects):
    content, count = iati.render_activities(
        pm.Project.objects.filter(pk__in=[p.pk for p in projects]),
        base_url="https://portal.example.org/",
    )
    assert count == len(projects)
    return content


def assert_valid(content: bytes) -> etree._Element:
    assert iati.schema_errors(content) == []
    return etree.fromstring(content)  # noqa: S320


def full_project() -> pm.Project:
    egypt = f.CountryFactory(code="EG", name_en="Egypt")
    lebanon = f.CountryFactory(code="LB", name_en="Lebanon")
    reporter = f.OrganisationFactory(
        name="IOM & partners <MENA>", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
    )
    project = f.ProjectFactory(
        code="CT.FULL",
        iati_identifier="XM-DAC-47066-CT.FULL",
        title=TRICKY_TITLE,
        description="Renforcement des capacités des acteurs de la justice pénale.\x0b",
        objectives="• Renforcer la coopération régionale\n• تعزيز التعاون",
        target_groups="Police\nProsecutors & judges",
        key_achievements="- 300 officials trained",
        status=pm.ProjectStatus.FINALISATION,
        planned_start=datetime.date(2021, 7, 1),
        planned_end=datetime.date(2023, 6, 30),
        actual_start=datetime.date(2021, 9, 1),
        actual_end=datetime.date(2023, 8, 31),
        budget=Decimal("1000000.01"),
        currency="EUR",
        reporting_organisation=reporter,
    )
    donor_usd = f.DonorFactory(name="Donor in dollars")
    donor_eur = f.DonorFactory(name="Donateur en euros", iati_identifier="")
    f.FundingFactory(project=project, donor=donor_usd, amount=Decimal("500000"), currency="USD")
    f.FundingFactory(project=project, donor=donor_eur, amount=None, currency="EUR")
    partner = f.OrganisationFactory(name="منظمة شريكة", kind=pm.OrganisationKind.NGO)
    f.ParticipatingOrganisationFactory(project=project, organisation=partner)
    f.ParticipatingOrganisationFactory(
        project=project, organisation=reporter, role=pm.OrganisationRole.ACCOUNTABLE
    )
    f.ParticipatingOrganisationFactory(
        project=project, organisation=donor_usd, role=pm.OrganisationRole.FUNDING
    )
    f.RecipientCountryFactory(project=project, country=egypt, percentage=Decimal("60"))
    f.RecipientCountryFactory(project=project, country=lebanon, percentage=Decimal("40"))
    f.TransactionFactory(
        project=project,
        kind=pm.TransactionKind.COMMITMENT,
        date=datetime.date(2021, 7, 15),
        value=Decimal("500000"),
        currency="USD",
        provider=donor_usd,
        receiver=reporter,
    )
    f.TransactionFactory(
        project=project,
        kind=pm.TransactionKind.DISBURSEMENT,
        date=datetime.date(2022, 1, 10),
        value=Decimal("1234.56"),
        currency="EUR",
        receiver=partner,
        description="Tranche 1 — shelter & <legal> aid",
    )
    f.TransactionFactory(
        project=project,
        kind=pm.TransactionKind.EXPENDITURE,
        date=datetime.date(2022, 3, 31),
        currency="JOD",
    )
    f.DocumentFactory(project=project, title="Rapport final", language="fr", is_public=True)
    f.DocumentFactory(project=project, title="Internal memo", is_public=False)
    pm.Document.objects.create(
        project=project,
        title="تقرير التدريب",
        category=pm.DocumentCategory.REVIEW,
        language="ar",
        is_public=True,
        file=ContentFile(b"%PDF-1.4", name="training report.pdf"),
        document_date=datetime.date(2022, 5, 1),
    )
    result = f.ResultFactory(
        project=project, title="Officials apply the law", description="Outcome & impact"
    )
    trained = f.IndicatorFactory(result=result, title="Officials trained <number>")
    period = f.IndicatorPeriodFactory(
        indicator=trained, target=Decimal("100"), actual=Decimal("80")
    )
    pm.Disaggregation.objects.create(period=period, sex=pm.Sex.FEMALE, target=50, actual=45)
    pm.Disaggregation.objects.create(period=period, country=egypt, target=60, actual=None)
    f.IndicatorPeriodFactory(
        indicator=trained,
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2022, 12, 31),
        actual=None,
    )
    f.IndicatorFactory(
        result=result,
        title="Share of cases referred",
        measure=pm.IndicatorMeasure.PERCENTAGE,
        ascending=False,
        baseline_value=Decimal("12.50"),
    )
    qualitative = f.IndicatorFactory(
        result=result,
        title="Law adopted",
        measure=pm.IndicatorMeasure.QUALITATIVE,
        unit="",
        baseline_value=None,
        baseline_comment="No anti-trafficking law",
    )
    f.IndicatorPeriodFactory(
        indicator=qualitative,
        target=None,
        actual=None,
        target_comment="Law drafted and submitted",
        actual_comment="Law adopted by parliament",
    )
    f.ResultFactory(project=project, title="Result without indicators")
    return project


@pytest.mark.django_db
def test_full_project_is_valid_iati():
    project = full_project()

    root = assert_valid(render(project))

    assert root.get("version") == "2.03"
    activity = root.find("iati-activity")
    assert activity.findtext("iati-identifier") == "XM-DAC-47066-CT.FULL"
    assert activity.get("default-currency") == "EUR"
    reporting = activity.find("reporting-org")
    assert reporting.get("ref") == "XM-DAC-47066"
    assert reporting.get("type") == "40"
    assert reporting.findtext("narrative") == "IOM & partners <MENA>"
    title = activity.find("title/narrative")
    assert title.text == TRICKY_TITLE
    assert title.get(XML_LANG) == "en"
    descriptions = {d.get("type"): d.findtext("narrative") for d in activity.findall("description")}
    assert descriptions["1"] == "Renforcement des capacités des acteurs de la justice pénale."
    assert descriptions["2"] == "Renforcer la coopération régionale\nتعزيز التعاون"
    assert descriptions["3"] == "Police\nProsecutors & judges"
    assert descriptions["4"] == "300 officials trained"


@pytest.mark.django_db
def test_full_project_organisations_dates_and_countries():
    project = full_project()

    activity = assert_valid(render(project)).find("iati-activity")

    roles = [
        (org.get("role"), org.findtext("narrative"))
        for org in activity.findall("participating-org")
    ]
    assert roles == [
        ("1", "Donor in dollars"),
        ("1", "Donateur en euros"),
        ("2", "IOM & partners <MENA>"),
        ("4", "منظمة شريكة"),
    ]
    euro_donor = activity.findall("participating-org")[1]
    assert "ref" not in euro_donor.attrib
    assert activity.find("activity-status").get("code") == "3"
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    assert dates == {"1": "2021-07-01", "2": "2021-09-01", "3": "2023-06-30", "4": "2023-08-31"}
    countries = [
        (c.get("code"), c.get("percentage")) for c in activity.findall("recipient-country")
    ]
    assert countries == [("EG", "60.00"), ("LB", "40.00")]
    sector = activity.find("sector")
    assert (sector.get("vocabulary"), sector.get("code"), sector.get("percentage")) == (
        "1",
        "15190",
        "100",
    )


@pytest.mark.django_db
def test_full_project_money_documents_and_results():
    project = full_project()

    activity = assert_valid(render(project)).find("iati-activity")

    budgets = activity.findall("budget")
    periods = [(b.find("period-start"), b.find("period-end")) for b in budgets]
    assert [(start.get("iso-date"), end.get("iso-date")) for start, end in periods] == [
        ("2021-07-01", "2021-12-31"),
        ("2022-01-01", "2022-12-31"),
        ("2023-01-01", "2023-06-30"),
    ]
    assert {(b.get("type"), b.get("status")) for b in budgets} == {("1", "1")}
    assert sum(Decimal(b.findtext("value")) for b in budgets) == Decimal("1000000.01")
    assert {b.find("value").get("currency") for b in budgets} == {"EUR"}
    transactions = activity.findall("transaction")
    assert [t.find("transaction-type").get("code") for t in transactions] == ["2", "3", "4"]
    values = [
        (v.text, v.get("currency"), v.get("value-date"))
        for v in activity.findall("transaction/value")
    ]
    assert values == [
        ("500000.00", "USD", "2021-07-15"),
        ("1234.56", "EUR", "2022-01-10"),
        ("1000.00", "JOD", "2022-03-31"),
    ]
    commitment = transactions[0]
    assert (
        commitment.find("provider-org").get("ref")
        == pm.Organisation.objects.get(name="Donor in dollars").iati_identifier
    )
    assert commitment.find("receiver-org").get("ref") == "XM-DAC-47066"
    assert transactions[1].findtext("description/narrative") == "Tranche 1 — shelter & <legal> aid"

    links = activity.findall("document-link")
    assert [(d.get("format"), d.find("language").get("code")) for d in links] == [
        ("application/pdf", "fr"),
        ("application/pdf", "ar"),
    ]
    report = pm.Document.objects.get(language="ar")
    assert links[1].get("url") == (
        f"https://portal.example.org/projects/{project.pk}/documents/{report.pk}/public/"
    )
    assert links[1].find("title/narrative").get(XML_LANG) == "ar"
    assert links[1].find("category").get("code") == "A07"

    results = activity.findall("result")
    assert len(results) == 1  # the result without indicators is left out
    trained, referred, law = results[0].findall("indicator")
    assert trained.get("measure") == "1"
    assert trained.find("baseline").attrib == {"year": "2020", "value": "0"}
    first = trained.find("period")
    targets = [
        (t.get("value"), [d.attrib for d in t.findall("dimension")])
        for t in first.findall("target")
    ]
    assert targets == [
        ("100", []),
        ("50", [{"name": "sex", "value": "female"}]),
        ("60", [{"name": "country", "value": "EG"}]),
    ]
    actuals = [(a.get("value"), len(a.findall("dimension"))) for a in first.findall("actual")]
    assert actuals == [("80", 0), ("45", 1)]
    assert trained.findall("period")[1].findall("actual") == []
    assert referred.get("ascending") == "0"
    assert referred.find("baseline").get("value") == "12.5"
    assert "value" not in law.find("period/target").attrib
    assert law.find("baseline").attrib == {"year": "2020"}
    assert law.findtext("baseline/comment/narrative") == "No anti-trafficking law"
    assert law.findtext("period/target/comment/narrative") == "Law drafted and submitted"
    assert law.findtext("period/actual/comment/narrative") == "Law adopted by parliament"


@pytest.mark.django_db
def test_minimal_project_is_valid_iati():
    project = f.ProjectFactory(description="", actual_start=None, budget=Decimal("0"))

    activity = assert_valid(render(project)).find("iati-activity")

    assert activity.find("recipient-country") is None
    assert activity.find("transaction") is None
    assert activity.find("budget") is None
    assert activity.find("description/narrative").text == project.title
    fallback = activity.find("participating-org")
    assert fallback.get("role") == "2"
    assert fallback.findtext("narrative") == project.reporting_organisation.name


@pytest.mark.django_db
def test_project_without_actuals_is_valid_iati():
    project = f.ProjectFactory()
    result = f.ResultFactory(project=project)
    indicator = f.IndicatorFactory(result=result, baseline_year=None)
    f.IndicatorPeriodFactory(indicator=indicator, actual=None, target=None)

    activity = assert_valid(render(project)).find("iati-activity")

    assert activity.find("result/indicator/baseline") is None
    assert activity.find("result/indicator/period/actual") is None


@pytest.mark.django_db
def test_indicator_without_periods_is_valid_iati():
    project = f.ProjectFactory()
    f.IndicatorFactory(result=f.ResultFactory(project=project))

    activity = assert_valid(render(project)).find("iati-activity")

    assert activity.find("result/indicator") is not None
    assert activity.find("result/indicator/period") is None


@pytest.mark.django_db
def test_many_projects_cost_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _ in range(5):
        project = f.ProjectFactory()
        f.FundingFactory(project=project)
        f.RecipientCountryFactory(project=project)
        f.TransactionFactory(project=project, provider=f.DonorFactory())
        f.IndicatorPeriodFactory(
            indicator=f.IndicatorFactory(result=f.ResultFactory(project=project))
        )

    with django_assert_max_num_queries(14):
        content, count = iati.render_activities(pm.Project.objects.all())

    assert count == 5
    assert_valid(content)


def test_schemas_ship_inside_the_repository():
    repository = Path(django_settings.BASE_DIR).resolve()

    assert iati.schema_dir().resolve().is_relative_to(repository)
    assert (iati.schema_dir() / iati.SCHEMA_FILE).is_file()


def test_schema_errors_name_the_problem():
    errors = iati.schema_errors(b'<iati-activities version="2.03"/>')

    assert errors
    assert "iati-activity" in errors[0]


# The file stays valid for whatever the portal accepts ------------------------------


def assert_no_findings(content: bytes) -> None:
    findings = iati_rules.check_activities(content)
    assert [x for x in findings if x.is_error] == []


@pytest.mark.django_db
def test_full_project_passes_the_ruleset_and_codelists():
    assert_no_findings(render(full_project()))


@pytest.mark.django_db
def test_demo_portfolio_passes_the_schema_ruleset_and_codelists():
    call_command("load_demo", "--no-users", stdout=io.StringIO())

    content, count = iati.render_activities(pm.Project.objects.all())

    assert count == pm.Project.objects.count() > 10
    assert iati.schema_errors(content) == []
    assert_no_findings(content)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_narratives_carry_the_language_of_their_text(lang):
    project = full_project()
    project.text_language = lang
    project.save()

    activity = assert_valid(render(project)).find("iati-activity")

    assert activity.get(XML_LANG) == lang
    for path in ("title/narrative", "description/narrative", "result/title/narrative"):
        assert {n.get(XML_LANG) for n in activity.findall(path)} == {lang}
    titles = {
        link.findtext("title/narrative"): link.find("title/narrative").get(XML_LANG)
        for link in activity.findall("document-link")
    }
    assert titles == {"Rapport final": "fr", "تقرير التدريب": "ar"}
    names = {
        org.findtext("narrative"): org.find("narrative").get(XML_LANG)
        for org in activity.findall("participating-org")
    }
    assert names["منظمة شريكة"] == "ar"
    assert {n.get(XML_LANG) for n in activity.findall("recipient-country/narrative")} == {"en"}


@pytest.mark.django_db
def test_private_documents_stay_out_of_the_file():
    project = full_project()

    activity = assert_valid(render(project)).find("iati-activity")

    titles = [link.findtext("title/narrative") for link in activity.findall("document-link")]
    assert "Internal memo" not in titles
    assert len(titles) == 2


@pytest.mark.django_db
def test_iati_defaults_sectors_contact_and_scope_are_published():
    project = full_project()
    project.contact_email = "ct@example.org"
    project.collaboration_type = pm.CollaborationType.MULTILATERAL
    project.save()
    pm.ProjectSector.objects.create(project=project, code="15190", percentage=Decimal("75"))
    pm.ProjectSector.objects.create(project=project, code="15180", percentage=Decimal("25"))

    activity = assert_valid(render(project)).find("iati-activity")

    assert activity.findtext("contact-info/email") == "ct@example.org"
    assert activity.findtext("contact-info/organisation/narrative") == "IOM & partners <MENA>"
    assert activity.find("activity-scope").get("code") == "3"  # two countries
    codes = {
        tag: activity.find(tag).get("code")
        for tag in (
            "collaboration-type",
            "default-flow-type",
            "default-finance-type",
            "default-aid-type",
            "default-tied-status",
        )
    }
    assert codes == {
        "collaboration-type": "2",
        "default-flow-type": "10",
        "default-finance-type": "110",
        "default-aid-type": "C01",
        "default-tied-status": "5",
    }
    sectors = [(s.get("code"), s.get("percentage")) for s in activity.findall("sector")]
    assert sectors == [("15190", "75"), ("15180", "25")]
    assert_no_findings(render(project))


@pytest.mark.django_db
def test_an_undisclosed_budget_says_why():
    project = f.ProjectFactory(budget=None, budget_not_provided=pm.BudgetNotProvided.LEGAL)

    activity = assert_valid(render(project)).find("iati-activity")

    assert activity.get("budget-not-provided") == "2"
    assert activity.find("budget") is None


@pytest.mark.django_db
def test_a_disclosed_budget_has_no_reason_attribute():
    activity = assert_valid(render(f.ProjectFactory())).find("iati-activity")

    assert "budget-not-provided" not in activity.attrib
    assert activity.find("budget") is not None


LANGS = st.sampled_from(["en", "ar", "fr"])
TEXT = st.text(
    # Forms and the API refuse NUL (PostgreSQL cannot store it); other control
    # characters get through and the file must cope with them.
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
    | st.sampled_from("عربيé&<>\x0b"),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip())
DAY = st.dates(min_value=datetime.date(2012, 1, 1), max_value=datetime.date(2032, 12, 31))
PAST_DAY = st.dates(min_value=datetime.date(2012, 1, 1), max_value=datetime.date.today())


def split_100(draw, count: int) -> list[Decimal]:
    """``count`` positive percentages with two decimals that add up to exactly 100."""
    cuts = sorted(draw(st.sets(st.integers(1, 9999), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10000]
    return [Decimal(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]


@st.composite
def projects(draw):
    start = draw(DAY)
    end = draw(st.dates(min_value=start, max_value=datetime.date(2033, 12, 31)))
    actual_start = draw(st.none() | PAST_DAY)
    actual_end = None
    if actual_start and draw(st.booleans()):
        actual_end = draw(st.dates(min_value=actual_start, max_value=datetime.date.today()))
    budget = draw(st.none() | st.decimals(0, 10**9, places=2, allow_nan=False))
    data = {
        "title": draw(TEXT),
        "description": draw(st.just("") | TEXT),
        "objectives": draw(st.just("") | TEXT),
        "status": draw(st.sampled_from(pm.ProjectStatus.values)),
        "planned_start": start,
        "planned_end": end,
        "actual_start": actual_start,
        "actual_end": actual_end,
        "budget": budget,
        "budget_not_provided": (
            draw(st.sampled_from(["", *pm.BudgetNotProvided.values])) if budget is None else ""
        ),
        "currency": draw(st.sampled_from(["USD", "EUR", "JOD", "EGP", "GBP"])),
        "text_language": draw(LANGS),
        "default_aid_type": draw(st.sampled_from(pm.AidType.values)),
        "collaboration_type": draw(st.sampled_from(pm.CollaborationType.values)),
        "activity_scope": draw(st.sampled_from(["", *pm.ActivityScope.values])),
        "contact_email": draw(st.just("") | st.emails()),
    }
    countries = draw(
        st.lists(st.sampled_from(["EG", "LB", "JO", "MA"]), min_size=1, max_size=3, unique=True)
    )
    sectors = draw(st.lists(st.sampled_from(pm.SectorCode.values), max_size=3, unique=True))
    transactions = draw(
        st.lists(
            st.tuples(
                st.sampled_from(pm.TransactionKind.values),
                PAST_DAY,
                st.decimals(0, 10**7, places=2, allow_nan=False),
                st.sampled_from(["USD", "EUR"]),
                st.just("") | TEXT,
            ),
            max_size=4,
        )
    )
    documents = draw(
        st.lists(
            st.tuples(TEXT, st.sampled_from(pm.DocumentCategory.values), LANGS, st.booleans()),
            max_size=3,
        )
    )
    indicators = draw(
        st.lists(
            st.tuples(
                TEXT,
                st.sampled_from(pm.IndicatorMeasure.values),
                st.booleans(),  # has a baseline
                st.lists(
                    st.tuples(PAST_DAY, st.integers(0, 400), st.booleans(), st.booleans()),
                    max_size=3,
                    unique_by=lambda row: row[0],
                ),
            ),
            max_size=3,
        )
    )
    return {
        "data": data,
        "countries": list(zip(countries, split_100(draw, len(countries)), strict=True)),
        "sectors": list(zip(sectors, split_100(draw, len(sectors)), strict=True))
        if sectors
        else [],
        "transactions": transactions,
        "documents": documents,
        "indicators": indicators,
    }


def build(spec: dict, *, user, reporter, number: int) -> pm.Project:
    """A project written through the services the pages and the API use."""
    code = f"CT.H{number}"
    project = services.project_save(
        user=user,
        data={
            **spec["data"],
            "code": code,
            "iati_identifier": f"XM-DAC-47066-{code}",
            "reporting_organisation": reporter,
        },
        countries=[
            {"country": f.CountryFactory(code=code_), "percentage": share}
            for code_, share in spec["countries"]
        ],
        sectors=[{"code": code_, "percentage": share} for code_, share in spec["sectors"]],
        participants=[{"organisation": reporter, "role": pm.OrganisationRole.IMPLEMENTING}],
    )
    for kind, day, value, currency, description in spec["transactions"]:
        services.transaction_record(
            user=user,
            project=project,
            data={
                "kind": kind,
                "date": day,
                "value": value,
                "currency": currency,
                "description": description[:255],
                "receiver": reporter,
            },
        )
    for title, category, language, public in spec["documents"]:
        services.document_add(
            user=user,
            project=project,
            data={
                "title": title,
                "category": category,
                "language": language,
                "url": "https://example.org/doc.pdf",
                "is_public": public,
            },
        )
    for title, measure, baseline, periods in spec["indicators"]:
        qualitative = measure == pm.IndicatorMeasure.QUALITATIVE
        services.result_indicator_add(
            user=user,
            project=project,
            result=None,
            result_data={"title": title},
            indicator_data={
                "title": title,
                "measure": measure,
                "baseline_year": 2020 if baseline else None,
                "baseline_value": Decimal(3) if baseline and not qualitative else None,
                "baseline_comment": "Situation in 2020" if baseline and qualitative else "",
            },
            periods=[
                {
                    "period_start": day,
                    "period_end": day + datetime.timedelta(days=length),
                    "target": None if qualitative or not has_target else Decimal(length),
                    "actual": None if qualitative or not has_actual else Decimal(length),
                    "target_comment": "Target in words" if qualitative and has_target else "",
                    "actual_comment": "Achieved in words" if qualitative and has_actual else "",
                }
                for day, length, has_target, has_actual in periods
            ],
        )
    return project


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(projects(), min_size=1, max_size=2))
def test_any_project_the_portal_accepts_exports_without_errors(specs):
    with transaction.atomic():
        user = f.UserFactory(role="administrator")
        reporter = f.OrganisationFactory(
            name="IOM", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
        )
        built = [
            build(spec, user=user, reporter=reporter, number=n) for n, spec in enumerate(specs)
        ]
        content, count = iati.render_activities(
            pm.Project.objects.filter(pk__in=[p.pk for p in built])
        )
        assert count == len(specs)
        assert_no_findings(content)
        transaction.set_rollback(True)
