import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALES = ["ar", "fr"]


def switch(client, code):
    response = client.post(reverse("set_language"), {"language": code, "next": "/projects/"})
    assert response.status_code == 302


def test_arabic_pages_are_right_to_left(client, users, portfolio):
    client.force_login(users["admin"])
    switch(client, "ar")
    for url in [
        reverse("projects:list"),
        reverse("projects:detail", args=[portfolio["p_both"].pk]),
        reverse("projects:dashboard", args=[portfolio["p_both"].pk]),
        reverse("projects:portfolio_dashboard"),
    ]:
        html = client.get(url).content.decode()
        assert '<html lang="ar" dir="rtl">' in html
        assert "مصر" in html  # the country name in Arabic
        assert "المشاريع" in html  # "Projects" in the navigation


def test_french_page(client, users, portfolio):
    client.force_login(users["me"])
    switch(client, "fr")
    html = client.get(reverse("projects:detail", args=[portfolio["p_eg"].pk])).content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Égypte" in html
    assert "Financement" in html


def test_rtl_bars_grow_from_the_right(client, users, portfolio):
    client.force_login(users["admin"])
    switch(client, "ar")
    html = client.get(reverse("projects:dashboard", args=[portfolio["p_both"].pk])).content
    # Egypt 60 %: in right-to-left the bar starts at x=40 of 100.
    assert b'class="fill" x="40.00" y="0" width="60.00"' in html


def test_svg_numbers_are_not_localised(client, users, portfolio):
    client.force_login(users["admin"])
    switch(client, "fr")
    html = client.get(reverse("projects:dashboard", args=[portfolio["p_both"].pk])).content
    assert b'width="60.00"' in html
    assert b'width="60,00"' not in html


@pytest.mark.parametrize("code", LOCALES)
def test_catalogue_is_complete(code):
    path = Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" / "django.po"
    text = path.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]
    entries = text.split("\n\n")[1:]
    empty = []
    for entry in entries:
        if entry.lstrip().startswith("#~"):
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", re.M)
        for value in strings:
            if not "".join(re.findall(r'"(.*)"', value)):
                empty.append(entry)
    assert not empty, empty[:3]
    assert (path.with_suffix(".mo")).exists()


@pytest.mark.parametrize("code", LOCALES)
def test_compiled_catalogue_translates(code):
    with translation.override(code):
        assert translation.gettext("Portfolio dashboard") != "Portfolio dashboard"


@pytest.mark.parametrize(
    ("code", "tokens_heading", "mail_heading"),
    [
        ("ar", "إنشاء رمز وصول", "إشعارات البريد الإلكتروني"),
        ("fr", "Créer un jeton", "Notifications par courriel"),
    ],
)
def test_token_and_mail_pages_are_translated(client, users, code, tokens_heading, mail_heading):
    client.force_login(users["analyst"])
    switch(client, code)
    tokens = client.get(reverse("api_tokens")).content.decode()
    assert tokens_heading in tokens
    assert "Create a token" not in tokens
    mail = client.get(reverse("notifications:preferences")).content.decode()
    assert mail_heading in mail
    assert "Email notifications" not in mail
