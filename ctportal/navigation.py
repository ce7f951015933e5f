"""Where each role lands, what its main menu lists, and which section a page belongs to.

Everything here reads ``access.SECTION_ROLES``: the menu shows a section to
the roles that use it and ``SectionMiddleware`` refuses its pages to the
others, so a link in the menu always opens and a page outside it never does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import ResolverMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from ctportal import access
from ctportal.access import Role

# Pages by URL namespace; the names listed under a namespace belong to another
# section than the rest of it. Pages of no section (sign-in, tokens, the JSON
# API, Django admin) keep their own checks.
NAMESPACE_SECTIONS: dict[str, str] = {
    "projects": "projects",
    "dashboards": "dashboards",
    "trainings": "trainings",
    "research": "research",
    "reports": "reports",
    "assistance": "cases",
    "assistance_exports": "assistance_figures",
    "providers": "service_providers",
}
NAME_SECTIONS: dict[tuple[str, str], str] = {
    ("projects", "portfolio_dashboard"): "portfolio",
    ("projects", "exports"): "exports",
    ("projects", "export_download"): "exports",
    ("projects", "export_rerun"): "exports",
    ("assistance", "figures"): "assistance_figures",
    ("", "api-docs"): "api",
    ("", "api-guide"): "api",
}


def section_of(match: ResolverMatch | None) -> str | None:
    if match is None:
        return None
    return NAME_SECTIONS.get((match.namespace, match.url_name)) or NAMESPACE_SECTIONS.get(
        match.namespace
    )


class SectionMiddleware:
    """A page of a section the user's role does not use answers 404, as a record out of scope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        section = section_of(request.resolver_match)
        user = request.user
        # Anonymous visitors go on to the view, which sends them to sign in.
        if section and user.is_authenticated and not access.can_use(user, section):
            raise Http404
        return None


@dataclass(frozen=True)
class MenuItem:
    label: Promise
    # (section, URL name): the entry links to the first its user can use.
    targets: tuple[tuple[str, str], ...]
    # Further sections whose pages highlight this entry.
    also: tuple[str, ...] = ()

    def link_for(self, user) -> str | None:
        for section, url_name in self.targets:
            if access.can_use(user, section):
                return url_name
        return None


# Labels carry the "main menu" context so they stay short in every language
# (the menu is one row at 1,366 px in French, the longest of the three).
MENU: tuple[MenuItem, ...] = (
    MenuItem(pgettext_lazy("main menu", "Projects"), (("projects", "projects:list"),)),
    MenuItem(
        pgettext_lazy("main menu", "Portfolio"), (("portfolio", "projects:portfolio_dashboard"),)
    ),
    MenuItem(pgettext_lazy("main menu", "Dashboards"), (("dashboards", "dashboards:list"),)),
    MenuItem(pgettext_lazy("main menu", "Trainings"), (("trainings", "trainings:list"),)),
    MenuItem(pgettext_lazy("main menu", "Research"), (("research", "research:library"),)),
    # Case workers and administrators open the cases, everybody else the figures;
    # the assistance pages' own tabs lead from one to the other.
    MenuItem(
        pgettext_lazy("main menu", "Assistance"),
        (("cases", "assistance:cases"), ("assistance_figures", "assistance:figures")),
    ),
    MenuItem(
        pgettext_lazy("main menu", "Service providers"),
        (("service_providers", "providers:list"),),
    ),
    MenuItem(pgettext_lazy("main menu", "Reports"), (("reports", "reports:list"),)),
    MenuItem(pgettext_lazy("main menu", "Exports"), (("exports", "projects:exports"),)),
    MenuItem(pgettext_lazy("main menu", "API"), (("api", "api-guide"),)),
    MenuItem(pgettext_lazy("main menu", "Administration"), (("administration", "admin:index"),)),
)


def menu_for(request: HttpRequest) -> list[dict]:
    """The main menu of the signed-in user: label, address, and whether it is the current page."""
    user = request.user
    current = section_of(getattr(request, "resolver_match", None))
    if current is None and request.path.startswith(reverse("admin:index")):
        current = "administration"
    items = []
    for item in MENU:
        url_name = item.link_for(user)
        if url_name is None:
            continue
        sections = {section for section, _name in item.targets} | set(item.also)
        items.append(
            {"label": item.label, "url": reverse(url_name), "current": current in sections}
        )
    return items


# Where each role starts: the work they came to do.
LANDING: dict[Role, str] = {
    Role.PROGRAMME_OFFICER: "projects:list",
    Role.CASE_WORKER: "assistance:cases",
    Role.ME_OFFICER: "projects:list",
    Role.DONOR: "projects:portfolio_dashboard",
    Role.ANALYST: "api-guide",
    Role.ADMINISTRATOR: "projects:list",
}


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """The home address, and where sign-in and the second factor end without a ``next``."""
    role = access.role_of(request.user)
    if role is None:
        return redirect("login")
    return redirect(LANDING[role])
