"""The words participants' values may be written in: the rules the import page documents,
shared by attendance sheets and the API."""

import pytest

from tests import factories as f
from trainings.vocabulary import Vocabulary, fold


@pytest.fixture
def words(db):
    f.CountryFactory(code="LB", name_en="Lebanon", name_ar="لبنان", name_fr="Liban")
    f.CountryFactory(code="EG", name_en="Egypt", name_ar="مصر", name_fr="Égypte")
    return Vocabulary()


def test_fold_tidies_spaces_and_case():
    assert fold("  Female \t") == "female"
    assert fold(None) == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("female", "female"),
        ("Female", "female"),
        ("FEMALE", "female"),
        ("f", "female"),
        ("F", "female"),
        ("M", "male"),
        ("m", "male"),
        ("Femme", "female"),
        ("Homme", "male"),
        ("other", "other"),
    ],
)
def test_sex_codes_in_any_case_letters_and_labels(words, value, code):
    assert words.choice("sex", value) == code


@pytest.mark.parametrize("value", ["woman", "x", "fem", "1", "mf"])
def test_other_words_for_sex_are_not_guessed(words, value):
    assert words.choice("sex", value) is None


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("institution_type", "POLICE", "police"),
        ("institution_type", "Immigration and border", "immigration"),
        ("age_band", "25-34", "25-34"),
        ("age_band", "55 and over", "55+"),
    ],
)
def test_other_choices_by_code_or_label(words, column, value, code):
    assert words.choice(column, value) == code


@pytest.mark.parametrize("value", ["LB", "lb", " Lb ", "Lebanon", "LEBANON", "لبنان", "Liban"])
def test_countries_by_code_in_any_case_or_name_in_three_languages(words, value):
    assert str(words.country(value).code) == "LB"


@pytest.mark.parametrize("value", ["LBN", "Lebanese", "Libanon", "ZZ", ""])
def test_unknown_countries_are_not_guessed(words, value):
    assert words.country(value) is None


def test_countries_are_read_once(words, django_assert_num_queries):
    with django_assert_num_queries(1):
        for value in ("lb", "Egypt", "مصر", "Égypte"):
            assert words.country(value) is not None


@pytest.mark.parametrize(
    ("value", "attended"),
    [("", True), (None, True), ("Yes", True), ("oui", True), ("نعم", True), (True, True)],
)
def test_attended_yes(value, attended):
    assert Vocabulary.attended(value) is attended


@pytest.mark.parametrize("value", ["no", "NON", "لا", "0", False])
def test_attended_no(value):
    assert Vocabulary.attended(value) is False


def test_attended_unknown_word_is_none():
    assert Vocabulary.attended("maybe") is None
