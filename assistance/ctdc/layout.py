"""The columns of CTDC's global k-anonymised dataset and how a case fills them.

The Counter Trafficking Data Collaborative publishes its global victim dataset
as one CSV of 63 columns, k-anonymised with k = 11. ``COLUMNS`` is that set in
its order; the portal fills those it records and leaves the others blank:

- ``Datasource`` is "Case Management": every portal case is a case file.
- ``majorityStatusAtExploit``, ``majorityEntry``, ``typeOfSex...``,
  ``isAbduction`` are not recorded by the portal: always blank.
- A value not recorded is blank, never 0: no sex, no age, no citizenship, no
  type of exploitation (all of them blank), no means of control (all blank but
  ``meansOfControlNotSpecified`` = 1), forced labour without a sector, no
  recruiter. A 0 says "recorded, and not this".

Value forms are CTDC's: "Female", "18--20", "Adult", ISO 3166-1 alpha-2
countries, ``yearOfRegistration`` a four-digit year, flags 1 or 0, and the
``...Concatenated`` columns the names of the flags set to 1 joined by ";".
How generalised values are written is in ``assistance.ctdc``.
"""

from __future__ import annotations

import re

from ..vocabulary import ExploitationType, MeansOfControl, age_band, flag_field
from .hierarchy import QI_KEYS, generalise, majority

LAYOUT_VERSION = "CTDC global k-anonymised dataset, 63 columns"
DATASOURCE = "Case Management"

# The portal's exploitation types in the order of the grouping key (see ``hierarchy._broad``:
# forced labour, sexual exploitation, then those that level 1 joins into "other").
EXPLOITATION = (
    (ExploitationType.FORCED_LABOUR, "Forced labour"),
    (ExploitationType.SEXUAL, "Sexual exploitation"),
    (ExploitationType.OTHER, "Other"),
    (ExploitationType.FORCED_MARRIAGE, "Forced marriage"),
    (ExploitationType.FORCED_MILITARY, "Forced military"),
    (ExploitationType.ORGAN_REMOVAL, "Organ removal"),
    (ExploitationType.SLAVERY, "Slavery and similar practices"),
)
EXPLOITATION_CODES = tuple(str(code) for code, _name in EXPLOITATION)
# CTDC's order of the is... columns, with isSexAndLabour (both) fourth.
EXPLOITATION_COLUMNS = (
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
)
# isSexAndLabour repeats two others: it adds no name to typeOfExploitConcatenated.
EXPLOITATION_NAMES = {str(code): name for code, name in EXPLOITATION}

MEANS_COLUMNS = (
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlRestrictsFinancialAccess",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
    "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlUsesChildren",
    "meansOfControlThreatOfLawEnforcement",
    "meansOfControlWithholdsNecessities",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
    "meansOfControlNotSpecified",
)
LABOUR_COLUMNS = (
    "typeOfLabourAgriculture",
    "typeOfLabourAquafarming",
    "typeOfLabourBegging",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfLabourIllicitActivities",
    "typeOfLabourManufacturing",
    "typeOfLabourMiningOrDrilling",
    "typeOfLabourPeddling",
    "typeOfLabourTransportation",
    "typeOfLabourOther",
    "typeOfLabourNotSpecified",
)
SEX_COLUMNS = (
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "typeOfSexRemoteInteractiveServices",
    "typeOfSexPrivateSexualServices",
)
RECRUITER_COLUMNS = (
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
    "recruiterRelationUnknown",
)

COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    *MEANS_COLUMNS,
    "meansOfControlConcatenated",
    *EXPLOITATION_COLUMNS,
    "typeOfExploitConcatenated",
    *LABOUR_COLUMNS,
    "typeOfLabourConcatenated",
    *SEX_COLUMNS,
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    *RECRUITER_COLUMNS,
)
# Every published trace of a quasi-identifier: a k-anonymity check groups on these.
QUASI_IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    *EXPLOITATION_COLUMNS,
    "typeOfExploitConcatenated",
)
# Columns CTDC types as whole numbers (years, 0/1 flags); the rest are text.
INTEGER_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    *MEANS_COLUMNS,
    *EXPLOITATION_COLUMNS,
    *LABOUR_COLUMNS,
    *SEX_COLUMNS,
    "isAbduction",
    *RECRUITER_COLUMNS,
)


def _words(code: str, prefix: str) -> str:
    """``typeOfLabourMiningOrDrilling`` -> ``Mining or drilling`` (CTDC's concatenated names)."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", code.removeprefix(prefix)).split()
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else ""


MEANS_NAMES = {code: _words(code, "meansOfControl") for code in MEANS_COLUMNS}
LABOUR_NAMES = {code: _words(code, "typeOfLabour") for code in LABOUR_COLUMNS}
RECRUITER_NAMES = {code: _words(code, "recruiterRelation") for code in RECRUITER_COLUMNS}
# The portal stores CTDC's codes (a test holds the vocabularies to these columns), bar
# meansOfControlNotSpecified, which is what no means ticked says.
PORTAL_MEANS = tuple(str(code) for code in MeansOfControl.values)

# What the release reads of a case, in this order (``ctdc_row`` takes the tuple).
ROW_FIELDS = (
    "identification_date",
    "sex",
    "age_at_identification",
    "citizenship",
    "country_of_exploitation",
    *(flag_field(code) for code in EXPLOITATION_CODES),
    *(flag_field(code) for code in PORTAL_MEANS),
    "labour_sector",
    "recruiter_relation",
)
AGE, EXPLOITATION_LEVEL = QI_KEYS.index("age"), QI_KEYS.index("exploitation")


def _names(flags: dict[str, int | None], names: dict[str, str]) -> str | None:
    joined = ";".join(names[code] for code, flag in flags.items() if flag and code in names)
    return joined or None


def _exploitation(flags: str | None, level: int) -> dict[str, int | None]:
    """The is... columns from the (generalised) type flags in ``EXPLOITATION`` order."""
    blank = dict.fromkeys(EXPLOITATION_COLUMNS)
    if flags is None or "1" not in flags:
        # Withheld, or not recorded: no type at all was ticked.
        return blank
    by_code = dict(zip(EXPLOITATION_CODES, (int(flag) for flag in flags), strict=False))
    labour, sexual = by_code["isForcedLabour"], by_code["isSexualExploit"]
    if level == 0:
        return blank | by_code | {"isSexAndLabour": int(bool(labour and sexual))}
    # Level 1 keeps forced labour and sexual exploitation; "other" is any of the rest.
    return blank | {
        "isForcedLabour": labour,
        "isSexualExploit": sexual,
        "isOtherExploit": by_code["isOtherExploit"],
        "isSexAndLabour": int(bool(labour and sexual)),
    }


def _labour(exploitation: dict[str, int | None], forced_labour: bool, sector: str) -> dict:
    if exploitation["isForcedLabour"] is None:
        return dict.fromkeys(LABOUR_COLUMNS)
    if not forced_labour:
        return dict.fromkeys(LABOUR_COLUMNS, 0)
    if not sector:
        return dict.fromkeys(LABOUR_COLUMNS)
    return {code: int(sector == code) for code in LABOUR_COLUMNS}


def _means(flags: tuple) -> dict[str, int | None]:
    if not any(flags):
        return dict.fromkeys(MEANS_COLUMNS) | {"meansOfControlNotSpecified": 1}
    ticked = (*flags, False)  # meansOfControlNotSpecified: something was ticked
    return {code: int(bool(flag)) for code, flag in zip(MEANS_COLUMNS, ticked, strict=True)}


def ctdc_row(values: tuple, levels: tuple[int, ...]) -> list:
    """One published row (a list in ``COLUMNS`` order) from a ``ROW_FIELDS`` tuple."""
    day, sex, age, citizenship, country = values[:5]
    n_types = len(EXPLOITATION_CODES)
    type_flags = values[5 : 5 + n_types]
    means = _means(values[5 + n_types : 5 + n_types + len(PORTAL_MEANS)])
    sector, recruiter = values[-2], values[-1]
    year, sex, band, citizenship, country, flags = generalise(
        (
            day.year,
            sex or None,
            age_band(age) or None,
            citizenship or None,
            country or None,
            "".join("1" if flag else "0" for flag in type_flags),
        ),
        levels,
    )
    exploitation = _exploitation(flags, levels[EXPLOITATION_LEVEL])
    labour = _labour(exploitation, bool(type_flags[0]), sector)
    recruiters = (
        {code: int(recruiter == code) for code in RECRUITER_COLUMNS}
        if recruiter
        else dict.fromkeys(RECRUITER_COLUMNS)
    )
    row = {
        "yearOfRegistration": year,
        "Datasource": DATASOURCE,
        "gender": sex,
        # At level 1 the age hierarchy holds "Minor"/"Adult": CTDC's majorityStatus alone.
        "ageBroad": band if levels[AGE] == 0 else None,
        "majorityStatus": majority(band) if levels[AGE] == 0 else band,
        "citizenship": citizenship,
        **means,
        "meansOfControlConcatenated": _names(means, MEANS_NAMES),
        **exploitation,
        "typeOfExploitConcatenated": _names(exploitation, EXPLOITATION_NAMES),
        **labour,
        "typeOfLabourConcatenated": _names(labour, LABOUR_NAMES),
        "RecruiterRelationship": _names(recruiters, RECRUITER_NAMES),
        "CountryOfExploitation": country,
        **recruiters,
    }
    return [row.get(column) for column in COLUMNS]
