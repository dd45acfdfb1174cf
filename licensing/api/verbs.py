"""The lifecycle verbs' endpoints, `POST /api/v1/applications/{id}/<slug>/`, one per registered
verb: the input serializer is built from the verb's inputs, so the OpenAPI schema documents
exactly what the service accepts."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.utils.translation import gettext as _

from licensing import selectors
from licensing.verbs import KEY_MAX_LENGTH, Input, Repeat, Verb, registry

from . import serializers as s
from .access import visible_application

ERRORS = {
    400: OpenApiResponse(s.ErrorOutput, description="invalid input (field errors)"),
    403: OpenApiResponse(s.ErrorOutput, description="not this user's act (role, authority, separation of duties)"),
    404: OpenApiResponse(description="no such case visible to the caller"),
    409: OpenApiResponse(s.ErrorOutput, description="not allowed in the case's current state (or lost a race)"),
    422: OpenApiResponse(s.ErrorOutput, description="the Idempotency-Key was used for another act"),
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Optional, at most 200 printable characters, chosen by the client per act: a repeat of the "
                "request with the same key (after a lost answer) gets the first answer again and acts once. "
                "Without a key, a repeat of the same act by the same user within 10 minutes is answered 200 "
                "with the case's state as well.")


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise serializers.ValidationError(
            {"idempotency_key": [_("幂等键（Idempotency-Key）须为1至%(max)d个可打印字符。") % {"max": KEY_MAX_LENGTH}]})
    return key


def _field(spec: Input) -> serializers.Field:
    if spec.kind == "correction_items":
        return s.CorrectionItem(many=True, allow_empty=False)
    if spec.kind == "int":
        return serializers.IntegerField(min_value=spec.min_value, max_value=spec.limit(None),
                                        required=spec.required)
    if spec.kind == "choice":
        return serializers.ChoiceField(choices=list(spec.choices), required=spec.required)
    options = {"max_length": spec.max_length, "required": spec.required}
    if not spec.required:
        options.update(allow_blank=True, default="")
    return serializers.CharField(**options)


def input_serializer(verb: Verb) -> type[serializers.Serializer]:
    name = "".join(part.title() for part in verb.slug.split("-")) + "Input"
    return type(name, (serializers.Serializer,), {spec.name: _field(spec) for spec in verb.inputs})


def verb_view(verb: Verb) -> type[APIView]:
    serializer_class = input_serializer(verb)

    class VerbView(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(request=serializer_class if verb.inputs else None,
                       responses={200: s.ApplicationOutput, **ERRORS}, summary=f"{verb.label} ({verb.slug})",
                       description=str(verb.help_text()), operation_id=f"applications_{verb.slug.replace('-', '_')}",
                       parameters=[IDEMPOTENCY_KEY])
        def post(self, request: Request, pk: int) -> Response:
            application = visible_application(request, pk)
            key = idempotency_key(request)
            body = serializer_class(data=request.data)
            body.is_valid(raise_exception=True)

            def answer(result) -> dict:
                payload = s.application_payload(selectors.application_detail(pk=pk), request=request)
                if verb.response is not None and not isinstance(result, Repeat):
                    payload.update(verb.response(result))
                return json.loads(JSONRenderer().render(payload))  # as sent, and as kept with the key

            result = verb.service(application=application, actor=request.user, idempotency_key=key, answer=answer,
                                  **body.validated_data)
            if isinstance(result, Repeat) and result.payload is not None:
                return Response(result.payload, status=result.status)  # the first answer to this key
            return Response(answer(result))

    VerbView.__name__ = VerbView.__qualname__ = serializer_class.__name__.replace("Input", "View")
    return VerbView


VERB_VIEWS = {verb.slug: verb_view(verb) for verb in registry}
