"""Demo victim assistance: synthetic cases of the direct-assistance projects of the seeds.

The seeds tell of direct assistance under the Multi-Action Program for
Iraqi victims of trafficking (Iraq, Jordan, Syria, Lebanon and Egypt,
2008–2010) and of the shelter opened in Syria with IOM's support. Nothing
about any real victim is known or used: every case here is drawn from a
seeded random generator, and every name is plainly fictitious ("Demo
Person LB-007"). Each country office gets a shelter, a demo case worker and
40 to 60 cases with services, referrals, shelter stays and notes, most of
them consenting to sharing anonymised data, so the CTDC release has rows.

Cases and their care are written in bulk, as the office's demo case worker,
with their history rows and identity access log entries, so the demo loads
in a moment; the values are valid by construction (the tests hold every
record to the models' validation). Loading twice adds nothing: an office's
cases are generated in the same order every time, and only those not there
yet are written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from accounts.models import User
from ctportal.access import Role
from projects.models import Country, Organisation, Project

from . import care_services
from .ctdc import ctdc_release_publish, current_release
from .models import (
    Case,
    CaseNote,
    Identity,
    IdentityAccess,
    Referral,
    Service,
    Shelter,
    ShelterStay,
)
from .providers.demo import load_providers
from .vocabulary import (
    CaseStatus,
    ClosureReason,
    IdentifiedBy,
    IdentityAction,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    ReferralStatus,
    ServiceKind,
    Vulnerability,
    flag_field,
)

MAP = "CT.IQ.2008.MAP"
SHELTER_PROJECT = "CT.SY.2009.SHL"
IOM = "International Organization for Migration"
# Public like the other demo passwords, set only when demo logins are asked for.
PASSWORD = "{username}-demo-2024"  # noqa: S105


@dataclass(frozen=True)
class Office:
    code: str
    username: str
    first_name: str
    cases: int
    shelter: str
    capacity: int
    # Where victims of this office come from, most likely first.
    citizenships: tuple[str, ...]
    partners: tuple[str, ...]


OFFICES = (
    Office(
        "IQ",
        "case.iraq",
        "Ibrahim",
        60,
        "Baghdad transit shelter (demo)",
        16,
        ("IQ", "IQ", "IQ", "SY", "IR", "BD"),
        ("United Nations Children's Fund",),
    ),
    Office(
        "JO",
        "case.jordan",
        "Jana",
        45,
        "Amman safe house (demo)",
        12,
        ("IQ", "IQ", "SY", "EG", "BD", "LK", "PH", "ID"),
        ("Office of the United Nations High Commissioner for Refugees",),
    ),
    Office(
        "SY",
        "case.syria",
        "Salma",
        50,
        "Damascus shelter for victims of trafficking (demo)",
        20,
        ("IQ", "IQ", "IQ", "SY", "SO", "ET"),
        ("Office of the United Nations High Commissioner for Refugees",),
    ),
    Office(
        "LB",
        "case.lebanon",
        "Layla",
        55,
        "Beirut safe house (demo)",
        14,
        ("ET", "ET", "IQ", "IQ", "BD", "LK", "PH", "NP", "SY"),
        ("General Security Directorate of Lebanon", "International Labour Organization"),
    ),
    Office(
        "EG",
        "case.egypt",
        "Eman",
        40,
        "Cairo shelter (demo)",
        12,
        ("EG", "EG", "IQ", "SD", "ER", "ET"),
        ("Ministry of Health of Egypt", "United Nations Children's Fund"),
    ),
)
# The Multi-Action Program ran 2008-2010; the Syrian shelter opened in 2009.
PERIODS = {MAP: (dt.date(2008, 2, 1), dt.date(2010, 11, 30))}
PERIODS[SHELTER_PROJECT] = (dt.date(2009, 3, 1), dt.date(2010, 6, 15))
# The EU-funded action to protect and assist vulnerable and exploited migrants.
PAVE = "CT.PAVE.2013"
PAVE_OFFICES = {"EG", "IQ", "JO", "LB"}
PERIODS[PAVE] = (dt.date(2013, 1, 1), dt.date(2015, 12, 31))
CARE = [
    ServiceKind.PSYCHOSOCIAL,
    ServiceKind.MEDICAL,
    ServiceKind.LEGAL,
    ServiceKind.DOCUMENTATION,
    ServiceKind.INTERPRETATION,
    ServiceKind.FAMILY_TRACING,
    ServiceKind.FINANCIAL,
    ServiceKind.RETURN,
    ServiceKind.REINTEGRATION,
    ServiceKind.EDUCATION,
]
LABOUR = [
    LabourSector.DOMESTIC_WORK,
    LabourSector.DOMESTIC_WORK,
    LabourSector.CONSTRUCTION,
    LabourSector.AGRICULTURE,
    LabourSector.BEGGING,
    LabourSector.HOSPITALITY,
]
IDENTIFIED_BY = [
    IdentifiedBy.LAW_ENFORCEMENT,
    IdentifiedBy.NGO,
    IdentifiedBy.INTERNATIONAL,
    IdentifiedBy.SELF,
    IdentifiedBy.HOTLINE,
    IdentifiedBy.EMBASSY,
    IdentifiedBy.HEALTH,
]
CLOSURES = [ClosureReason.COMPLETED, ClosureReason.RETURNED, ClosureReason.TRANSFERRED]
CLOSURES += [ClosureReason.LOST_CONTACT]
NOTES = [
    "Initial interview held with an interpreter; immediate needs assessed.",
    "Follow-up call: the beneficiary is settling in and attends counselling.",
    "Medical check-up completed; follow-up appointment arranged.",
    "Family contacted with the beneficiary's agreement.",
]


@dataclass
class Loaded:
    cases: int = 0
    created: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)


def _case_worker(system, office: Office, country: Country, with_password: bool) -> User:
    """The office's demo case worker; without known password unless demo logins are wanted."""
    user = User.objects.filter(username=office.username).first()
    if user is None:
        user = User(username=office.username)
        user.set_unusable_password()
    values = {
        "role": Role.CASE_WORKER,
        "first_name": office.first_name,
        "last_name": "Caseworker",
        "email": f"{office.username}@demo.ctportal.invalid",
        "is_active": True,
        "country_office": country,
    }
    changed = user._state.adding or any(getattr(user, k) != v for k, v in values.items())
    for name, value in values.items():
        setattr(user, name, value)
    password = PASSWORD.format(username=office.username)
    if with_password and not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user._history_user = system
        user.save()
    if list(user.countries.all()) != [country]:
        user.countries.set([country])
    return user


def _shelter(system, office: Office, country: Country, iom: Organisation) -> Shelter:
    shelter = Shelter.objects.filter(organisation=iom, name=office.shelter).first()
    if shelter is not None:
        return shelter
    return care_services.shelter_save(
        user=system,
        data={
            "name": office.shelter,
            "organisation": iom,
            "country": country,
            "capacity": office.capacity,
        },
    )


def _case(rng: random.Random, office: Office, project: Project) -> Case:
    start, end = PERIODS[project.code]
    identified = start + dt.timedelta(days=rng.randrange((end - start).days))
    sexual = rng.random() < 0.45
    labour = not sexual or rng.random() < 0.15
    types = {"is_sexual_exploit": sexual, "is_forced_labour": labour}
    if rng.random() < 0.12:
        types[rng.choice(["is_forced_marriage", "is_other_exploit"])] = True
    citizenship = rng.choice(office.citizenships)
    minor = rng.random() < 0.18
    flags = {
        flag_field(code): True for code in rng.sample(MeansOfControl.values, rng.randint(1, 4))
    }
    flags[flag_field(Vulnerability.IRREGULAR_STATUS)] = citizenship != office.code
    flags[flag_field(Vulnerability.UNACCOMPANIED_CHILD)] = minor and rng.random() < 0.5
    flags[flag_field(Vulnerability.DISPLACED)] = citizenship == "IQ" and office.code != "IQ"
    return Case(
        project=project,
        identification_date=identified,
        identified_by=rng.choice(IDENTIFIED_BY),
        sex="Female" if rng.random() < 0.8 else "Male",
        age_at_identification=rng.randint(13, 17) if minor else rng.randint(18, 45),
        citizenship=citizenship,
        country_of_origin=citizenship,
        transit_countries=["SY"] if citizenship == "IQ" and office.code in {"LB", "JO"} else [],
        country_of_exploitation=office.code if rng.random() < 0.85 else "IQ",
        labour_sector=rng.choice(LABOUR) if labour else "",
        recruiter_relation=rng.choice(RecruiterRelation.values),
        consent_assistance=True,
        consent_referral=rng.random() < 0.7,
        consent_share_data=rng.random() < 0.85,
        consent_date=identified,
        **types,
        **flags,
    )


@dataclass
class Care:
    """What one office's new cases received, ready for bulk inserts."""

    services: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    stays: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _care(rng, worker, case: Case, office: Office, shelter: Shelter, orgs: dict, care: Care):
    """A shelter stay for some, services, perhaps a referral and a note; half get closed."""
    day = case.identification_date
    iom = orgs[IOM]
    last = day
    if rng.random() < 0.4:
        admitted = day + dt.timedelta(days=rng.randint(0, 3))
        discharged = admitted + dt.timedelta(days=rng.randint(7, 60))
        care.stays.append(
            ShelterStay(case=case, shelter=shelter, admitted_on=admitted, discharged_on=discharged)
        )
        care.services.append(
            Service(
                case=case,
                kind=ServiceKind.SHELTER,
                provider=iom,
                start_date=admitted,
                end_date=discharged,
                recorded_by=worker,
            )
        )
        last = discharged
    for kind in rng.sample(CARE, rng.randint(1, 3)):
        start = day + dt.timedelta(days=rng.randint(1, 90))
        end = start + dt.timedelta(days=rng.randint(0, 30))
        care.services.append(
            Service(
                case=case,
                kind=kind,
                provider=iom,
                start_date=start,
                end_date=end,
                cost=Decimal(rng.randint(2, 60) * 25),
                currency="USD",
                recorded_by=worker,
            )
        )
        last = max(last, end)
    if rng.random() < 0.35:
        sent = day + dt.timedelta(days=rng.randint(2, 20))
        care.referrals.append(
            Referral(
                case=case,
                from_organisation=iom,
                to_organisation=orgs[rng.choice(office.partners)],
                service_kind=rng.choice([ServiceKind.LEGAL, ServiceKind.MEDICAL]),
                sent_on=sent,
                status=ReferralStatus.ACCEPTED,
                responded_on=sent + dt.timedelta(days=rng.randint(1, 7)),
                consent_override=not case.consent_referral,
                override_reason="" if case.consent_referral else "Medical emergency (demo).",
                sent_by=worker,
            )
        )
    if rng.random() < 0.5:
        care.notes.append(CaseNote(case=case, author=worker, text=rng.choice(NOTES)))
    if rng.random() < 0.5:
        case.status = CaseStatus.CLOSED
        case.closure_reason = rng.choice(CLOSURES)
        case.closed_on = last + dt.timedelta(days=rng.randint(30, 120))
    else:
        case.status = CaseStatus.SERVICES


def _save(worker, cases: list[Case], identities: list[Identity], care: Care) -> None:
    """Everything of one office in a few inserts, with history and access-log rows."""
    bulk_create_with_history(cases, Case, default_user=worker)
    for identity in identities:
        identity.case_id = identity.case.pk
    Identity.objects.bulk_create(identities)
    IdentityAccess.objects.bulk_create(
        IdentityAccess(user=worker, case=case, action=IdentityAction.WRITE) for case in cases
    )
    for model, rows in ((Service, care.services), (Referral, care.referrals)):
        bulk_create_with_history(rows, model, default_user=worker)
    bulk_create_with_history(care.stays, ShelterStay, default_user=worker)
    CaseNote.objects.bulk_create(care.notes)


def _project_code(office: Office, n: int) -> str:
    if office.code == "SY" and n % 2:
        return SHELTER_PROJECT
    if office.code in PAVE_OFFICES and n % 3 == 2:
        return PAVE
    return MAP


def load_assistance(system, *, with_logins: bool) -> Loaded:
    """Shelters, case workers and cases of each office; returns counts and demo logins."""
    loaded = Loaded()
    projects = {p.code: p for p in Project.objects.filter(code__in=PERIODS)}
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=_organisation_names())}
    countries = {c.code.code: c for c in Country.objects.filter(code__in=[o.code for o in OFFICES])}
    for office in OFFICES:
        country = countries[office.code]
        worker = _case_worker(system, office, country, with_logins)
        shelter = _shelter(system, office, country, orgs[IOM])
        rng = random.Random(f"ctportal-demo-{office.code}")
        existing = Case.objects.filter(country_office=country, registered_by=worker).count()
        cases, identities, care = [], [], Care()
        for n in range(office.cases):
            project = projects[_project_code(office, n)]
            case = _case(rng, office, project)
            if n < existing:
                continue
            case.country_office, case.registered_by = country, worker
            _care(
                random.Random(f"ctportal-demo-{office.code}-{n}"),
                worker,
                case,
                office,
                shelter,
                orgs,
                care,
            )
            cases.append(case)
            identities.append(
                Identity(
                    case=case,
                    given_name="Demo",
                    family_name=f"Person {office.code}-{n + 1:03d}",
                    address=f"{n + 1} Example Street, Fictitious Town",
                    updated_by=worker,
                )
            )
        if cases:
            _save(worker, cases, identities, care)
        loaded.created += len(cases)
        loaded.cases += office.cases
        if with_logins:
            password = PASSWORD.format(username=office.username)
            scope = f"{country.name_en} office (second factor set up at first sign-in)"
            loaded.logins.append((office.username, password, str(Role.CASE_WORKER.label), scope))
    load_providers(system, OFFICES)
    if loaded.created or current_release() is None:
        # The CTDC files and records are cut from a release: publish one of the new cases.
        ctdc_release_publish()
    return loaded


def _organisation_names() -> set[str]:
    return {IOM} | {name for office in OFFICES for name in office.partners}
