"""Demo portfolio: IOM's counter-trafficking work in the Middle East and North Africa.

Facts (titles, dates, budgets, donors, partners, countries, figures) come from
IOM's public project sheets and news releases. Where a source gives no amount,
the amount stays unknown (a budget of 0 and no transactions) rather than being
made up. The sources give only totals, so the yearly expenditure of the two
projects with a known budget is a split of that total, and says so.
"""

import datetime as dt
from decimal import Decimal

D = Decimal

# Region: the ISO 3166-1 codes of its countries.
REGIONS = {
    "nile_valley": ["EG", "SD"],
    "mashreq": ["LB", "SY", "JO", "IQ", "PS"],
    "maghreb": ["MA", "DZ", "TN", "LY", "MR"],
    "gcc": ["BH", "KW", "QA", "OM", "SA", "AE"],
    "arabian_peninsula": ["YE"],
    "horn_of_africa": ["SO", "ET", "DJ", "ER"],
    "sahel": ["NE"],
    "other": ["TR"],
    "europe": ["AT", "BE", "DE", "IT", "GB"],
    "north_america": ["US"],
}
COUNTRIES = {code: region for region, codes in REGIONS.items() for code in codes}

# django-countries' names, except where the usual short form reads better.
COUNTRY_NAME_OVERRIDES = {
    ("SA", "ar"): "المملكة العربية السعودية",
    ("PS", "fr"): "Palestine",
    ("SA", "fr"): "Arabie saoudite",
    ("US", "en"): "United States",
    ("US", "fr"): "États-Unis",
    ("US", "ar"): "الولايات المتحدة",
}

# The thematic areas the demo projects use (migrations create them too).
THEMES = {
    "prevention": "Prevention",
    "protection": "Protection",
    "prosecution": "Prosecution",
    "partnership": "Partnership",
    "research": "Research",
}

IOM = "International Organization for Migration"
EU = "European Union"
ITALY_MOI = "Ministry of Interior of Italy"

# name: (acronym, kind, country code or "", IATI organisation identifier)
ORGANISATIONS = {
    IOM: ("IOM", "igo", "", "XM-DAC-47066"),
    "Austria": ("", "donor_government", "AT", "XM-DAC-1"),
    "Belgium": ("", "donor_government", "BE", "XM-DAC-2"),
    "Germany": ("", "donor_government", "DE", "XM-DAC-5"),
    "Italy": ("", "donor_government", "IT", "XM-DAC-6"),
    "United Kingdom": ("", "donor_government", "GB", "XM-DAC-12"),
    "United States": ("", "donor_government", "US", "XM-DAC-302"),
    EU: ("EU", "regional_body", "", "XM-DAC-918"),
    "League of Arab States": ("LAS", "regional_body", "", ""),
    "Qatar Foundation for Combating Human Trafficking": ("QFCHT", "foundation", "QA", ""),
    "International Labour Organization": ("ILO", "un_agency", "", "XM-DAC-41302"),
    "United Nations Children's Fund": ("UNICEF", "un_agency", "", "XM-DAC-41122"),
    "Office of the United Nations High Commissioner for Refugees": (
        "UNHCR",
        "un_agency",
        "",
        "XM-DAC-41121",
    ),
    "United Nations Office on Drugs and Crime": ("UNODC", "un_agency", "", ""),
    "European Union Agency for Asylum": ("EUAA", "regional_body", "", ""),
    "African Union": ("AU", "regional_body", "", ""),
    "Ministry of Interior of Egypt": ("", "ministry", "EG", ""),
    "Ministry of Foreign Affairs of Egypt": ("", "ministry", "EG", ""),
    "Ministry of Health of Egypt": ("", "ministry", "EG", ""),
    "National Centre for Social and Criminological Research": (
        "NCSCR",
        "research_centre",
        "EG",
        "",
    ),
    "General Security Directorate of Lebanon": ("GSD", "ministry", "LB", ""),
    "Royal Police Academy of Bahrain": ("", "academy", "BH", ""),
    ITALY_MOI: ("", "ministry", "IT", ""),
}

FUNDING, ACCOUNTABLE, IMPLEMENTING = 1, 2, 4
CLOSED, IMPLEMENTATION = 4, 2
COMMITMENT, EXPENDITURE, INCOMING_COMMITMENT = 2, 4, 11

ARF_DONORS = [
    "Austria",
    "Belgium",
    "Germany",
    "Italy",
    "United Kingdom",
    "United States",
]
ARF_COUNTRIES = ["DZ", "EG", "IQ", "JO", "LB", "LY", "MA", "SD", "TN", "YE"]
RDPP_COUNTRIES = ["DZ", "EG", "LY", "MR", "MA", "NE", "TN"]


def _even(codes: list[str]) -> list[tuple[str, Decimal]]:
    """Equal shares to two decimals; the first country takes the rounding rest."""
    share = (D(100) / len(codes)).quantize(D("0.01"))
    rest = D(100) - share * len(codes)
    return [(code, share + (rest if i == 0 else 0)) for i, code in enumerate(codes)]


def _expenditure(years: dict[int, str], currency: str) -> list[dict]:
    return [
        {
            "kind": EXPENDITURE,
            "date": dt.date(year, 12, 31),
            "value": D(value),
            "currency": currency,
            "description": "Expenditure of the year (split of the reported total budget)",
        }
        for year, value in years.items()
    ]


PROJECTS = [
    {
        "code": "CT.ARAB.2011",
        "title": (
            "Strengthening the Framework of the Arab Region to Prevent and Combat Human "
            "Trafficking and Migrant Smuggling"
        ),
        "description": (
            "Together with the Arab Initiative for Building National Capacities to Combat "
            "Human Trafficking, this regional project intensifies and coordinates national "
            "counter-trafficking efforts in the region within a sound regional framework, "
            "through regional and national specialized training workshops and a regional "
            "coordinating framework that brings together all interested partners."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2011, 6, 8),
        "planned_end": dt.date(2019, 6, 7),
        "budget": D("6603958"),
        "currency": "USD",
        "themes": ["prevention", "prosecution", "protection", "partnership"],
        "target_groups": [
            "Legislators",
            "Parliamentarians",
            "Policy makers",
            "Criminal justice practitioners",
            "Victim service providers",
            "Actual and potential victims of human trafficking",
        ],
        "objectives": [
            "Development of a comprehensive Arab regional action plan to prevent and combat "
            "human trafficking to, from and within the Arab Region",
            "Establishment of a Trafficking in Persons Coordination Unit within the League of "
            "Arab States structures",
            "Complementing the legislative assistance of the Arab Initiative to enhance the "
            "knowledge base on the compliance of participating countries' legal frameworks "
            "with the Trafficking in Persons Protocol and relevant international instruments",
            "In-depth capacity training of criminal justice actors",
        ],
        "achievements": [
            "A comprehensive regional framework developed to guide further action by target "
            "countries to prevent and combat trafficking in persons to, from and within the "
            "Arab Region",
            "Centralized coordination of the implementation of the Regional Strategy and "
            "reporting on its progress, including coordination of data collection on human "
            "trafficking and of capacity building activities",
            "Harmonized national legislative frameworks in compliance with the Trafficking in "
            "Persons Protocol and the relevant human rights instruments promoted",
            "Skills of law enforcement practitioners, prosecutors and judges to prevent and "
            "investigate human trafficking while assisting and protecting victims built",
            "Targeted counter-trafficking and counter-smuggling training delivered to 2,003 "
            "law enforcement, criminal justice and other practitioners from Algeria, Egypt, "
            "Iraq, Jordan, Lebanon, Libya, Morocco, Sudan, Tunisia and Yemen",
        ],
        "fundings": [(name, None, "USD") for name in ARF_DONORS],
        "partners": [
            "League of Arab States",
            "Qatar Foundation for Combating Human Trafficking",
            "International Labour Organization",
        ],
        "countries": _even(ARF_COUNTRIES),
        "transactions": [
            {
                "kind": COMMITMENT,
                "date": dt.date(2011, 6, 8),
                "value": D("6603958"),
                "currency": "USD",
                "description": "Total budget",
            },
            *_expenditure(
                {
                    2011: "310000",
                    2012: "720000",
                    2013: "905000",
                    2014: "980000",
                    2015: "1010000",
                    2016: "945000",
                    2017: "860000",
                    2018: "610000",
                    2019: "263958",
                },
                "USD",
            ),
        ],
        "indicators": [
            (
                "Capacity of criminal justice practitioners built",
                "Practitioners trained in counter-trafficking and counter-smuggling",
                "practitioners",
                (dt.date(2011, 6, 8), dt.date(2019, 6, 7), D(2003), D(2003)),
            ),
        ],
    },
    {
        "code": "CT.PAVE.2013",
        "title": (
            "Action to Protect and Assist Vulnerable and Exploited Migrant Workers in the "
            "Middle East and North Africa (PAVE)"
        ),
        "description": (
            "Contributes to the broadest protection of migrant workers against exploitation "
            "and human trafficking in Egypt, Iraq, Jordan, the Kingdom of Saudi Arabia and "
            "Lebanon through capacity building for frontline actors, regional dialogues, study "
            "visits, victim assistance and awareness-raising. The European Union contributes "
            "80 per cent of the EUR 1.7 million budget."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2013, 1, 1),
        "planned_end": dt.date(2015, 12, 31),
        "budget": D("1700000"),
        "currency": "EUR",
        "themes": ["protection", "prevention", "partnership"],
        "target_groups": [
            "Migrant workers",
            "Victims of trafficking",
            "Frontline officers (General Security, Lebanon)",
        ],
        "objectives": [
            "Capacity building for frontline actors",
            "Regional dialogues",
            "Study visits",
            "Victim assistance",
            "Awareness-raising",
        ],
        "achievements": [
            "Assessment of Lebanon's detention centre (September 2013) on the vulnerability "
            "of migrant workers and the identification of potential victims of trafficking",
            "Three training sessions on victim identification and protection for 36 General "
            "Security front-line officers, with the General Security Directorate",
            "Information session on Lebanon's efforts to combat trafficking in persons "
            "(27 June 2014)",
        ],
        "fundings": [(EU, D("1360000"), "EUR")],
        "partners": ["General Security Directorate of Lebanon"],
        "countries": _even(["EG", "IQ", "JO", "SA", "LB"]),
        "transactions": [
            {
                "kind": INCOMING_COMMITMENT,
                "date": dt.date(2013, 1, 1),
                "value": D("1360000"),
                "currency": "EUR",
                "description": "European Union contribution (80% of the budget)",
                "provider": EU,
            },
            *_expenditure({2013: "420000", 2014: "690000", 2015: "590000"}, "EUR"),
        ],
        "indicators": [
            (
                "Frontline officers able to identify and refer victims of trafficking",
                "General Security front-line officers trained in victim identification "
                "and protection (3 sessions)",
                "officers",
                (dt.date(2013, 9, 1), dt.date(2014, 6, 30), None, D(36)),
            ),
        ],
    },
    {
        "code": "CT.EG.2008.GRR",
        "title": "Counter-Trafficking Technical Assistance and Training: A Global Rapid Response",
        "description": (
            "With the Egyptian Ministry of Interior, a three-week training programme for 20 "
            "law enforcement officials in June 2008 on victim identification and referral, "
            "investigation and interview techniques, arrest and prosecution, national plans "
            "of action and task teams, international intelligence exchange and direct victim "
            "assistance."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2008, 1, 1),
        "planned_end": dt.date(2008, 12, 31),
        "themes": ["prosecution", "protection"],
        "target_groups": ["Law enforcement officials"],
        "achievements": ["Three-week training programme for 20 law enforcement officials"],
        "partners": ["Ministry of Interior of Egypt"],
        "countries": [("EG", D(100))],
        "indicators": [
            (
                "Law enforcement capacity to identify victims and prosecute traffickers",
                "Law enforcement officials trained",
                "officials",
                (dt.date(2008, 6, 1), dt.date(2008, 6, 30), D(20), D(20)),
            ),
        ],
    },
    {
        "code": "CT.EG.2010.INV",
        "title": (
            "Supporting the Government of Egypt's Efforts to Combat Human Trafficking by "
            "Enhancing Key Investigation and Prosecution Capacities"
        ),
        "description": (
            "A 12-month project of further training for law enforcement officials, public "
            "prosecutors and judges."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2010, 1, 1),
        "planned_end": dt.date(2010, 12, 31),
        "themes": ["prosecution"],
        "target_groups": ["Law enforcement officials", "Public prosecutors", "Judges"],
        "countries": [("EG", D(100))],
    },
    {
        "code": "CT.IQ.2008.EMP",
        "title": (
            "Empowering Government and Civil Society to Effectively Manage Iraqi Migration "
            "Flows and Protect Migrants in Egypt, Turkey and Lebanon"
        ),
        "description": (
            "A regional project that includes training programmes for law enforcement "
            "officials, among them a second programme in Cairo."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2008, 7, 1),
        "planned_end": dt.date(2010, 6, 30),
        "themes": ["protection", "prosecution"],
        "target_groups": ["Law enforcement officials", "Civil society", "Iraqi migrants"],
        "countries": _even(["EG", "TR", "LB"]),
    },
    {
        "code": "CT.BH.2008",
        "title": "Capacity Building and Awareness Raising on Counter Trafficking in the Kingdom "
        "of Bahrain",
        "description": (
            "Training on interviewing and investigative techniques for law enforcement, "
            "training for Arabic media, shelter management training including psychosocial "
            "assistance to victims, and a workshop on Bahrain's Anti-Human Trafficking Law "
            "with the Royal Police Academy."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2008, 7, 1),
        "planned_end": dt.date(2010, 6, 30),
        "themes": ["prosecution", "prevention", "protection"],
        "target_groups": ["Law enforcement officials", "Arabic media", "Shelter staff"],
        "achievements": [
            "38 law enforcement officials trained on interviewing and investigative techniques",
            "Training for Arabic media",
            "Training on shelter management, including psychosocial assistance to victims",
            "Bahrain Anti-Human Trafficking Law workshop with the Royal Police Academy",
        ],
        "partners": ["Royal Police Academy of Bahrain"],
        "countries": [("BH", D(100))],
        "indicators": [
            (
                "Investigative capacity of Bahraini law enforcement",
                "Law enforcement officials trained on interviewing and investigative techniques",
                "officials",
                (dt.date(2008, 7, 1), dt.date(2009, 9, 30), None, D(38)),
            ),
        ],
    },
    {
        "code": "CT.YE.2009",
        "title": (
            "Empowering Yemen to Address Mixed Migration and Protect Vulnerable Migrants "
            "Travelling the Gulf of Aden Route"
        ),
        "description": (
            "Targeted training to reinforce frontline Yemeni law enforcement and relevant "
            "agencies to provide adequate and timely assistance to migrants and asylum "
            "seekers, including victims of trafficking."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2009, 1, 1),
        "planned_end": dt.date(2010, 12, 31),
        "themes": ["protection", "prevention"],
        "target_groups": [
            "Police",
            "Immigration officers",
            "Border and coast guards",
            "Government agencies, international organizations and civil society",
        ],
        "countries": [("YE", D(100))],
    },
    {
        "code": "CT.IQ.2008.MAP",
        "title": "Multi-Action Program for Assistance to Iraqi Victims of Trafficking in Iraq "
        "and the Region",
        "description": (
            "Direct assistance to trafficking victims and vulnerable Iraqis with government "
            "stakeholders in Iraq, Jordan, Syria, Lebanon and Egypt; training on direct "
            "assistance for government and civil society partners; an assessment of "
            "trafficking into, within and from Iraq. Second phase in 2009, a third expected "
            "in 2010."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2008, 1, 1),
        "planned_end": dt.date(2010, 12, 31),
        "themes": ["protection", "research"],
        "target_groups": ["Iraqi victims of trafficking", "Vulnerable Iraqis"],
        "achievements": [
            "Assessment on trafficking of foreign nationals into Iraq, of Iraqi nationals "
            "within Iraq and of Iraqi nationals into neighbouring countries",
            "Training on direct assistance to victims for government and civil society "
            "partners in Lebanon and Jordan",
        ],
        "countries": _even(["IQ", "JO", "SY", "LB", "EG"]),
    },
    {
        "code": "CT.SY.2009.SHL",
        "title": "Capacity Building on Shelter Management for Victims of Trafficking in Syria",
        "description": (
            "Support to the Government of Syria in establishing and managing a shelter that "
            "offers temporary accommodation and financial, psychosocial and legal support."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2009, 1, 1),
        "planned_end": dt.date(2010, 6, 30),
        "themes": ["protection"],
        "target_groups": ["Victims of trafficking", "Shelter staff"],
        "achievements": ["Shelter for victims of trafficking opened"],
        "countries": [("SY", D(100))],
    },
    {
        "code": "CT.SY.2008.LEG",
        "title": "Support to the Syrian Government in Developing Counter-Trafficking Legislation",
        "description": (
            "Assistance in drafting counter-trafficking legislation that gives comprehensive "
            "legal grounds to prosecute traffickers."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2008, 1, 1),
        "planned_end": dt.date(2009, 12, 31),
        "themes": ["prosecution", "partnership"],
        "target_groups": ["Legislators", "Policy makers"],
        "achievements": ["Draft law submitted for endorsement by Parliament"],
        "countries": [("SY", D(100))],
    },
    {
        "code": "CT.EG.2009.MOH",
        "title": "Enhancing the Capacity of the Ministry of Health to Assist Trafficking Victims",
        "description": (
            "A 12-month initiative with the Ministry of Health to enhance identification of "
            "and assistance to victims of trafficking."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2009, 10, 1),
        "planned_end": dt.date(2010, 9, 30),
        "themes": ["protection"],
        "target_groups": ["Health workers", "Victims of trafficking"],
        "partners": ["Ministry of Health of Egypt"],
        "countries": [("EG", D(100))],
    },
    {
        "code": "CT.EG.2009.RES",
        "title": "Research Project to Study Trafficking Patterns in Egyptian Society",
        "description": (
            "Support to Egypt's National Centre for Social and Criminological Research in "
            "its study of trafficking patterns."
        ),
        "status": CLOSED,
        "planned_start": dt.date(2009, 1, 1),
        "planned_end": dt.date(2009, 12, 31),
        "themes": ["research"],
        "target_groups": ["Researchers", "Policy makers"],
        "partners": ["National Centre for Social and Criminological Research"],
        "countries": [("EG", D(100))],
    },
    {
        "code": "CT.RDPP.2024",
        "title": (
            "RDPP Phase VI: Strengthening Protection in North Africa Through Regional "
            "Coordination and Knowledge"
        ),
        "description": (
            "Regional evidence, tools and dialogue on trafficking and the protection of "
            "children on the move, to improve protection standards for migrants in North "
            "Africa and along key routes. Funded by the European Union (Directorate-General "
            "for Migration and Home Affairs) and the Italian Ministry of Interior "
            "(Department for Civil Liberties and Immigration)."
        ),
        "status": IMPLEMENTATION,
        "planned_start": dt.date(2024, 1, 1),
        "planned_end": dt.date(2025, 12, 31),
        "themes": ["protection", "partnership", "research"],
        "target_groups": [
            "Child protection and counter-trafficking stakeholders",
            "Victims of trafficking",
            "Children on the move",
        ],
        "objectives": [
            "Regional coordination between child protection and counter-trafficking actors",
            "Regional tools and research on protection along migration routes",
        ],
        "achievements": [
            "First regional workshop (Cairo, 5–6 March 2024) with 30 representatives of "
            "Algeria, Egypt, Libya, Mauritania, Morocco, Niger and Tunisia, the African "
            "Union, UNICEF, UNHCR, UNODC and the European Union Agency for Asylum",
        ],
        "fundings": [
            (EU, None, "EUR"),
            (ITALY_MOI, None, "EUR"),
        ],
        "currency": "EUR",
        "countries": _even(RDPP_COUNTRIES),
        "indicators": [
            (
                "Regional coordination on protection",
                "Government and partner representatives at regional workshops",
                "representatives",
                (dt.date(2024, 3, 5), dt.date(2024, 3, 6), None, D(30)),
            ),
        ],
    },
]

# username: (role, password, first name, last name, scope)
USERS = {
    "admin": ("administrator", "admin-demo-2024", "Amina", "Administrator", {}),
    "officer": (
        "programme_officer",
        "officer-demo-2024",
        "Omar",
        "Officer",
        {"countries": ["EG", "LB"]},
    ),
    "mande": ("me_officer", "mande-demo-2024", "Mona", "Evaluation", {}),
    "donor.eu": ("donor", "donor-demo-2024", "Dirk", "Donor", {"organisation": EU}),
    "analyst": ("analyst", "analyst-demo-2024", "Ali", "Analyst", {}),
}
