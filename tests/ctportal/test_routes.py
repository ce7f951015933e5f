"""Every route, for every role: no server error, and no record outside one's scope.

Each URL pattern of the portal (pages, API and admin) is filled with the ids
of records the caller may see, records they may not see and ids that exist
nowhere, and requested as each role, signed out and without a role. Nothing
may answer 5xx. A record outside the caller's scope must answer exactly what
an id that does not exist answers, and 404 wherever a record in scope opens.
"""

import csv
import io
import json
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories as f
from tests.ctportal.conftest import DEMO_USERS

MISSING = 987654321
RECORD_PARAMS = ("pk", "code", "slug")

# The record a pattern's first id names, by URL name (namespace included).
PAGE_MODELS = {
    "projects:": "projects.Project",
    "projects:export_download": "projects.PortfolioExport",
    "trainings:": "trainings.TrainingSession",
    "trainings:import_status": "trainings.AttendanceImport",
    "research:output": "research.ResearchOutput",
    "research:support": "research.LegislativeSupport",
    "research:stage_add": "research.LegislativeSupport",
    "research:activity": "research.AwarenessActivity",
    "reports:": "reports.DonorReport",
    "dashboards:": "dashboards.Dashboard",
    "assistance_exports:": "assistance.CTDCExport",
    "assistance:shelter": "assistance.Shelter",
    "assistance:": "assistance.Case",
}
API_MODELS = {
    "training-session": "trainings.TrainingSession",
    "training-participant": "trainings.Attendance",
    "training-count": "trainings.ParticipantCount",
    "research-output": "research.ResearchOutput",
    "legislative-support": "research.LegislativeSupport",
    "awareness-activity": "research.AwarenessActivity",
    "ctdc-export": "assistance.CTDCExport",
    "assistance-case": "assistance.Case",
    "assistance-service": "assistance.Service",
    "assistance-referral": "assistance.Referral",
    "assistance-stay": "assistance.ShelterStay",
    "assistance-note": "assistance.CaseNote",
    "assistance-shelter": "assistance.Shelter",
    "country": "projects.Country",
    "organisation": "projects.Organisation",
    "project": "projects.Project",
    "transaction": "projects.Transaction",
    "result": "projects.Result",
    "indicator": "projects.Indicator",
    "document": "projects.Document",
    "metric": None,
}
# Second ids: a child of the first record, found through its foreign key.
CHILDREN = {
    "doc_pk": {"projects": "projects.Document", "trainings": "trainings.SessionDocument"},
    "file_pk": {"outputs": "research.OutputFile", "awareness": "research.ActivityMaterial"},
    "referral_pk": {"": "assistance.Referral"},
    "stay_pk": {"": "assistance.ShelterStay"},
    "note_pk": {"": "assistance.CaseNote"},
    "pk": {"dashboards": "dashboards.Widget"},
}
FORMATS = {"fmt": "csv", "format": "csv"}


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def params_of(route: str) -> list[str]:
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]


def fill(route: str, values: dict) -> str:
    path = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    return "/" + path


def model_of(route: str, name: str):
    if route.startswith("admin/"):
        parts = route.split("/")
        if len(parts) > 3 and apps.is_installed(parts[1]):
            try:
                return apps.get_model(parts[1], parts[2])
            except LookupError:
                return None
        return None
    table = API_MODELS if route.startswith("api/") else PAGE_MODELS
    key = name.removesuffix("-list").removesuffix("-detail")
    key = re.sub(r"-(files|stages|close|identity|set-status|discharge|download)$", "", key)
    if key in table:
        label = table[key]
    else:
        prefixes = [p for p in table if name.startswith(p)]
        label = table[max(prefixes, key=len)] if prefixes else None
    return apps.get_model(label) if label else None


def routes():
    seen = set()
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith("admin/") and "<" in route and "object_id" not in route:
            continue  # the admin's own catch-alls and password pages
        if "format>" in route and "format>[a-z0-9]+" not in route:
            continue  # the API root's optional suffix
        if (route, name) not in seen:
            seen.add((route, name))
            yield route, name


def key_of(record, param: str):
    if param == "code":
        return getattr(record, "code", record.pk)
    if param == "slug":
        return record.slug
    return record.pk


def child_of(parent, param: str, route: str):
    options = CHILDREN.get(param, {})
    for hint, label in options.items():
        if hint in route or hint == "":
            model = apps.get_model(label)
            link = next(
                (
                    field.name
                    for field in model._meta.get_fields()
                    if field.many_to_one and field.related_model is type(parent)
                ),
                None,
            )
            if link:
                child = model.objects.filter(**{link: parent}).first()
                return child.pk if child else MISSING
    return MISSING


def urls_for(route: str, name: str, user, records: dict):
    """(kind, url): ``in`` a record the user sees, ``out`` one they do not, ``none`` no record."""
    params = params_of(route)
    if not params:
        return [("in", fill(route, {}))]
    values = {p: FORMATS[p] for p in params if p in FORMATS}
    if "code" in params and name.startswith("metric"):
        return [("in", fill(route, {**values, "code": "people_trained"}))]
    model = model_of(route, name)
    first = next((p for p in params if p in RECORD_PARAMS or p == "object_id"), None)
    if model is None or first is None:
        return [("in", fill(route, {**values, **{p: MISSING for p in params if p not in values}}))]
    everything = model._default_manager.all()
    if hasattr(everything, "visible_to") and user is not None:
        seen = everything.visible_to(user)
    else:
        seen = everything
    chosen = {"in": seen.order_by("pk").first(), "out": everything.exclude(pk__in=seen).first()}
    answers = []
    for kind, record in chosen.items():
        if record is None:
            continue
        filled = {**values, first: key_of(record, first)}
        for param in params:
            if param not in filled:
                filled[param] = child_of(record, param, route)
        answers.append((kind, fill(route, filled)))
    missing = {**values, **{p: MISSING for p in params if p not in values}}
    if first in ("code", "slug"):
        missing[first] = "zz" if first == "code" else "no-such-record"
    answers.append(("none", fill(route, missing)))
    return answers


def client_for(role: str, users: dict) -> tuple[Client, object]:
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client, None
    user = users.get(role) or f.UserFactory(role="")
    client.force_login(user)
    return client, user


ROLES = [*DEMO_USERS, "norole", "anonymous"]


def readable(response) -> bool:
    """A JSON or CSV answer parses; other kinds of answer are not looked into."""
    kind = response.get("Content-Type", "")
    if not (kind.startswith(("application/json", "text/csv"))):
        return True
    body = b"".join(response.streaming_content) if response.streaming else response.content
    try:
        if kind.startswith("application/json"):
            json.loads(body)
        else:
            list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    except (ValueError, csv.Error):
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_without_a_server_error(full_portfolio, db, role):
    client, user = client_for(role, full_portfolio["users"])
    failures = []
    walked = 0
    for route, name in routes():
        answers = {}
        for kind, url in urls_for(route, name, user, full_portfolio):
            response = client.get(url)
            walked += 1
            answers[kind] = (url, response.status_code)
            if response.status_code >= 500:
                failures.append(f"{url} ({name}): {response.status_code}")
            elif response.status_code == 200 and not readable(response):
                failures.append(f"{url} ({name}): {response['Content-Type']} does not parse")
        if "out" in answers and "none" in answers:
            (out_url, out), (_url, none) = answers["out"], answers["none"]
            opened = answers.get("in", ("", 0))[1] == 200
            if out != none or (opened and out != 404):
                failures.append(
                    f"{out_url} ({name}): outside the scope answers {out}, "
                    f"no record {none}, in scope {answers.get('in')}"
                )
    assert walked > 250
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("depth", [1000])
def test_over_deep_json_to_any_api_route_is_400_never_500(full_portfolio, db, depth):
    client, user = client_for("admin", full_portfolio["users"])
    body = "[" * depth + "]" * depth
    failures = []
    for route, name in routes():
        if not route.startswith("api/") or "format>" in route:
            continue
        for kind, url in urls_for(route, name, user, full_portfolio):
            if kind != "in":
                continue
            for method in ("post", "put", "patch"):
                response = getattr(client, method)(url, body, content_type="application/json")
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url}: {response.status_code}")
                elif response.status_code == 400:
                    error = json.loads(response.content)["error"]
                    if error["code"] != "parse_error":
                        failures.append(f"{method.upper()} {url}: {error}")
    assert not failures, "\n".join(failures)


# Relations the walk over demo data leaves empty on purpose: nothing shows them.
UNSHOWN = {
    "accounts.User": {"groups", "user_permissions"},
    "trainings.Person": {"merged_into"},
}
WITH_RECORDS = ("projects", "trainings", "assistance", "research")


def test_the_walked_data_fills_every_optional_relation(full_portfolio, db):
    empty = []
    for label in WITH_RECORDS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical") or not model.objects.exists():
                continue
            name = model._meta.label
            for relation in model._meta.get_fields():
                if not (relation.is_relation and relation.concrete):
                    continue
                if not (relation.many_to_many or relation.null):
                    continue
                if relation.name in UNSHOWN.get(name, set()):
                    continue
                if not model.objects.filter(**{f"{relation.name}__isnull": False}).exists():
                    empty.append(f"{name}.{relation.name}")
    assert not empty
