"""Schemathesis against /api/schema/: every operation, anonymous and with an applicant's and an
officer's token, schema-conforming and schema-violating input. Every answer must be no server error
and must agree with the schema (status code, content type, body)."""

from __future__ import annotations

import collections
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from django.contrib.auth import get_user_model
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("TONGBAN_SCHEMATHESIS_EXAMPLES", "3"))


def run_operation(operation, mode, who, headers, failures, counts):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers=headers)
        counts["requests"] += 1
        counts[f"status {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseExceptionGroup as exc:  # a FailureGroup; collect them all rather than stop at the first
            failures.append(f"{operation.label} [{who}, {mode.value}] -> {response.status_code}: {str(exc)[:600]}")

    try:
        run()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
        counts["no negative cases"] += 1


@pytest.fixture
def wsgi_app():
    """The WSGI application, with connections kept open across requests (as Django's test client
    does): the test's transaction must outlive each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_api_answers_generated_requests_without_server_errors_and_as_its_schema_says(demo_accounts, wsgi_app):
    users = get_user_model().objects
    tokens = {
        "anonymous": {},
        "applicant": {"Authorization": f"Token {Token.objects.create(user=users.get(username='applicant'))}"},
        "officer": {"Authorization": f"Token {Token.objects.create(user=users.get(username='intake'))}"},
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    failures: list[str] = []
    counts: collections.Counter = collections.Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/auth/logout/":
            continue  # would revoke the tokens this run uses; tests/security/test_authentication.py covers it
        counts["operations"] += 1
        for who, headers in tokens.items():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_operation(operation, mode, who, headers, failures, counts)
    print("\nschemathesis:", dict(sorted(counts.items())), "failures:", len(failures))
    if os.environ.get("TONGBAN_SCHEMATHESIS_REPORT"):
        with open(os.environ["TONGBAN_SCHEMATHESIS_REPORT"], "w", encoding="utf-8") as report:
            report.write("\n\n".join(failures))
    assert not failures, "\n\n".join(failures[:40])
