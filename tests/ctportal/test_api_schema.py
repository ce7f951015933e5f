"""The OpenAPI schema tells the truth: schemathesis calls every operation as every role.

Requests go in-process through the WSGI application, over the demo portfolio
with every relation filled, each with the personal API token of a user of one
role. Every response must conform to the schema: no server error, a documented
status code and content type, a body matching its schema. Generation is
derandomized and bounded, so a run is repeatable and short.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ctportal.wsgi import application
from tests.ctportal.conftest import DEMO_USERS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 5


@pytest.fixture
def in_process(db):
    """The WSGI handler as the test client runs it: no closing of the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def exercise(operation, headers: dict) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_every_operation_answers_as_documented(full_portfolio, api_headers, in_process, role):
    headers = api_headers(full_portfolio["users"][role])
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process, headers=headers)
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            exercise(operation, headers)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations > 50
    assert not failures, "\n\n".join(failures)


# What the schema says, checked field by field -------------------------------------


@pytest.fixture
def openapi(users):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(users["analyst"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def field(openapi: dict, component: str, name: str) -> dict:
    return openapi["components"]["schemas"][component]["properties"][name]


@pytest.mark.parametrize(
    "component, name",
    [
        ("Organisation", "country"),
        ("Funding", "share"),
        ("LegislativeSupport", "country"),
        ("ParticipantCount", "country"),
        ("Participant", "nationality"),
        ("Participant", "country_of_work"),
        ("Transaction", "provider"),
        ("Transaction", "receiver"),
    ],
)
def test_fields_that_may_be_null_say_so(openapi, component, name):
    declared = field(openapi, component, name)
    assert declared.get("nullable") is True or {"type": "null"} in declared.get("oneOf", [])


def test_a_participant_name_is_not_promised(openapi):
    participant = openapi["components"]["schemas"]["Participant"]
    assert "name" in participant["properties"]
    assert "name" not in participant.get("required", [])


def test_every_operation_documents_its_errors_in_the_error_format(openapi):
    error = {"$ref": "#/components/schemas/Error"}
    assert openapi["components"]["schemas"]["Error"]["required"] == ["error"]
    locking = 0
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("400", "401", "403", "404"):
                assert responses[status]["content"]["application/json"]["schema"] == error, (
                    f"{method} {path} {status}"
                )
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "If-Match" in headers:
                locking += 1
                assert {"409", "412", "428"} <= set(responses), f"{method} {path}"
            for response in responses.values():
                csv = response.get("content", {}).get("text/csv")
                assert csv is None or csv["schema"]["type"] == "string", f"{method} {path}"
    assert locking >= 10
