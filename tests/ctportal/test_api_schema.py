"""The OpenAPI schema tells the truth: schemathesis calls every operation as every role.

Requests go in-process through the WSGI application, over the demo portfolio
with every relation filled, each with the personal API token of a user of one
role. Every response must conform to the schema: no server error, a documented
status code and content type, a body matching its schema. Generation is
derandomized and bounded, so a run is repeatable and short.
"""

import pytest
import schemathesis
from django.core.signals import request_finished
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
    request_finished.disconnect(close_old_connections)
    yield application
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
