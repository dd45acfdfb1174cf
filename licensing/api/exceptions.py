"""The one DRF exception handler: the workflow's errors become 400/403/404/409/503 responses with
a stable `code`, field errors and the case's current state; views hold no try/except."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from licensing.workflow import Invalid, WorkflowError


def workflow_error_body(exc: WorkflowError) -> dict:
    body = {**exc.errors, "detail": exc.message, "code": exc.code}
    if exc.state:
        body["state"] = exc.state
    if isinstance(exc, Invalid) and "missing" in exc.errors and exc.code == "invalid":
        body["code"] = "incomplete"
    return body


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        return Response(workflow_error_body(exc), status=exc.status)
    return drf_exception_handler(exc, context)
