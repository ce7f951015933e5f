"""Each role lands on its own work and its menu lists only what it can open."""

import re

import pytest
from django.urls import reverse

from ctportal import navigation
from ctportal.access import SECTION_ROLES, Role

ROLES = {
    "officer_eg": Role.PROGRAMME_OFFICER,
    "case_worker_lb": Role.CASE_WORKER,
    "me": Role.ME_OFFICER,
    "donor_a": Role.DONOR,
    "analyst": Role.ANALYST,
    "admin": Role.ADMINISTRATOR,
}
LANDINGS = {
    "officer_eg": "/projects/",
    "case_worker_lb": "/assistance/cases/",
    "me": "/projects/",
    "donor_a": "/projects/dashboard/",
    "analyst": "/api/guide/",
    "admin": "/projects/",
}
# One page of each section, to ask as a role whose menu does not list it.
SECTION_PAGES = {
    "projects": "/projects/",
    "portfolio": "/projects/dashboard/",
    "dashboards": "/dashboards/",
    "trainings": "/trainings/",
    "research": "/research/",
    "cases": "/assistance/cases/",
    "assistance_figures": "/assistance/figures/",
    "reports": "/reports/",
    "exports": "/projects/exports/",
    "api": "/api/docs/",
    "administration": "/admin/",
}
MENU_LINK = re.compile(r'<nav class="mainnav".*?</nav>', re.S)


def menu_links(html: str) -> list[str]:
    nav = MENU_LINK.search(html)
    assert nav, "the page has no main menu"
    return re.findall(r'href="([^"]+)"', nav.group(0))


@pytest.mark.parametrize("name", ROLES)
def test_each_role_lands_on_its_own_work(client, users, name):
    client.force_login(users[name])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == LANDINGS[name]


@pytest.mark.parametrize("name", ROLES)
def test_every_menu_link_opens_and_every_other_section_is_refused(client, users, name):
    client.force_login(users[name])
    role = ROLES[name]
    landing = client.get(LANDINGS[name])
    assert landing.status_code == 200
    links = menu_links(landing.content.decode())
    used = {section for section, roles in SECTION_ROLES.items() if role in roles}
    assert len(links) == len([item for item in navigation.MENU if item.link_for(users[name])])
    for link in links:
        assert client.get(link).status_code == 200, link
    for section, page in SECTION_PAGES.items():
        if section in used:
            continue
        status = client.get(page).status_code
        # Django admin sends non-staff to its own sign-in page.
        assert status in (302, 403, 404) if section == "administration" else status == 404, (
            section,
            status,
        )
        assert page not in links


def test_a_case_worker_s_menu_shows_cases_and_no_portfolio_pages(client, users):
    client.force_login(users["case_worker_lb"])
    links = menu_links(client.get("/assistance/cases/").content.decode())
    assert links == ["/assistance/cases/", "/assistance/providers/"]
    for refused in ("/reports/", "/projects/exports/", "/projects/dashboard/"):
        assert client.get(refused).status_code == 404


def test_a_page_deep_in_a_refused_section_is_refused_without_naming_the_record(
    client, users, portfolio
):
    client.force_login(users["case_worker_lb"])
    in_scope = client.get(reverse("projects:detail", args=[portfolio["p_lb"].pk]))
    missing = client.get(reverse("projects:detail", args=[987654]))
    assert in_scope.status_code == missing.status_code == 404


def test_the_menu_marks_the_current_section(client, users):
    client.force_login(users["officer_eg"])
    html = client.get("/trainings/").content.decode()
    nav = MENU_LINK.search(html).group(0)
    assert re.search(r'href="/trainings/" aria-current="page"', nav)
    assert nav.count("aria-current") == 1


def test_sign_in_without_next_lands_a_verified_case_worker_on_cases(client, users):
    client.force_login(users["case_worker_lb"])
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == "/assistance/cases/"
    assert response.status_code == 200
