"""The library search, on whichever database the suite runs (SQLite or PostgreSQL)."""

import pytest
from django.urls import reverse

from research.models import ResearchOutput
from research.search import search_outputs, search_words
from tests import factories as f

ARABIC_TITLE = "دليل المنظمة الدولية للهجرة بشأن تقديم المساعدة المباشرة لضحايا الاتجار بالبشر"


@pytest.fixture
def library(portfolio):
    english = f.ResearchOutputFactory(
        title="The IOM Handbook on Direct Assistance for Victims of Trafficking",
        abstract="Guidance from initial contact up to social reintegration.",
        projects=[portfolio["p_eg"]],
    )
    arabic = f.ResearchOutputFactory(
        title=ARABIC_TITLE,
        language="ar",
        translation_of=english,
        abstract="النسخة العربية من الدليل",
        projects=[portfolio["p_eg"]],
    )
    french = f.ResearchOutputFactory(
        title="Étude sur la traite des personnes en Égypte",
        language="fr",
        abstract="Les formes de la traite et l'assistance aux victimes.",
        projects=[portfolio["p_lb"]],
    )
    return {"en": english, "ar": arabic, "fr": french}


def found(text: str) -> set[str]:
    return set(search_outputs(ResearchOutput.objects.all(), text).values_list("title", flat=True))


def test_an_arabic_title_is_found_by_an_arabic_word(library):
    assert found("المساعدة") == {ARABIC_TITLE}
    assert found("لضحايا الاتجار") == {ARABIC_TITLE}


def test_the_abstract_is_searched_too(library):
    assert found("reintegration") == {library["en"].title}
    assert found("العربية") == {ARABIC_TITLE}


def test_every_word_must_match(library):
    assert found("handbook victims") == {library["en"].title}
    assert found("handbook égypte") == set()


def test_a_word_is_found_by_its_beginning(library):
    assert found("traffick") == {library["en"].title}


def test_french_words(library):
    assert found("traite personnes") == {library["fr"].title}


def test_operators_and_punctuation_are_ignored(library):
    assert search_words("a & b | !c:* 'd' (e)") == ["a", "b", "c", "d", "e"]
    assert found("!:*&|()'") == set(ResearchOutput.objects.values_list("title", flat=True))
    assert found("victims' handbook!") == {library["en"].title}


def test_the_library_page_finds_the_arabic_handbook(client, users, library):
    client.force_login(users["officer_eg"])
    html = client.get(reverse("research:library"), {"q": "المساعدة"}).content.decode()
    assert ARABIC_TITLE in html
    assert "Étude sur la traite" not in html


def test_the_search_stays_within_the_users_scope(client, users, library):
    client.force_login(users["officer_lb_project"])
    html = client.get(reverse("research:library"), {"q": "المساعدة"}).content.decode()
    assert ARABIC_TITLE not in html
    assert "Nothing found" in html


def test_the_api_searches_with_q(users, library):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(users["analyst"])
    body = client.get("/api/v1/research/outputs/", {"q": "المساعدة"}).json()
    assert [row["title"] for row in body["results"]] == [ARABIC_TITLE]
    assert body["results"][0]["translation_of"] == library["en"].pk
