"""The words of victim assistance: codes of the CTDC data standard where one exists.

Values are the CTDC data dictionary's own codes (column names for yes/no
variables, category values for the others), so anonymised exports line up
with the Counter Trafficking Data Collaborative's global dataset. Portal
codes (status, services, referral sources) are used where CTDC has none.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    """CTDC ``gender``."""

    FEMALE = "Female", _("Female")
    MALE = "Male", _("Male")
    TRANSGENDER = "Transgender/NonConforming", _("Transgender or gender non-conforming")


class AgeBand(models.TextChoices):
    """CTDC ``ageBroad``: age at identification."""

    AGE_0_8 = "0--8", _("0–8")
    AGE_9_17 = "9--17", _("9–17")
    AGE_18_20 = "18--20", _("18–20")
    AGE_21_23 = "21--23", _("21–23")
    AGE_24_26 = "24--26", _("24–26")
    AGE_27_29 = "27--29", _("27–29")
    AGE_30_38 = "30--38", _("30–38")
    AGE_39_47 = "39--47", _("39–47")
    AGE_48_PLUS = "48+", _("48 and over")


def age_band_order(code) -> tuple[int, int]:
    """Where a band sorts: youngest first, "not recorded" (an empty code) last.

    Every list of bands (pages, PDF, spreadsheet, CSV, API, dashboards) uses
    this order; the codes do not sort as text ("9--17" would follow "48+").
    """
    try:
        return (0, AgeBand.values.index(code))
    except ValueError:
        return (1, 0)


# Highest age of each band; the last band has no upper bound.
AGE_BAND_UPPER = [
    (8, AgeBand.AGE_0_8),
    (17, AgeBand.AGE_9_17),
    (20, AgeBand.AGE_18_20),
    (23, AgeBand.AGE_21_23),
    (26, AgeBand.AGE_24_26),
    (29, AgeBand.AGE_27_29),
    (38, AgeBand.AGE_30_38),
    (47, AgeBand.AGE_39_47),
]


def age_band(age: int | None) -> str:
    """The CTDC age band of an age in years, "" when the age is unknown."""
    if age is None:
        return ""
    for upper, band in AGE_BAND_UPPER:
        if age <= upper:
            return band
    return AgeBand.AGE_48_PLUS


def age_band_expression(field: str = "age_at_identification") -> models.Case:
    """The same banding as :func:`age_band`, computed by the database."""
    whens = [
        models.When(**{f"{field}__lte": upper}, then=models.Value(str(band)))
        for upper, band in AGE_BAND_UPPER
    ]
    return models.Case(
        models.When(**{f"{field}__isnull": True}, then=models.Value("")),
        *whens,
        default=models.Value(str(AgeBand.AGE_48_PLUS)),
        output_field=models.CharField(),
    )


class ExploitationType(models.TextChoices):
    """CTDC ``is...`` variables; a case may have several."""

    SEXUAL = "isSexualExploit", _("Sexual exploitation")
    FORCED_LABOUR = "isForcedLabour", _("Forced labour")
    FORCED_MARRIAGE = "isForcedMarriage", _("Forced marriage")
    FORCED_MILITARY = "isForcedMilitary", _("Forced military service")
    ORGAN_REMOVAL = "isOrganRemoval", _("Organ removal")
    SLAVERY = "isSlaveryAndPractices", _("Slavery and similar practices")
    OTHER = "isOtherExploit", _("Other exploitation")


class LabourSector(models.TextChoices):
    """CTDC ``typeOfLabour...``: the sector of forced labour."""

    AGRICULTURE = "typeOfLabourAgriculture", _("Agriculture")
    AQUAFARMING = "typeOfLabourAquafarming", _("Fishing and aquafarming")
    BEGGING = "typeOfLabourBegging", _("Begging")
    CONSTRUCTION = "typeOfLabourConstruction", _("Construction")
    DOMESTIC_WORK = "typeOfLabourDomesticWork", _("Domestic work (domestic servitude)")
    HOSPITALITY = "typeOfLabourHospitality", _("Hospitality")
    ILLICIT_ACTIVITIES = (
        "typeOfLabourIllicitActivities",
        _("Illicit activities (forced criminality)"),
    )
    MANUFACTURING = "typeOfLabourManufacturing", _("Manufacturing")
    MINING = "typeOfLabourMiningOrDrilling", _("Mining or drilling")
    PEDDLING = "typeOfLabourPeddling", _("Peddling")
    TRANSPORTATION = "typeOfLabourTransportation", _("Transportation")
    OTHER = "typeOfLabourOther", _("Other sector")
    NOT_SPECIFIED = "typeOfLabourNotSpecified", _("Sector not specified")


class MeansOfControl(models.TextChoices):
    """CTDC ``meansOfControl...`` variables; a case may have several."""

    DEBT_BONDAGE = "meansOfControlDebtBondage", _("Debt bondage")
    TAKES_EARNINGS = "meansOfControlTakesEarnings", _("Takes earnings")
    RESTRICTS_FINANCIAL_ACCESS = (
        "meansOfControlRestrictsFinancialAccess",
        _("Restricts access to money"),
    )
    THREATS = "meansOfControlThreats", _("Threats")
    PSYCHOLOGICAL_ABUSE = "meansOfControlPsychologicalAbuse", _("Psychological abuse")
    PHYSICAL_ABUSE = "meansOfControlPhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "meansOfControlSexualAbuse", _("Sexual abuse")
    FALSE_PROMISES = "meansOfControlFalsePromises", _("False promises")
    PSYCHOACTIVE_SUBSTANCES = "meansOfControlPsychoactiveSubstances", _("Psychoactive substances")
    RESTRICTS_MOVEMENT = "meansOfControlRestrictsMovement", _("Restricts movement")
    RESTRICTS_MEDICAL_CARE = "meansOfControlRestrictsMedicalCare", _("Restricts medical care")
    EXCESSIVE_WORKING_HOURS = "meansOfControlExcessiveWorkingHours", _("Excessive working hours")
    USES_CHILDREN = "meansOfControlUsesChildren", _("Uses children")
    THREAT_OF_LAW_ENFORCEMENT = (
        "meansOfControlThreatOfLawEnforcement",
        _("Threat of law enforcement"),
    )
    WITHHOLDS_NECESSITIES = "meansOfControlWithholdsNecessities", _("Withholds necessities")
    WITHHOLDS_DOCUMENTS = "meansOfControlWithholdsDocuments", _("Withholds documents")
    OTHER = "meansOfControlOther", _("Other means of control")


class RecruiterRelation(models.TextChoices):
    """CTDC ``recruiterRelation...``: who recruited the victim."""

    INTIMATE_PARTNER = "recruiterRelationIntimatePartner", _("Intimate partner")
    FRIEND = "recruiterRelationFriend", _("Friend")
    FAMILY = "recruiterRelationFamily", _("Family member")
    OTHER = "recruiterRelationOther", _("Other")
    UNKNOWN = "recruiterRelationUnknown", _("Unknown")


class Vulnerability(models.TextChoices):
    """Vulnerabilities the case plan must answer (not in CTDC)."""

    UNACCOMPANIED_CHILD = "vulnerableUnaccompaniedChild", _("Unaccompanied or separated child")
    DISABILITY = "vulnerableDisability", _("Disability")
    IRREGULAR_STATUS = "vulnerableIrregularStatus", _("Irregular migration status")
    DISPLACED = "vulnerableDisplaced", _("Refugee, asylum seeker or internally displaced")
    HEALTH_CONDITION = "vulnerableHealthCondition", _("Serious health condition")
    PREGNANCY = "vulnerablePregnancy", _("Pregnancy")


def flag_field(code: str) -> str:
    """The model field of a yes/no code: ``isForcedLabour`` → ``is_forced_labour``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", code).lower()


# Multi-valued vocabularies stored as one yes/no field per code.
FLAG_GROUPS: dict[str, type[models.TextChoices]] = {
    "exploitation_types": ExploitationType,
    "means_of_control": MeansOfControl,
    "vulnerabilities": Vulnerability,
}


class IdentifiedBy(models.TextChoices):
    """Who identified the victim or referred them to the office."""

    SELF = "self", _("Self-referral")
    LAW_ENFORCEMENT = "law_enforcement", _("Police or other law enforcement")
    LABOUR_INSPECTION = "labour_inspection", _("Labour inspection")
    IMMIGRATION = "immigration", _("Immigration or border authority")
    NGO = "ngo", _("Non-governmental organisation")
    INTERNATIONAL = "international_organisation", _("UN agency or international organisation")
    EMBASSY = "embassy", _("Embassy or consulate")
    HOTLINE = "hotline", _("Hotline")
    HEALTH = "health_services", _("Health services")
    SOCIAL = "social_services", _("Social services")
    COMMUNITY = "community", _("Family, friend or community member")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ASSESSMENT = "assessment", _("Assessment")
    CASE_PLAN = "case_plan", _("Case plan")
    SERVICES = "services", _("Receiving services")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    COMPLETED = "completed", _("Assistance completed")
    RETURNED = "returned", _("Voluntary return and reintegration completed")
    TRANSFERRED = "transferred", _("Transferred to another organisation")
    DECLINED = "declined", _("Declined further assistance")
    LOST_CONTACT = "lost_contact", _("Contact lost")
    NOT_A_VICTIM = "not_a_victim", _("Screened out: not a victim of trafficking")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class ServiceKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical care")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LEGAL = "legal", _("Legal assistance")
    INTERPRETATION = "interpretation", _("Interpretation")
    DOCUMENTATION = "documentation", _("Identity or travel documents")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    RETURN = "voluntary_return", _("Voluntary return")
    REINTEGRATION = "reintegration", _("Reintegration")
    FINANCIAL = "financial", _("Financial assistance")
    EDUCATION = "education", _("Education or vocational training")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


# Where a referral may go next; a declined or completed referral is final.
REFERRAL_TRANSITIONS = {
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED},
    ReferralStatus.ACCEPTED: {ReferralStatus.COMPLETED, ReferralStatus.DECLINED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.COMPLETED: set(),
}


class IdentityAction(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Written")
