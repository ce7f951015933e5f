import datetime
from collections import Counter

import pytest
from django_countries import countries

from assistance import ctdc, ctdc_hierarchy
from assistance.models import Case, Identity
from assistance.vocabulary import (
    ExploitationType,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    flag_field,
)
from tests import factories as f


def records(user) -> list[dict]:
    with ctdc.anonymised_records(user) as (_plan, rows):
        return [dict(zip(ctdc.COLUMNS, row, strict=True)) for row in rows]


def classes(rows: list[dict]) -> Counter:
    return Counter(tuple(row[c] for c in ctdc.QUASI_IDENTIFIER_COLUMNS) for row in rows)


@pytest.fixture
def caseload(users, portfolio, case_workers):
    """2,000 varied cases in the Lebanon office, about 80% consenting, with identities."""
    cases = f.random_cases(
        2000,
        seed=5,
        project=portfolio["p_lb"],
        country_office=portfolio["lebanon"],
        registered_by=case_workers["lb"],
    )
    Identity.objects.bulk_create(
        Identity(
            case=case,
            given_name=f"Zainab{n}",
            family_name=f"Fictitious{n}",
            phone=f"+961 70 {n:06d}",
            updated_by=case_workers["lb"],
        )
        for n, case in enumerate(cases[:300])
    )
    return cases


def test_generated_caseload_is_k_anonymous(users, caseload):
    plan = ctdc.plan_for(ctdc.sharable_cases(users["admin"]))
    rows = records(users["admin"])

    consenting = Case.objects.filter(consent_share_data=True).count()
    assert plan.total == consenting
    assert len(rows) == plan.published > 0
    assert plan.suppressed <= consenting * ctdc_hierarchy.MAX_SUPPRESSED_SHARE
    sizes = classes(rows)
    assert min(sizes.values()) >= ctdc.K
    # The raw data is far too varied to publish as recorded.
    assert any(level > 0 for level in plan.levels.values())


def test_no_reference_identity_or_date_in_any_cell(users, caseload):
    secrets = {case.reference for case in caseload}
    secrets |= {f"Zainab{n}" for n in range(300)} | {f"Fictitious{n}" for n in range(300)}
    secrets |= {case.identification_date.isoformat() for case in caseload}
    cells = {str(value) for row in records(users["admin"]) for value in row.values()}

    assert not any(secret in cell for cell in cells for secret in secrets)
    assert "reference" not in ctdc.COLUMNS


def test_cases_without_consent_are_left_out(users, portfolio, caseload, case_workers):
    # Fifty identical cases: plenty for a class of their own, but nobody consented.
    f.random_cases(
        50,
        seed=7,
        project=portfolio["p_lb"],
        country_office=portfolio["lebanon"],
        registered_by=case_workers["lb"],
        citizenship="IS",
        consent_share_data=False,
        consent_assistance=True,
    )
    plan = ctdc.plan_for(ctdc.sharable_cases(users["admin"]))
    rows = records(users["admin"])

    assert plan.total == Case.objects.filter(consent_share_data=True).count()
    published = {row["citizenship"] for row in rows}
    assert not published & {"IS", "Northern Europe", "Europe"}


def test_exact_values_are_kept_when_every_class_is_large(users, portfolio, case_workers):
    f.random_cases(
        15,
        seed=1,
        project=portfolio["p_lb"],
        country_office=portfolio["lebanon"],
        registered_by=case_workers["lb"],
        identification_date=datetime.date(2021, 5, 10),
        sex="Female",
        age_at_identification=25,
        citizenship="ET",
        country_of_exploitation="LB",
        is_forced_labour=True,
        is_sexual_exploit=False,
        is_forced_marriage=False,
        is_forced_military=False,
        is_organ_removal=False,
        is_slavery_and_practices=False,
        is_other_exploit=False,
        labour_sector=LabourSector.DOMESTIC_WORK,
        recruiter_relation=RecruiterRelation.FRIEND,
        consent_share_data=True,
    )
    means = {MeansOfControl.THREATS, MeansOfControl.WITHHOLDS_DOCUMENTS}
    Case.objects.update(**{flag_field(code): code in means for code in MeansOfControl.values})

    plan = ctdc.plan_for(ctdc.sharable_cases(users["admin"]))
    rows = records(users["admin"])

    assert set(plan.levels.values()) == {0}
    assert plan.suppressed == 0
    assert len(rows) == 15
    row = rows[0]
    assert row["yearOfRegistration"] == 2021
    assert (row["gender"], row["ageBroad"], row["majorityStatus"]) == ("Female", "24--26", "Adult")
    assert (row["citizenship"], row["CountryOfExploitation"]) == ("ET", "LB")
    assert row["isForcedLabour"] == 1
    assert row["isSexualExploit"] == row["isForcedMarriage"] == 0
    assert row["typeOfExploitConcatenated"] == "Forced labour"
    assert row["meansOfControlThreats"] == row["meansOfControlWithholdsDocuments"] == 1
    assert row["meansOfControlDebtBondage"] == 0
    assert row["meansOfControlConcatenated"] == "Threats;Withholds documents"
    assert row["typeOfLabourDomesticWork"] == 1
    assert row["typeOfLabourAgriculture"] == 0
    assert row["typeOfLabourConcatenated"] == "Domestic work"
    assert row["recruiterRelationFriend"] == 1
    assert row["recruiterRelationFamily"] == 0


def _identical(portfolio, case_workers, n: int, **values):
    return f.random_cases(
        n,
        seed=n,
        project=portfolio["p_lb"],
        country_office=portfolio["lebanon"],
        registered_by=case_workers["lb"],
        identification_date=datetime.date(2020, 3, 1),
        sex="Male",
        age_at_identification=30,
        citizenship="BD",
        country_of_exploitation="JO",
        is_forced_labour=False,
        is_sexual_exploit=True,
        is_forced_marriage=False,
        is_forced_military=False,
        is_organ_removal=False,
        is_slavery_and_practices=False,
        is_other_exploit=False,
        labour_sector="",
        consent_share_data=True,
        **values,
    )


def test_a_rare_record_is_suppressed(users, portfolio, case_workers):
    _identical(portfolio, case_workers, 40)
    outlier = _identical(portfolio, case_workers, 1)[0]
    Case.objects.filter(pk=outlier.pk).update(citizenship="FJ")

    plan = ctdc.plan_for(ctdc.sharable_cases(users["admin"]))
    rows = records(users["admin"])

    assert set(plan.levels.values()) == {0}
    assert (plan.total, plan.suppressed) == (41, 1)
    assert len(rows) == 40
    assert {row["citizenship"] for row in rows} == {"BD"}


def test_generalises_rather_than_suppress_many(users, portfolio, case_workers):
    # Two halves of a class of 12 differ only by citizenship within Southern Asia.
    _identical(portfolio, case_workers, 6)
    other = _identical(portfolio, case_workers, 7)
    Case.objects.filter(pk__in=[case.pk for case in other]).update(citizenship="NP")

    plan = ctdc.plan_for(ctdc.sharable_cases(users["admin"]))
    rows = records(users["admin"])

    assert plan.levels == dict.fromkeys(ctdc.QI_KEYS, 0) | {"citizenship": 1}
    assert plan.suppressed == 0
    assert {row["citizenship"] for row in rows} == {"Southern Asia"}
    assert {row["gender"] for row in rows} == {"Male"}


@pytest.mark.parametrize("n", [0, 1, 10])
def test_too_few_cases_give_nothing(users, portfolio, case_workers, n):
    if n:
        _identical(portfolio, case_workers, n)

    plan = ctdc.plan_for(ctdc.sharable_cases(users["admin"]))

    assert records(users["admin"]) == []
    assert (plan.total, plan.published) == (n, 0)


def test_each_role_counts_its_own_scope(users, portfolio, case_workers):
    _identical(portfolio, case_workers, 12)
    f.random_cases(
        13,
        seed=3,
        project=portfolio["p_eg"],
        country_office=portfolio["egypt"],
        registered_by=case_workers["eg"],
        consent_share_data=True,
    )
    expected = {
        "admin": 25,
        "me": 25,
        "analyst": 25,
        "donor_a": 13,
        "donor_b": 12,
        "officer_eg": 13,
        "officer_lb_project": 12,
        "norole": 0,
    }
    for name, total in expected.items():
        assert ctdc.plan_for(ctdc.sharable_cases(users[name])).total == total, name
    assert ctdc.plan_for(ctdc.sharable_cases(case_workers["lb"])).total == 12
    assert ctdc.plan_for(ctdc.sharable_cases(case_workers["eg"])).total == 13
    # A case worker whose session has not given the second factor counts nothing.
    assert ctdc.plan_for(ctdc.sharable_cases(case_workers["lb_unverified"])).total == 0


def test_generalised_row_withholds_what_the_levels_hide():
    values = (
        datetime.date(2022, 4, 1),
        "Female",
        15,
        "ET",
        "SA",
        *[
            code in {ExploitationType.FORCED_LABOUR, ExploitationType.FORCED_MARRIAGE}
            for code in ctdc.EXPLOITATION_CODES
        ],
        *[code == MeansOfControl.DEBT_BONDAGE for code in ctdc.MEANS],
        LabourSector.AGRICULTURE,
        "",
    )
    broad = dict(zip(ctdc.COLUMNS, ctdc.ctdc_row(values, (1, 1, 1, 1, 2, 1)), strict=True))
    withheld = dict(zip(ctdc.COLUMNS, ctdc.ctdc_row(values, (2, 0, 2, 3, 3, 2)), strict=True))

    assert broad["yearOfRegistration"] == "2020--2024"
    assert broad["gender"] is None
    assert (broad["ageBroad"], broad["majorityStatus"]) == (None, "Minor")
    assert (broad["citizenship"], broad["CountryOfExploitation"]) == ("Eastern Africa", "Asia")
    assert (broad["isForcedLabour"], broad["isSexualExploit"], broad["isOtherExploit"]) == (1, 0, 1)
    assert broad["isForcedMarriage"] is broad["isOrganRemoval"] is None
    assert broad["typeOfExploitConcatenated"] == "Forced labour;Other"
    assert broad["typeOfLabourAgriculture"] == 1
    assert broad["meansOfControlDebtBondage"] == 1
    assert broad["recruiterRelationFriend"] is None

    assert withheld["yearOfRegistration"] is None
    assert withheld["gender"] == "Female"
    assert withheld["ageBroad"] is withheld["majorityStatus"] is None
    assert withheld["citizenship"] is withheld["CountryOfExploitation"] is None
    assert all(withheld[code] is None for code in ctdc.EXPLOITATION_CODES)
    assert withheld["typeOfExploitConcatenated"] is None
    assert all(withheld[code] is None for code in ctdc.LABOUR)
    assert withheld["meansOfControlDebtBondage"] == 1


def test_choose_levels_stops_at_the_least_generalisation():
    # 30 records in 3 exact classes of 10: one step (citizenship to subregion) joins them.
    finest = {(2020, "Male", "30--38", code, "JO", "0100000"): 10 for code in ("BD", "NP", "IN")}
    levels = ctdc_hierarchy.choose_levels(finest, ctdc.K)

    assert levels == (0, 0, 0, 1, 0, 0)
    assert ctdc_hierarchy.generalise(next(iter(finest)), levels) == (
        2020,
        "Male",
        "30--38",
        "Southern Asia",
        "JO",
        "0100000",
    )


def test_every_country_has_a_subregion_and_region():
    missing = {code for code, _name in countries if code not in ctdc_hierarchy.SUBREGION_OF}
    assert missing <= {"AQ"}
    assert set(ctdc_hierarchy.REGION_OF) == set(ctdc_hierarchy.SUBREGIONS)
    codes = [code for listed in ctdc_hierarchy.SUBREGIONS.values() for code in listed.split()]
    assert len(codes) == len(set(codes))


def test_columns_follow_the_ctdc_vocabulary():
    for vocabulary in (ExploitationType, MeansOfControl, LabourSector, RecruiterRelation):
        assert set(vocabulary.values) <= set(ctdc.COLUMNS)
    assert ctdc.COLUMNS[:6] == (
        "yearOfRegistration",
        "gender",
        "ageBroad",
        "majorityStatus",
        "citizenship",
        "CountryOfExploitation",
    )
    assert "typeOfExploitConcatenated" in ctdc.QUASI_IDENTIFIER_COLUMNS


@pytest.mark.parametrize(("seed", "records"), [(1, 60), (2, 400), (3, 900)])
def test_choose_levels_matches_an_exhaustive_search(seed, records):
    import random
    from itertools import product

    rng = random.Random(seed)
    finest: Counter = Counter()
    for _ in range(records):
        finest[
            (
                rng.randint(2015, 2024),
                rng.choice(["Female", "Female", "Male", None]),
                rng.choice(["9--17", "18--20", "21--23", "30--38", None]),
                rng.choice(["ET", "ET", "BD", "PH", "NP", "SY", "KE", None]),
                rng.choice(["LB", "LB", "JO", "IQ", "SA"]),
                rng.choice(["1000000", "0100000", "1100000", "0000100", "0010000"]),
            )
        ] += 1
    total = sum(finest.values())
    allowed = int(total * ctdc_hierarchy.MAX_SUPPRESSED_SHARE)
    best = None
    tops = [qi.top for qi in ctdc_hierarchy.QUASI_IDENTIFIERS]
    for levels in product(*(range(top + 1) for top in tops)):
        sizes: Counter = Counter()
        for combination, n in finest.items():
            sizes[ctdc_hierarchy.generalise(combination, levels)] += n
        suppressed = sum(n for n in sizes.values() if n < ctdc.K)
        if suppressed <= allowed:
            loss, order = ctdc_hierarchy._preference(levels)
            best = min(best or (loss, suppressed, order, levels), (loss, suppressed, order, levels))

    assert ctdc_hierarchy.choose_levels(dict(finest), ctdc.K) == best[3]
