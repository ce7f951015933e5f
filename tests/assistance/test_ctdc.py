import datetime
from collections import Counter

import pytest
from django_countries import countries

from assistance import ctdc
from assistance.ctdc import hierarchy as ctdc_hierarchy
from assistance.models import Case, CTDCRecord, CTDCRelease, Identity
from assistance.vocabulary import (
    ExploitationType,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    flag_field,
)
from tests import factories as f

READERS = ("admin", "me", "analyst", "donor_a", "donor_b", "officer_eg", "officer_lb_project")


def records(user, release=None) -> list[dict]:
    """The user's share of ``release`` (a new one by default), as column -> value."""
    release = release or ctdc.ctdc_release_publish()
    return [dict(zip(ctdc.COLUMNS, row, strict=True)) for row in ctdc.published_rows(release, user)]


def classes(rows: list[dict]) -> Counter:
    return Counter(tuple(row[c] for c in ctdc.QUASI_IDENTIFIER_COLUMNS) for row in rows)


@pytest.fixture
def caseload(users, portfolio, case_workers):
    """2,800 varied cases, about 80% consenting, the first 300 with identities: Lebanon's
    office on the Lebanon and the regional project, Egypt's on the Egypt and regional one."""
    cases = []
    for seed, (office, project, worker, n) in enumerate(
        [
            ("lebanon", "p_lb", "lb", 1400),
            ("lebanon", "p_both", "lb", 500),
            ("egypt", "p_eg", "eg", 600),
            ("egypt", "p_both", "eg", 300),
        ],
        start=5,
    ):
        cases += f.random_cases(
            n,
            seed=seed,
            project=portfolio[project],
            country_office=portfolio[office],
            registered_by=case_workers[worker],
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
    release = ctdc.ctdc_release_publish()
    rows = records(users["admin"], release)

    consenting = Case.objects.filter(consent_share_data=True).count()
    assert consenting > 2000
    assert release.total == consenting
    assert len(rows) == release.published_count > 0
    assert release.suppressed_count <= consenting * ctdc.MAX_SUPPRESSED_SHARE
    assert min(classes(rows).values()) >= ctdc.K
    # The raw data is far too varied to publish as recorded.
    assert any(level > 0 for level in release.generalisation.values())


def test_every_reader_and_any_two_files_combined_keep_k(users, case_workers, caseload):
    release = ctdc.ctdc_release_publish()
    readers = {name: users[name] for name in READERS} | {"case_worker_lb": case_workers["lb"]}
    files = {name: records(user, release) for name, user in readers.items()}
    everything = classes(files["admin"])
    # Which release rows each file holds (the files themselves carry no such key).
    held = {
        name: dict(ctdc.release_records(release, user).published().values_list("pk", "values"))
        for name, user in readers.items()
    }

    # Overlapping scopes: the regional project is in both donors' and both offices' files.
    assert 0 < len(files["donor_a"]) < len(files["admin"])
    assert len(files["donor_a"]) + len(files["donor_b"]) > len(files["admin"])
    for name, rows in files.items():
        sizes = classes(rows)
        assert min(sizes.values()) >= ctdc.K, name
        # One release, one generalisation: a reader's rows are rows of everybody's file.
        assert not sizes - everything, name
        assert len(held[name]) == len(rows)

    def k_anonymous(pks) -> bool:
        rows = [dict(zip(ctdc.COLUMNS, held["admin"][pk], strict=True)) for pk in pks]
        return all(n >= ctdc.K for n in classes(rows).values())

    for first in files:
        for second in files:
            one, other = set(held[first]), set(held[second])
            # Put together, matched up or told apart row by row: never fewer than k.
            assert min((classes(files[first]) + classes(files[second])).values()) >= ctdc.K
            assert k_anonymous(one & other), (first, second)
            assert k_anonymous(one - other), (first, second)
            assert k_anonymous(one | other), (first, second)
    # The two donors' files meet on the regional project alone.
    both = set(held["donor_a"]) & set(held["donor_b"])
    assert 0 < len(both) < len(held["donor_a"])


def test_a_class_split_over_two_projects_is_not_published(users, portfolio, case_workers):
    # Twelve identical victims, six on each project: no reader's file may hold six alike.
    _identical(portfolio, case_workers, 6)
    _identical(portfolio, case_workers, 6, project=portfolio["p_both"])

    release = ctdc.ctdc_release_publish()

    assert (release.total, release.published_count) == (12, 0)
    assert records(users["analyst"], release) == []
    assert CTDCRecord.objects.filter(release=release).suppressed().count() == 12


def test_readers_get_the_release_they_were_given_not_a_fresh_one(users, portfolio, case_workers):
    _identical(portfolio, case_workers, 12)
    first = ctdc.ctdc_release_publish()
    _identical(portfolio, case_workers, 11, citizenship="NP")

    assert len(records(users["analyst"], ctdc.current_release())) == 12
    second = ctdc.ctdc_release_publish()
    assert ctdc.current_release() == second
    assert len(records(users["analyst"], second)) == 23
    assert len(records(users["analyst"], first)) == 12


def test_only_the_latest_releases_keep_their_records(users, portfolio, case_workers):
    _identical(portfolio, case_workers, 12)
    releases = [ctdc.ctdc_release_publish() for _ in range(ctdc.selectors.KEPT_RELEASES + 1)]

    assert CTDCRelease.objects.count() == len(releases)
    assert not CTDCRecord.objects.filter(release=releases[0]).exists()
    assert ctdc.available_release(releases[0].pk) is None
    assert ctdc.available_release(releases[1].pk) == releases[1]
    assert CTDCRecord.objects.filter(release=releases[-1]).count() == 12


def test_only_administrators_publish(users):
    from django.core.exceptions import PermissionDenied

    for name in ("me", "analyst", "donor_a", "officer_eg", "case_worker_lb", "norole"):
        with pytest.raises(PermissionDenied):
            ctdc.ctdc_release_publish(user=users[name])
    assert ctdc.ctdc_release_publish(user=users["admin"]).published_by == users["admin"]


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
    release = ctdc.ctdc_release_publish()
    rows = records(users["admin"], release)

    assert release.total == Case.objects.filter(consent_share_data=True).count()
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

    release = ctdc.ctdc_release_publish()
    rows = records(users["admin"], release)

    assert set(release.generalisation.values()) == {0}
    assert release.suppressed_count == 0
    assert len(rows) == 15
    row = rows[0]
    assert row["yearOfRegistration"] == 2021
    assert row["Datasource"] == "Case Management"
    assert (row["gender"], row["ageBroad"], row["majorityStatus"]) == ("Female", "24--26", "Adult")
    # Not recorded by the portal: blank, never 0.
    assert row["majorityStatusAtExploit"] is row["majorityEntry"] is None
    assert row["isAbduction"] is row["typeOfSexConcatenated"] is None
    assert all(row[column] is None for column in ctdc.layout.SEX_COLUMNS)
    assert (row["citizenship"], row["CountryOfExploitation"]) == ("ET", "LB")
    assert row["isForcedLabour"] == 1
    assert row["isSexualExploit"] == row["isForcedMarriage"] == row["isSexAndLabour"] == 0
    assert row["typeOfExploitConcatenated"] == "Forced labour"
    assert row["meansOfControlThreats"] == row["meansOfControlWithholdsDocuments"] == 1
    assert row["meansOfControlDebtBondage"] == row["meansOfControlNotSpecified"] == 0
    assert row["meansOfControlConcatenated"] == "Threats;Withholds documents"
    assert row["typeOfLabourDomesticWork"] == 1
    assert row["typeOfLabourAgriculture"] == 0
    assert row["typeOfLabourConcatenated"] == "Domestic work"
    assert row["RecruiterRelationship"] == "Friend"
    assert row["recruiterRelationFriend"] == 1
    assert row["recruiterRelationFamily"] == 0


def _identical(portfolio, case_workers, n: int, **values):
    alike = {
        "project": portfolio["p_lb"],
        "country_office": portfolio["lebanon"],
        "registered_by": case_workers["lb"],
        "identification_date": datetime.date(2020, 3, 1),
        "sex": "Male",
        "age_at_identification": 30,
        "citizenship": "BD",
        "country_of_exploitation": "JO",
        "is_forced_labour": False,
        "is_sexual_exploit": True,
        "is_forced_marriage": False,
        "is_forced_military": False,
        "is_organ_removal": False,
        "is_slavery_and_practices": False,
        "is_other_exploit": False,
        "labour_sector": "",
        "consent_share_data": True,
    }
    return f.random_cases(n, seed=n, **(alike | values))


def test_a_rare_record_is_suppressed(users, portfolio, case_workers):
    _identical(portfolio, case_workers, 40)
    outlier = _identical(portfolio, case_workers, 1)[0]
    Case.objects.filter(pk=outlier.pk).update(citizenship="FJ")

    release = ctdc.ctdc_release_publish()
    rows = records(users["admin"], release)

    assert set(release.generalisation.values()) == {0}
    assert (release.total, release.suppressed_count) == (41, 1)
    assert len(rows) == 40
    assert {row["citizenship"] for row in rows} == {"BD"}


def test_generalises_rather_than_suppress_many(users, portfolio, case_workers):
    # Two halves of a class of 12 differ only by citizenship within Southern Asia.
    _identical(portfolio, case_workers, 6)
    other = _identical(portfolio, case_workers, 7)
    Case.objects.filter(pk__in=[case.pk for case in other]).update(citizenship="NP")

    release = ctdc.ctdc_release_publish()
    rows = records(users["admin"], release)

    assert release.generalisation == dict.fromkeys(ctdc.QI_KEYS, 0) | {"citizenship": 1}
    assert release.suppressed_count == 0
    assert {row["citizenship"] for row in rows} == {"Southern Asia"}
    assert {row["gender"] for row in rows} == {"Male"}


@pytest.mark.parametrize("n", [0, 1, 10])
def test_too_few_cases_give_nothing(users, portfolio, case_workers, n):
    if n:
        _identical(portfolio, case_workers, n)

    release = ctdc.ctdc_release_publish()

    assert records(users["admin"], release) == []
    assert (release.total, release.published_count) == (n, 0)


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
    release = ctdc.ctdc_release_publish()

    def total(user) -> int:
        return ctdc.release_records(release, user).count()

    for name, n in expected.items():
        assert total(users[name]) == n, name
    assert total(case_workers["lb"]) == 12
    assert total(case_workers["eg"]) == 13
    # A case worker whose session has not given the second factor counts nothing.
    assert total(case_workers["lb_unverified"]) == 0


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
        *[code == MeansOfControl.DEBT_BONDAGE for code in ctdc.layout.PORTAL_MEANS],
        LabourSector.AGRICULTURE,
        "",
    )
    broad = dict(zip(ctdc.COLUMNS, ctdc.ctdc_row(values, (0, 1, 1, 1, 2, 1)), strict=True))
    withheld = dict(zip(ctdc.COLUMNS, ctdc.ctdc_row(values, (1, 0, 2, 3, 3, 2)), strict=True))

    assert broad["yearOfRegistration"] == 2022
    assert broad["gender"] is None
    assert (broad["ageBroad"], broad["majorityStatus"]) == (None, "Minor")
    assert (broad["citizenship"], broad["CountryOfExploitation"]) == ("Eastern Africa", "Asia")
    assert (broad["isForcedLabour"], broad["isSexualExploit"], broad["isOtherExploit"]) == (1, 0, 1)
    assert broad["isSexAndLabour"] == 0
    assert broad["isForcedMarriage"] is broad["isOrganRemoval"] is None
    assert broad["typeOfExploitConcatenated"] == "Forced labour;Other"
    assert broad["typeOfLabourAgriculture"] == 1
    assert broad["meansOfControlDebtBondage"] == 1
    assert broad["recruiterRelationFriend"] is broad["RecruiterRelationship"] is None

    assert withheld["yearOfRegistration"] is None
    assert withheld["gender"] == "Female"
    assert withheld["ageBroad"] is withheld["majorityStatus"] is None
    assert withheld["citizenship"] is withheld["CountryOfExploitation"] is None
    assert all(withheld[code] is None for code in ctdc.EXPLOITATION_CODES)
    assert withheld["typeOfExploitConcatenated"] is None
    assert all(withheld[code] is None for code in ctdc.LABOUR_COLUMNS)
    assert withheld["meansOfControlDebtBondage"] == 1


def test_choose_levels_stops_at_the_least_generalisation():
    # 30 records in 3 exact classes of 10: one step (citizenship to subregion) joins them.
    finest = {
        ("1:1", 2020, "Male", "30--38", code, "JO", "0100000"): 10 for code in ("BD", "NP", "IN")
    }
    levels = ctdc_hierarchy.choose_levels(finest, ctdc.K)

    assert levels == (0, 0, 0, 1, 0, 0)
    assert ctdc_hierarchy.generalise(next(iter(finest))[1:], levels) == (
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
    assert tuple(MeansOfControl.values) == ctdc.MEANS_COLUMNS[:-1]
    assert tuple(LabourSector.values) == ctdc.LABOUR_COLUMNS
    assert tuple(RecruiterRelation.values) == ctdc.RECRUITER_COLUMNS
    assert len(ctdc.COLUMNS) == len(set(ctdc.COLUMNS)) == 63
    assert ctdc.COLUMNS[:8] == (
        "yearOfRegistration",
        "Datasource",
        "gender",
        "ageBroad",
        "majorityStatus",
        "majorityStatusAtExploit",
        "majorityEntry",
        "citizenship",
    )
    assert ctdc.COLUMNS[-7:-5] == ("RecruiterRelationship", "CountryOfExploitation")
    assert "typeOfExploitConcatenated" in ctdc.QUASI_IDENTIFIER_COLUMNS


def test_values_not_recorded_are_blank_not_zero():
    values = (
        datetime.date(2019, 1, 1),
        "",
        None,
        "",
        "",
        *[False] * len(ctdc.EXPLOITATION_CODES),
        *[False] * (len(ctdc.MEANS_COLUMNS) - 1),
        "",
        "",
    )
    row = dict(zip(ctdc.COLUMNS, ctdc.ctdc_row(values, (0,) * 6), strict=True))

    assert row["yearOfRegistration"] == 2019
    blank = [column for column, value in row.items() if value is None]
    assert set(row) - set(blank) == {
        "yearOfRegistration",
        "Datasource",
        "meansOfControlNotSpecified",
        "meansOfControlConcatenated",
    }
    assert row["meansOfControlNotSpecified"] == 1
    assert row["meansOfControlConcatenated"] == "Not specified"


@pytest.mark.parametrize(("seed", "records"), [(1, 60), (2, 400), (3, 700)])
def test_choose_levels_matches_an_exhaustive_search(seed, records):
    import random
    from itertools import product

    rng = random.Random(seed)
    finest: Counter = Counter()
    for _ in range(records):
        finest[
            (
                rng.choice(["1:1", "1:1", "2:1", "2:2"]),
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
            sizes[(combination[0], *ctdc_hierarchy.generalise(combination[1:], levels))] += n
        suppressed = sum(n for n in sizes.values() if n < ctdc.K)
        if suppressed <= allowed:
            loss, order = ctdc_hierarchy._preference(levels)
            best = min(best or (loss, suppressed, order, levels), (loss, suppressed, order, levels))

    # With no way to suppress few enough (a cell too small), everything is withheld.
    expected = best[3] if best else tuple(tops)
    assert ctdc_hierarchy.choose_levels(dict(finest), ctdc.K) == expected
