"""OpenAPI post-processing: every operation documents the error answers the one exception handler,
the parsers, the body limit and the rate limits can give (400, 401, 403, 404, 409, 413, 429), with
their shape, so that a client (and schemathesis) finds every status it may receive in the schema."""

from __future__ import annotations

import inspect
from functools import cache

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.settings import api_settings

ERROR = {
    "type": "object",
    "description": "An error: `detail` (a message or a list of them) and usually a stable `code`; a 400 also "
                   "names each invalid field with its list of messages; a 409 gives the case's current `state`.",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Invalid input: field errors, or `detail` for a body that is not acceptable JSON",
    "401": "Not authenticated, or the token is unknown or expired",
    "403": "Not allowed for this user",
    "404": "Not found (also for another user's object)",
    "409": "Not allowed in the object's current state, or lost a race",
    "413": "Request body too large",
    "429": "Too many requests; try again later",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    result.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = ERROR
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in WRITE_METHODS | {"get", "head"}:
                continue
            security = operation.get("security", [])
            authenticated = bool(security) and {} not in security
            statuses = {"400", "429"}
            if authenticated:
                statuses |= {"401", "403", "404"}
            if operation.get("parameters"):
                statuses.add("404")
            if method in WRITE_METHODS:
                statuses.add("413")
                if authenticated:
                    statuses.add("409")
            responses = operation.setdefault("responses", {})
            # An error is rendered like the answer asked for (?format=csv gives a CSV-typed error body).
            content = dict(error_content)
            for answer in responses.values():
                for media_type in answer.get("content", {}):
                    content.setdefault(media_type, {"schema": {}})
            for status in sorted(statuses):
                responses.setdefault(status, {"description": DESCRIPTIONS[status], "content": content})
    return result


@cache
def _paginates_by_hand(view_class: type) -> bool:
    get = getattr(view_class, "get", None)
    try:
        return get is not None and "get_paginated_response" in inspect.getsource(get)
    except (OSError, TypeError):
        return False


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]). An APIView has no
    pagination_class, so a list it pages by hand (`paginator.get_paginated_response(...)`) would be
    documented as a bare array: such a view is documented with the paginated envelope it answers."""

    def _get_paginator(self):
        paginator = super()._get_paginator()
        if paginator is None and self.method == "GET" and _paginates_by_hand(type(self.view)):
            return api_settings.DEFAULT_PAGINATION_CLASS()
        return paginator
