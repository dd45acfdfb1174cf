"""Public service guide, working-day calendar and token login endpoints."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from services import selectors
from services.accounts import (
    LoginLocked,
    authenticate_throttled,
    client_address,
    token_expires_at,
    token_issue,
    token_revoke,
)
from services.calendar import get_calendar
from services.workdays import OutOfRange

from .serializers import (
    AddWorkingDaysQuery,
    AddWorkingDaysResult,
    ServiceTypeSerializer,
    WorkingDaysQuery,
    WorkingDaysResult,
)


def _lang(request: Request) -> str:
    requested = request.query_params.get("lang")
    return requested if requested in ("en", "zh-hans") else get_language() or "zh-hans"


class ServiceListView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=ServiceTypeSerializer(many=True), summary="Service guide: all services")
    def get(self, request: Request) -> Response:
        services = selectors.published_service_types()
        return Response(ServiceTypeSerializer(services, many=True, context={"lang": _lang(request)}).data)


# Registry of extra fields for one service's guide (the licensing app adds `form`, the JSON Schema
# of the application data), so the catalog API does not import the apps above it.
service_detail_extensions: list = []


class ServiceDetailView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=ServiceTypeSerializer, summary="Service guide: one service")
    def get(self, request: Request, code: str) -> Response:
        service_type = selectors.service_type_current(code=code)
        payload = dict(ServiceTypeSerializer(service_type, context={"lang": _lang(request)}).data)
        for extend in service_detail_extensions:
            payload.update(extend(service_type))
        return Response(payload)


def _calendar_answer(compute):
    try:
        return Response(compute())
    except OutOfRange as exc:
        raise ValidationError({"detail": [str(exc)]}, code="out_of_range") from exc


class AddWorkingDaysView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[AddWorkingDaysQuery], responses=AddWorkingDaysResult,
                   summary="Due date n working days after a start date")
    def get(self, request: Request) -> Response:
        query = AddWorkingDaysQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, days = query.validated_data["start"], query.validated_data["days"]

        def compute() -> dict:
            calendar = get_calendar()
            due = calendar.add_working_days(start, days)
            return {"start": start.isoformat(), "days": days, "due": due.isoformat(),
                    "provisional": calendar.any_provisional(start, due)}

        return _calendar_answer(compute)


class WorkingDaysView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[WorkingDaysQuery], responses=WorkingDaysResult,
                   summary="Working days d with start < d <= end")
    def get(self, request: Request) -> Response:
        query = WorkingDaysQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]

        def compute() -> dict:
            calendar = get_calendar()
            return {"start": start.isoformat(), "end": end.isoformat(),
                    "working_days": calendar.working_days(start, end),
                    "provisional": calendar.any_provisional(start, end)}

        return _calendar_answer(compute)


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle keyed by the client address behind the trusted proxies (not the proxy's)."""

    def get_ident(self, request: Request) -> str:
        return client_address(request._request)


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=True,
                                     error_messages={"blank": gettext_lazy("请输入用户名。"),
                                                     "required": gettext_lazy("请输入用户名。")})
    password = serializers.CharField(max_length=256, trim_whitespace=False,
                                     error_messages={"blank": gettext_lazy("请输入密码。"),
                                                     "required": gettext_lazy("请输入密码。")})


ErrorResponse = inline_serializer("ErrorResponse", {"detail": serializers.CharField(),
                                                    "code": serializers.CharField(required=False)})


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequest,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                            "expires_at": serializers.DateTimeField()}),
                   400: inline_serializer("TokenError", {"username": serializers.ListField(required=False),
                                                         "password": serializers.ListField(required=False),
                                                         "non_field_errors": serializers.ListField(required=False),
                                                         "detail": serializers.CharField(required=False)}),
                   429: ErrorResponse},
        parameters=[OpenApiParameter("lang", str, required=False)],
        summary="Exchange a username and password for an API token (it expires; see expires_at)",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": [_("请求体应为包含 username 和 password 的 JSON 对象。")]},
                                  code="not_an_object")
        query = TokenRequest(data=request.data)
        query.is_valid(raise_exception=True)
        try:
            user = authenticate_throttled(request._request, username=query.validated_data["username"],
                                          password=query.validated_data["password"])
        except LoginLocked as exc:
            return Response({"detail": str(exc), "code": "locked"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            raise ValidationError({"non_field_errors": [_("用户名或密码错误。")]}, code="invalid_credentials")
        token = token_issue(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token=token)})


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, 401: ErrorResponse},
                   summary="Revoke the caller's API token (log out)")
    def post(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
