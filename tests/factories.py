import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from ctportal.access import Role
from projects import models as pm


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = pm.Country
        django_get_or_create = ("code",)

    code = factory.Iterator(["EG", "LB", "JO", "IQ", "SY", "BH", "YE", "MA", "TN", "LY"])
    name_en = factory.LazyAttribute(lambda o: f"Country {o.code}")
    name_ar = factory.LazyAttribute(lambda o: f"بلد {o.code}")
    name_fr = factory.LazyAttribute(lambda o: f"Pays {o.code}")
    region = pm.Region.MASHREQ


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = pm.Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    kind = pm.OrganisationKind.NGO
    iati_identifier = factory.Sequence(lambda n: f"XI-IATI-TEST{n}")


class DonorFactory(OrganisationFactory):
    kind = pm.OrganisationKind.DONOR_GOVERNMENT


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = pm.Project

    code = factory.Sequence(lambda n: f"CT.{n:04d}")
    iati_identifier = factory.LazyAttribute(lambda o: f"XM-DAC-47066-{o.code}")
    title = factory.Sequence(lambda n: f"Counter-trafficking project {n}")
    description = "Capacity building of criminal justice practitioners."
    planned_start = datetime.date(2020, 1, 1)
    planned_end = datetime.date(2022, 12, 31)
    budget = Decimal("1000000.00")
    currency = "USD"
    reporting_organisation = factory.SubFactory(OrganisationFactory, kind=pm.OrganisationKind.IGO)


class FundingFactory(DjangoModelFactory):
    class Meta:
        model = pm.Funding

    project = factory.SubFactory(ProjectFactory)
    donor = factory.SubFactory(DonorFactory)
    amount = Decimal("250000.00")
    currency = "USD"


class RecipientCountryFactory(DjangoModelFactory):
    class Meta:
        model = pm.RecipientCountry

    project = factory.SubFactory(ProjectFactory)
    country = factory.SubFactory(CountryFactory)
    percentage = Decimal("100")


class ParticipatingOrganisationFactory(DjangoModelFactory):
    class Meta:
        model = pm.ParticipatingOrganisation

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = pm.OrganisationRole.IMPLEMENTING


class TransactionFactory(DjangoModelFactory):
    class Meta:
        model = pm.Transaction

    project = factory.SubFactory(ProjectFactory)
    kind = pm.TransactionKind.EXPENDITURE
    date = datetime.date(2021, 6, 30)
    value = Decimal("1000.00")
    currency = "USD"


class ResultFactory(DjangoModelFactory):
    class Meta:
        model = pm.Result

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Result {n}")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = pm.Indicator

    result = factory.SubFactory(ResultFactory)
    title = "Number of officials trained"
    unit = "officials"
    baseline_year = 2020
    baseline_value = Decimal("0")


class IndicatorPeriodFactory(DjangoModelFactory):
    class Meta:
        model = pm.IndicatorPeriod

    indicator = factory.SubFactory(IndicatorFactory)
    period_start = datetime.date(2021, 1, 1)
    period_end = datetime.date(2021, 12, 31)
    target = Decimal("100")
    actual = Decimal("80")


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = pm.Document

    project = factory.SubFactory(ProjectFactory)
    title = "Final report"
    category = pm.DocumentCategory.RESULTS
    url = "https://example.org/report.pdf"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")
    role = Role.PROGRAMME_OFFICER

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create and extracted:
            self.countries.set(extracted)

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)


class TrainingSessionFactory(DjangoModelFactory):
    class Meta:
        model = "trainings.TrainingSession"

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Victim identification training {n}")
    kind = "training"
    host_country = factory.SubFactory(CountryFactory)
    city = "Cairo"
    start_date = datetime.date(2021, 3, 1)
    end_date = datetime.date(2021, 3, 3)
    status = "held"


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = "trainings.Person"

    full_name = factory.Sequence(lambda n: f"Participant {n}")
    sex = "female"
    institution_type = "police"


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = "trainings.Attendance"

    session = factory.SubFactory(TrainingSessionFactory)
    person = factory.SubFactory(PersonFactory)
    pre_score = Decimal("50")
    post_score = Decimal("75")


class SessionDocumentFactory(DjangoModelFactory):
    class Meta:
        model = "trainings.SessionDocument"

    session = factory.SubFactory(TrainingSessionFactory)
    title = "Agenda"
    kind = "agenda"
    url = "https://example.org/agenda.pdf"


class ParticipantCountFactory(DjangoModelFactory):
    class Meta:
        model = "trainings.ParticipantCount"

    session = factory.SubFactory(TrainingSessionFactory)
    dimension = "sex"
    sex = "male"
    count = 10


def confirmed_device(user):
    """The user's confirmed authenticator app (django-otp TOTP), created when missing."""
    from accounts.models import AuthenticatorDevice

    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
    return device or AuthenticatorDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )


def api_token(user, *, name: str = "Test token", days: int = 90, second_factor: bool = True):
    """A personal API token of ``user`` and its secret (for ``Authorization: Token <secret>``).

    Tokens of roles with a second factor are issued with one, as the portal does once
    the code was given; pass ``second_factor=False`` for a token issued without it.
    """
    from accounts.models import ApiToken
    from accounts.services import api_token_create

    token, secret = api_token_create(user=user, name=name, days=days, second_factor=True)
    if not second_factor:
        ApiToken.objects.filter(pk=token.pk).update(second_factor=False)
        token.second_factor = False
    return token, secret


def verified(user):
    """The user as a request carries it once their second factor is confirmed."""
    user.otp_device = confirmed_device(user)
    user.is_verified = lambda: True
    return user


class ShelterFactory(DjangoModelFactory):
    class Meta:
        model = "assistance.Shelter"

    name = factory.Sequence(lambda n: f"Shelter {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    country = factory.SubFactory(CountryFactory)
    capacity = 10


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = "assistance.Case"

    country_office = factory.SubFactory(CountryFactory)
    project = factory.SubFactory(ProjectFactory)
    identification_date = datetime.date(2021, 5, 10)
    identified_by = "ngo"
    sex = "Female"
    age_at_identification = 25
    citizenship = "ET"
    country_of_exploitation = "LB"
    is_forced_labour = True
    labour_sector = "typeOfLabourDomesticWork"
    registered_by = factory.SubFactory(
        "tests.factories.UserFactory",
        role=Role.CASE_WORKER,
        username=factory.Sequence(lambda n: f"registrar{n}"),
    )


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = "assistance.Service"

    case = factory.SubFactory(CaseFactory)
    kind = "medical"
    start_date = datetime.date(2021, 6, 1)
    currency = "USD"
    recorded_by = factory.SelfAttribute("case.registered_by")


class ShelterStayFactory(DjangoModelFactory):
    class Meta:
        model = "assistance.ShelterStay"

    case = factory.SubFactory(CaseFactory)
    shelter = factory.SubFactory(ShelterFactory)
    admitted_on = datetime.date(2021, 6, 1)


class ResearchOutputFactory(DjangoModelFactory):
    class Meta:
        model = "research.ResearchOutput"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Assessment of trafficking patterns {n}")
    kind = "assessment"
    status = "published"
    language = "en"
    publication_date = datetime.date(2021, 5, 1)
    abstract = "Trafficking routes and the assistance victims receive."

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        # Filled by default: an empty relation once hid a 500 in the API.
        if create:
            self.countries.set([CountryFactory(code="EG")] if extracted is None else extracted)


class LegislativeSupportFactory(DjangoModelFactory):
    class Meta:
        model = "research.LegislativeSupport"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Anti-trafficking law {n}")
    country = factory.SubFactory(CountryFactory)
    instrument = "law"

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)


class LegislativeStageFactory(DjangoModelFactory):
    class Meta:
        model = "research.LegislativeStage"

    support = factory.SubFactory(LegislativeSupportFactory)
    stage = "drafting"
    date = datetime.date(2021, 1, 15)


class AwarenessActivityFactory(DjangoModelFactory):
    class Meta:
        model = "research.AwarenessActivity"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Awareness campaign {n}")
    kind = "campaign"
    audience = "public"
    channel = "media"
    start_date = datetime.date(2021, 4, 1)
    end_date = datetime.date(2021, 6, 30)
    people_reached = 500

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        # Filled by default: an empty relation once hid a 500 in the API.
        if create:
            self.countries.set([CountryFactory(code="EG")] if extracted is None else extracted)


def random_cases(n: int, *, seed: int, project, country_office, registered_by, **fixed) -> list:
    """``n`` varied cases in one bulk insert (no history), reproducible from ``seed``.

    Values are skewed the way real caseloads are: a few nationalities and types
    of exploitation are common, many are rare. ``fixed`` overrides any field.
    """
    import random

    from assistance.models import Case
    from assistance.vocabulary import LabourSector, MeansOfControl, RecruiterRelation, flag_field

    rng = random.Random(seed)
    citizenships = ["ET"] * 8 + ["BD"] * 5 + ["PH"] * 4 + ["LK", "NP", "SY", "IQ", "EG"] * 2
    citizenships += ["SD", "NG", "KE", "UG", "ID", "MM", "MA", "ER", ""]
    exploitation_countries = ["LB"] * 6 + ["JO"] * 4 + ["IQ", "EG", "SA", "AE", "KW", "SY"]
    sexes = ["Female"] * 30 + ["Male"] * 18 + ["Transgender/NonConforming", ""]
    others = ["is_forced_marriage", "is_forced_military", "is_organ_removal"]
    others += ["is_slavery_and_practices", "is_other_exploit"]
    cases = []
    for _ in range(n):
        labour = rng.random() < 0.55
        sexual = rng.random() < (0.2 if labour else 0.7)
        values = {
            "project": project,
            "country_office": country_office,
            "registered_by": registered_by,
            "identification_date": datetime.date(rng.randint(2012, 2024), rng.randint(1, 12), 1),
            "identified_by": "ngo",
            "sex": rng.choice(sexes),
            "age_at_identification": None if rng.random() < 0.03 else rng.randint(6, 62),
            "citizenship": rng.choice(citizenships),
            "country_of_exploitation": rng.choice(exploitation_countries),
            "is_forced_labour": labour,
            "is_sexual_exploit": sexual,
            "labour_sector": rng.choice(LabourSector.values) if labour else "",
            "recruiter_relation": rng.choice(["", *RecruiterRelation.values]),
        }
        if rng.random() < 0.1 or not (labour or sexual):
            values[rng.choice(others)] = True
        for code in rng.sample(MeansOfControl.values, rng.randint(0, 4)):
            values[flag_field(code)] = True
        consent = rng.random() < 0.8
        values |= {"consent_share_data": consent, "consent_assistance": consent} | fixed
        if values["consent_share_data"] or values["consent_assistance"]:
            values.setdefault("consent_date", values["identification_date"])
        cases.append(Case(**values))
    return Case.objects.bulk_create(cases, batch_size=1000)


class DashboardFactory(DjangoModelFactory):
    class Meta:
        model = "dashboards.Dashboard"

    slug = factory.Sequence(lambda n: f"dashboard-{n}")
    title_en = factory.Sequence(lambda n: f"Dashboard {n}")
    audience = "portfolio"
    is_published = True


class WidgetFactory(DjangoModelFactory):
    class Meta:
        model = "dashboards.Widget"

    dashboard = factory.SubFactory(DashboardFactory)
    position = factory.Sequence(lambda n: n)
    kind = "kpi"
    metric = "projects"
