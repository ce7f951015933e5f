"""Demo training sessions from the seed documents, loaded by ``manage.py load_demo``.

Where the sources give a head count but not who came, participants are
recorded as totals with sex "not stated". Dates the sources do not give are
placed within the project's period.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from projects.models import Country, Indicator, Organisation, Project

from .models import Audience, TrainingSession
from .services import session_save

GRR_MODULES = [
    "Identification of and referral systems for victims of trafficking",
    "Investigation and interview techniques",
    "Arrest and prosecution of criminals",
    "National plans of action and task teams",
    "International intelligence exchange and cooperation",
    "Direct victim assistance in the international context",
]

SESSIONS = [
    {
        "project": "CT.EG.2008.GRR",
        "title": "Three-week training programme for law enforcement officials",
        "kind": "training",
        "host": "EG",
        "city": "Cairo",
        "start": dt.date(2008, 6, 1),
        "end": dt.date(2008, 6, 21),
        "topics": GRR_MODULES,
        "audiences": ["police", "immigration"],
        "partners": ["Ministry of Interior of Egypt"],
        "counted": 20,
        "feeds_indicator": True,
    },
    {
        "project": "CT.IQ.2008.MAP",
        "title": "Regional Expert Meeting on Rights-based Assistance to Victims of Trafficking",
        "kind": "expert_meeting",
        "host": "EG",
        "city": "Cairo",
        "start": dt.date(2008, 12, 14),
        "end": dt.date(2008, 12, 16),
        "topics": [
            "Rights-based approach to counter-trafficking",
            "Best international and regional practices in direct assistance",
            "Launch of the Arabic Handbook on Direct Assistance for Victims of Trafficking",
        ],
        "audiences": ["policy_makers", "ngo_staff", "diplomats"],
        "partners": ["Ministry of Foreign Affairs of Egypt"],
        "notes": "Representatives of 22 Arab countries, NGOs, civil society, research "
        "institutes and UN agencies.",
    },
    {
        "project": "CT.BH.2008",
        "title": "Interviewing and investigative techniques",
        "kind": "training",
        "host": "BH",
        "city": "Manama",
        "start": dt.date(2009, 3, 15),
        "end": dt.date(2009, 3, 19),
        "topics": ["Interviewing victims of trafficking", "Investigative techniques"],
        "audiences": ["police"],
        "partners": ["Royal Police Academy of Bahrain"],
        "counted": 38,
        "feeds_indicator": True,
    },
    {
        "project": "CT.BH.2008",
        "title": "Training for Arabic media",
        "kind": "training",
        "host": "BH",
        "city": "Manama",
        "start": dt.date(2009, 5, 10),
        "end": dt.date(2009, 5, 11),
        "audiences": ["media"],
    },
    {
        "project": "CT.BH.2008",
        "title": "Shelter management and psychosocial assistance to victims",
        "kind": "training",
        "host": "BH",
        "city": "Manama",
        "start": dt.date(2009, 6, 7),
        "end": dt.date(2009, 6, 9),
        "audiences": ["shelter_staff", "social_workers"],
    },
    {
        "project": "CT.BH.2008",
        "title": "Bahrain Anti-Human Trafficking Law workshop",
        "kind": "workshop",
        "host": "BH",
        "city": "Manama",
        "start": dt.date(2009, 9, 20),
        "end": dt.date(2009, 9, 20),
        "audiences": ["police", "prosecutors"],
        "partners": ["Royal Police Academy of Bahrain"],
    },
    *[
        {
            "project": "CT.PAVE.2013",
            "title": f"Victim identification and protection, session {number}",
            "kind": "training",
            "host": "LB",
            "city": "Beirut",
            "start": start,
            "end": start + dt.timedelta(days=2),
            "topics": [
                "Screening interviews among detainees",
                "Identification of trafficking cases",
                "Referral to assistance services",
            ],
            "audiences": ["immigration", "border_guards"],
            "partners": ["General Security Directorate of Lebanon"],
            "counted": 12,
            "feeds_indicator": True,
        }
        for number, start in enumerate(
            [dt.date(2014, 3, 10), dt.date(2014, 4, 14), dt.date(2014, 5, 19)], start=1
        )
    ],
    {
        "project": "CT.RDPP.2024",
        "title": "Regional Workshop on the Protection of Trafficking Victims and Children on "
        "Migration Routes",
        "kind": "workshop",
        "host": "EG",
        "city": "Cairo",
        "start": dt.date(2024, 3, 5),
        "end": dt.date(2024, 3, 6),
        "topics": [
            "Promising practices in protecting victims of trafficking",
            "Children on the move along key migration routes",
        ],
        "audiences": ["policy_makers", "social_workers"],
        "partners": [
            "African Union",
            "United Nations Children's Fund",
            "Office of the United Nations High Commissioner for Refugees",
            "United Nations Office on Drugs and Crime",
            "European Union Agency for Asylum",
        ],
        "counted": 30,
        "feeds_indicator": True,
        "notes": "Representatives of Algeria, Egypt, Libya, Mauritania, Morocco, Niger and "
        "Tunisia.",
    },
    {
        "project": "CT.ARAB.2011",
        "title": "Regional and national specialised training workshops (2011–2019)",
        "kind": "training",
        "host": "EG",
        "city": "Cairo",
        "start": dt.date(2011, 9, 1),
        "end": dt.date(2019, 5, 31),
        "topics": ["Counter-trafficking in persons", "Counter-migrant smuggling"],
        "audiences": ["police", "prosecutors", "judges", "border_guards"],
        "partners": ["League of Arab States", "International Labour Organization"],
        "counted": 2003,
        "feeds_indicator": True,
        "notes": "Practitioners from Algeria, Egypt, Iraq, Jordan, Lebanon, Libya, Morocco, "
        "Sudan, Tunisia and Yemen.",
    },
]


@transaction.atomic
def load_training_sessions(user) -> int:
    """Create the demo sessions that are missing; returns how many were written."""
    written = 0
    for spec in SESSIONS:
        project = Project.objects.get(code=spec["project"])
        if TrainingSession.objects.filter(
            project=project, title=spec["title"], start_date=spec["start"]
        ).exists():
            continue
        counted = spec.get("counted")
        session_save(
            user=user,
            data={
                "project": project,
                "title": spec["title"],
                "kind": spec["kind"],
                "topics": "\n".join(spec.get("topics", [])),
                "host_country": Country.objects.get(code=spec["host"]),
                "city": spec["city"],
                "start_date": spec["start"],
                "end_date": spec["end"],
                "status": "held",
                "notes": spec.get("notes", ""),
            },
            audiences=Audience.objects.filter(code__in=spec.get("audiences", [])),
            partners=Organisation.objects.filter(name__in=spec.get("partners", [])),
            indicators=(
                Indicator.objects.filter(result__project=project)[:1]
                if spec.get("feeds_indicator")
                else None
            ),
            counts=[{"dimension": "sex", "sex": "other", "count": counted}] if counted else None,
        )
        written += 1
    return written
