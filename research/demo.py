"""Demo research, legislative and awareness records from the seed documents.

Loaded by ``manage.py load_demo`` through the research services, as the
system user. Records are matched on their title, so a second run adds
nothing. Where the sources give no day, the date is left empty or placed at
the start of the period they name, and the note says so.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from projects.models import Country, Organisation, Project

from .models import AwarenessActivity, LegislativeSupport, ResearchOutput, SupportType
from .services import activity_save, output_save, support_save

HANDBOOK_EN = "The IOM Handbook on Direct Assistance for Victims of Trafficking"
HANDBOOK_AR = "دليل المنظمة الدولية للهجرة بشأن تقديم المساعدة المباشرة لضحايا الاتجار بالبشر"
ARAB_COUNTRIES = ["DZ", "EG", "IQ", "JO", "LB", "LY", "MA", "SD", "TN", "YE"]
RDPP_COUNTRIES = ["DZ", "EG", "LY", "MR", "MA", "NE", "TN"]
IOM = "International Organization for Migration"

OUTPUTS = [
    {
        "title": "Assessment of trafficking in persons into, within and from Iraq",
        "kind": "assessment",
        "status": "published",
        "language": "en",
        "projects": ["CT.IQ.2008.MAP"],
        "countries": ["IQ", "JO", "SY", "LB"],
        "partners": [IOM],
        "abstract": (
            "Commissioned under the Multi-Action Program for Assistance to Iraqi Victims of "
            "Trafficking: trafficking of foreign nationals into Iraq, of Iraqi nationals within "
            "Iraq and of Iraqi nationals into neighbouring countries, giving new insight into "
            "trafficking in the region."
        ),
    },
    {
        "title": "Research project to study trafficking patterns in Egyptian society",
        "kind": "study",
        "status": "in_progress",
        "language": "en",
        "projects": ["CT.EG.2009.RES"],
        "countries": ["EG"],
        "partners": ["National Centre for Social and Criminological Research"],
        "abstract": (
            "The National Centre for Social and Criminological Research (NCSCR) was tasked with "
            "studying trafficking patterns in Egyptian society; IOM supported the centre. In "
            "progress as of September 2009."
        ),
    },
    {
        "title": HANDBOOK_EN,
        "kind": "handbook",
        "status": "published",
        "language": "en",
        "projects": ["CT.IQ.2008.MAP"],
        "partners": [IOM],
        "abstract": (
            "Guidance and advice on providing comprehensive assistance to victims of "
            "trafficking, from the point of initial contact up to the effective social "
            "reintegration of the individuals concerned. Its Arabic version was launched in "
            "December 2008 at the Regional Expert Meeting on Rights-based Assistance to "
            "Victims of Trafficking in Cairo."
        ),
    },
    {
        "title": HANDBOOK_AR,
        "kind": "handbook",
        "status": "published",
        "language": "ar",
        "translation_of": HANDBOOK_EN,
        "publication_date": dt.date(2008, 12, 14),
        "projects": ["CT.IQ.2008.MAP"],
        "countries": ["EG"],
        "partners": [IOM, "Ministry of Foreign Affairs of Egypt"],
        "abstract": (
            "النسخة العربية من دليل المنظمة الدولية للهجرة لتقديم المساعدة المباشرة لضحايا "
            "الاتجار بالبشر، أُطلقت في القاهرة في ديسمبر 2008 خلال الاجتماع الإقليمي للخبراء "
            "حول المساعدة القائمة على الحقوق لضحايا الاتجار، وهو مرجع لصانعي السياسات "
            "والمشرعين وأجهزة إنفاذ القانون والعاملين في المجتمع والصحة في المنطقة."
        ),
    },
    {
        "title": "Assessment of the detention centre of the General Security in Lebanon",
        "kind": "assessment",
        "status": "published",
        "language": "en",
        "projects": ["CT.PAVE.2013"],
        "countries": ["LB"],
        "partners": [IOM, "General Security Directorate of Lebanon"],
        "abstract": (
            "Conducted in September 2013: the vulnerability of migrant workers before detention "
            "and the challenges of identifying potential victims of trafficking before, during "
            "and after detention. Its findings shaped the screening and referral training of "
            "General Security front-line officers."
        ),
    },
    {
        "title": "Compliance of national legal frameworks of Arab States with the Trafficking "
        "in Persons Protocol",
        "kind": "assessment",
        "status": "published",
        "language": "en",
        "projects": ["CT.ARAB.2011"],
        "countries": ARAB_COUNTRIES,
        "partners": [IOM, "League of Arab States"],
        "abstract": (
            "Knowledge base on the participating countries' legal frameworks and their "
            "compliance with the Trafficking in Persons Protocol and relevant international "
            "legal instruments, complementing the legislative assistance of the Arab Initiative "
            "for Building National Capacities to Combat Human Trafficking."
        ),
    },
    {
        "title": "Regional tools for the protection of victims of trafficking and children on "
        "the move in North Africa",
        "kind": "guidelines",
        "status": "in_progress",
        "language": "en",
        "projects": ["CT.RDPP.2024"],
        "countries": RDPP_COUNTRIES,
        "partners": [IOM],
        "abstract": (
            "Regional tools being developed by IOM and its partners from the exchanges of the "
            "first RDPP Phase VI regional workshop (Cairo, March 2024)."
        ),
    },
    {
        "title": "Regional research on the protection of trafficking victims along North "
        "African migration routes",
        "kind": "study",
        "status": "in_progress",
        "language": "en",
        "projects": ["CT.RDPP.2024"],
        "countries": RDPP_COUNTRIES,
        "partners": [IOM],
        "abstract": (
            "Regional evidence on trafficking and the protection of children on the move, "
            "towards solid policies and better protection standards for migrants in North "
            "Africa and along key routes."
        ),
    },
]

SUPPORTS = [
    {
        "title": "Syrian anti-trafficking legislation",
        "country": "SY",
        "instrument": "law",
        "reference": "Legislative Decree No. 3 of 2010",
        "projects": ["CT.SY.2008.LEG"],
        "support": ["drafting", "review"],
        "description": (
            "IOM assisted the Syrian Government in developing counter-trafficking legislation "
            "giving comprehensive legal grounds to prosecute traffickers. In September 2009 the "
            "draft was expected to be endorsed soon by Parliament; it was adopted as "
            "Legislative Decree No. 3 of 2010."
        ),
        "stages": [
            ("drafting", dt.date(2008, 1, 1), "Drafting supported from the start of the action."),
            (
                "submitted",
                dt.date(2009, 9, 1),
                "Draft expected to be endorsed soon by Parliament (IOM, September 2009).",
            ),
            ("adopted", dt.date(2010, 1, 1), "Legislative Decree No. 3 of 2010 (day not given)."),
        ],
    },
    {
        "title": "Bahrain Anti-Human Trafficking Law",
        "country": "BH",
        "instrument": "law",
        "reference": "Law No. 1 of 2008",
        "projects": ["CT.BH.2008"],
        "support": ["training"],
        "description": (
            "A workshop on Bahrain's Anti-Human Trafficking Law for law enforcement, organised "
            "with the Royal Police Academy under the project for capacity building and "
            "awareness raising on counter trafficking in the Kingdom of Bahrain."
        ),
        "stages": [
            ("in_force", dt.date(2008, 1, 1), "Law No. 1 of 2008 (day not given)."),
        ],
    },
    {
        "title": "Comprehensive Arab regional action plan to prevent and combat human trafficking",
        "country": None,
        "instrument": "regional",
        "projects": ["CT.ARAB.2011"],
        "support": ["drafting", "consultation"],
        "outputs": [],
        "description": (
            "Development of a comprehensive Arab regional action plan to prevent and combat "
            "human trafficking to, from and within the Arab region, with the League of Arab "
            "States and a Trafficking in Persons Coordination Unit within its structures."
        ),
        "stages": [("drafting", dt.date(2011, 6, 8), "Project start.")],
    },
    {
        "title": "Harmonised national legislative frameworks in the Arab region",
        "country": None,
        "instrument": "law",
        "projects": ["CT.ARAB.2011"],
        "support": ["review", "training"],
        "outputs": [
            "Compliance of national legal frameworks of Arab States with the Trafficking in "
            "Persons Protocol"
        ],
        "description": (
            "National legislative frameworks harmonised with the requirements of the "
            "Trafficking in Persons Protocol and the relevant human rights instruments, "
            "promoted in Algeria, Egypt, Iraq, Jordan, Lebanon, Libya, Morocco, Sudan, Tunisia "
            "and Yemen."
        ),
        "stages": [("assessment", dt.date(2011, 6, 8), "Review of national legal frameworks.")],
    },
]

ACTIVITIES = [
    {
        "title": "Awareness raising on counter trafficking in the Kingdom of Bahrain",
        "kind": "campaign",
        "audience": "public",
        "channel": "media",
        "countries": ["BH"],
        "projects": ["CT.BH.2008"],
        "start_date": dt.date(2008, 7, 1),
        "end_date": dt.date(2010, 6, 30),
        "description": (
            "Awareness raising on trafficking in persons in Bahrain, with training for Arabic "
            "media so that reporting reaches the public."
        ),
        "reach_note": "Reach not given in the sources.",
    },
    {
        "title": "PAVE awareness-raising on the exploitation of migrant workers",
        "kind": "campaign",
        "audience": "migrants",
        "channel": "several",
        "countries": ["EG", "IQ", "JO", "SA", "LB"],
        "projects": ["CT.PAVE.2013"],
        "start_date": dt.date(2013, 1, 1),
        "end_date": dt.date(2015, 12, 31),
        "description": (
            "Awareness-raising, one of the six activities of the PAVE project, to protect "
            "migrant workers against exploitation and human trafficking."
        ),
        "reach_note": "Reach not given in the sources.",
    },
    {
        "title": "Information session on Lebanon's efforts to combat trafficking in persons",
        "kind": "event",
        "audience": "officials",
        "channel": "community",
        "countries": ["LB"],
        "projects": ["CT.PAVE.2013"],
        "start_date": dt.date(2014, 6, 27),
        "end_date": dt.date(2014, 6, 27),
        "people_reached": 36,
        "description": (
            "Hosted by IOM and the General Security Directorate with the European Union "
            "Delegation: results of the detention centre assessment and of the training of "
            "front-line officers."
        ),
        "reach_note": (
            "The 36 trained officers; officials and diplomats also attended, their number is "
            "not given."
        ),
    },
]


def _projects(codes: list[str]) -> list[Project]:
    return list(Project.objects.filter(code__in=codes))


def _countries(codes: list[str]) -> list[Country]:
    return list(Country.objects.filter(code__in=codes))


@transaction.atomic
def load_research(user) -> int:
    """Create the demo records that are missing; returns how many were written."""
    written = 0
    for spec in OUTPUTS:
        if ResearchOutput.objects.filter(title=spec["title"]).exists():
            continue
        original = spec.get("translation_of")
        output_save(
            user=user,
            data={
                "title": spec["title"],
                "kind": spec["kind"],
                "status": spec["status"],
                "language": spec["language"],
                "publication_date": spec.get("publication_date"),
                "abstract": spec["abstract"],
                "translation_of": (
                    ResearchOutput.objects.get(title=original) if original else None
                ),
            },
            projects=_projects(spec["projects"]),
            countries=_countries(spec.get("countries", [])),
            partners=Organisation.objects.filter(name__in=spec.get("partners", [])),
        )
        written += 1
    for spec in SUPPORTS:
        if LegislativeSupport.objects.filter(title=spec["title"]).exists():
            continue
        support_save(
            user=user,
            data={
                "title": spec["title"],
                "country": Country.objects.get(code=spec["country"]) if spec["country"] else None,
                "instrument": spec["instrument"],
                "reference": spec.get("reference", ""),
                "description": spec["description"],
            },
            projects=_projects(spec["projects"]),
            support_types=SupportType.objects.filter(code__in=spec["support"]),
            outputs=ResearchOutput.objects.filter(title__in=spec.get("outputs", [])),
            stages=[
                {"stage": stage, "date": date, "note": note} for stage, date, note in spec["stages"]
            ],
        )
        written += 1
    for spec in ACTIVITIES:
        if AwarenessActivity.objects.filter(title=spec["title"]).exists():
            continue
        data = {k: v for k, v in spec.items() if k not in ("projects", "countries")}
        activity_save(
            user=user,
            data=data,
            projects=_projects(spec["projects"]),
            countries=_countries(spec["countries"]),
        )
        written += 1
    return written
