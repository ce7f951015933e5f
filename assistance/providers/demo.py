"""Demo directory: the kinds of provider a MENA country office refers to, per office.

The UN agencies and ministries are the demo's own partners; the NGOs, clinics
and lawyers are invented ("(demo)") and stand for the kinds a country office
works with. No victim data is involved.
"""

from __future__ import annotations

from projects.models import Country, Organisation, OrganisationKind

from ..vocabulary import ServiceKind as S
from . import services
from .models import ProviderKind, ServiceProvider

CITIES = {"IQ": "Baghdad", "JO": "Amman", "SY": "Damascus", "LB": "Beirut", "EG": "Cairo"}
# (organisation, its kind in the register, its kind in the directory, services)
PARTNERS = {
    "International Organization for Migration": (
        ProviderKind.UN_AGENCY,
        [S.SHELTER, S.MEDICAL, S.RETURN, S.REINTEGRATION, S.FINANCIAL, S.DOCUMENTATION],
    ),
    "Office of the United Nations High Commissioner for Refugees": (
        ProviderKind.UN_AGENCY,
        [S.LEGAL, S.DOCUMENTATION],
    ),
    "United Nations Children's Fund": (
        ProviderKind.UN_AGENCY,
        [S.PSYCHOSOCIAL, S.EDUCATION, S.FAMILY_TRACING],
    ),
    "General Security Directorate of Lebanon": (ProviderKind.GOVERNMENT, [S.DOCUMENTATION]),
    "Ministry of Health of Egypt": (ProviderKind.GOVERNMENT, [S.MEDICAL]),
}
LOCAL = (
    ("{city} legal aid clinic (demo)", ProviderKind.LAWYER, [S.LEGAL, S.INTERPRETATION]),
    (
        "{city} psychosocial support centre (demo)",
        ProviderKind.NGO,
        [S.PSYCHOSOCIAL, S.FAMILY_TRACING, S.EDUCATION],
    ),
    ("{city} community health clinic (demo)", ProviderKind.CLINIC, [S.MEDICAL]),
)


def load_providers(system, offices) -> int:
    """The directory of each demo office: its partners that provide services, and local NGOs."""
    created = 0
    for office in offices:
        country = Country.objects.get(code=office.code)
        city = CITIES.get(office.code, "")
        names = ["International Organization for Migration", *office.partners]
        entries = [(name, *PARTNERS[name]) for name in names if name in PARTNERS]
        for template, kind, offered in LOCAL:
            organisation, _ = Organisation.objects.get_or_create(
                name=template.format(city=city),
                defaults={"kind": OrganisationKind.NGO, "country": country},
            )
            entries.append((organisation.name, kind, offered))
        for name, kind, offered in entries:
            organisation = Organisation.objects.filter(name=name).first()
            if (
                organisation is None
                or ServiceProvider.objects.filter(
                    organisation=organisation, country=country
                ).exists()
            ):
                continue
            services.provider_save(
                user=system,
                data={
                    "organisation": organisation,
                    "country": country,
                    "kind": kind,
                    "city": city,
                    "services": [str(code) for code in offered],
                    "contact": f"Referral desk, {city} (demo)",
                },
            )
            created += 1
    return created
