"""Applications API: filing, materials, lifecycle verbs, queue, public status query."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing import queues, selectors, workflow
from licensing.models import Application
from licensing.permissions import officer_of
from services.selectors import service_type_current

from . import serializers as s
from .access import visible_application
from .verbs import VERB_VIEWS  # noqa: F401 - routed in urls.py


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ApplicationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ApplicationSummaryOutput(many=True), summary="My applications / my authority's")
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.applications_for_user(user=request.user), request, view=self)
        today = timezone.localdate()
        return paginator.get_paginated_response([s.summary_payload(a, on=today, user=request.user) for a in page])

    @extend_schema(request=s.CreateInput, responses={201: s.ApplicationOutput}, summary="Start an application")
    def post(self, request: Request) -> Response:
        applicant = getattr(request.user, "applicant", None) if hasattr(request.user, "applicant") else None
        if applicant is None:
            return Response({"detail": _("只有申请人账号可以提交申请。"), "code": "not_an_applicant"},
                            status=status.HTTP_403_FORBIDDEN)
        body = _validated(s.CreateInput, request.data)
        try:
            service_type = service_type_current(code=body["service"])
        except Http404 as exc:
            raise ValidationError({"service": [_("没有这个事项。")]}, code="unknown_service") from exc
        application = workflow.application_create(applicant=applicant, service_type=service_type,
                                                  data=body["data"], actor=request.user,
                                                  original_licence_number=body.get("original_licence_number"))
        application = selectors.application_detail(pk=application.pk)
        return Response(s.application_payload(application, request=request), status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ApplicationOutput, summary="One application with its clock, materials and log")
    def get(self, request: Request, pk: int) -> Response:
        application = visible_application(request, pk)
        return Response(s.application_payload(application, request=request))

    @extend_schema(request=s.UpdateInput, responses=s.ApplicationOutput, summary="Save a draft's data")
    def patch(self, request: Request, pk: int) -> Response:
        application = visible_application(request, pk)
        body = _validated(s.UpdateInput, request.data)
        workflow.application_update_data(application=application, data=body.get("data", {}), actor=request.user,
                                         original_licence_number=body.get("original_licence_number"))
        return Response(s.application_payload(selectors.application_detail(pk=pk), request=request))


class MaterialUploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": s.MaterialInput}, responses={201: s.ApplicationOutput},
                   summary="Upload one material (PDF, JPEG or PNG; the type is read from the bytes)")
    def post(self, request: Request, pk: int) -> Response:
        application = visible_application(request, pk)
        body = _validated(s.MaterialInput, request.data)
        workflow.material_upload(application=application, material_code=body["material"], uploaded=body["file"],
                                 document_date=body.get("document_date"), actor=request.user)
        return Response(s.application_payload(selectors.application_detail(pk=pk), request=request),
                        status=status.HTTP_201_CREATED)


class CommitmentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.CommitmentInput, responses={201: s.ApplicationOutput},
                   summary="Sign the written commitment (告知承诺) instead of a proof")
    def post(self, request: Request, pk: int) -> Response:
        application = visible_application(request, pk)
        body = _validated(s.CommitmentInput, request.data)
        workflow.commitment_sign(application=application, material_code=body["material"], actor=request.user)
        return Response(s.application_payload(selectors.application_detail(pk=pk), request=request),
                        status=status.HTTP_201_CREATED)


class QueuePagination(BasePagination):
    """The queue's keyset envelope, for the schema: the view pages with licensing.queues (cursor in
    the `next` and `previous` links, as DRF's CursorPagination; no count of the whole queue)."""

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri",
                "example": "https://tongban.example/api/v1/queue/?cursor=MjAyNi0wMS0wNXwxMjN8"}
        return {"type": "object", "required": ["count", "next", "previous", "results"],
                "properties": {
                    "count": {"type": "integer", "nullable": True,
                              "description": "the number of cases when the whole queue is on this first page; "
                                             "null when there is more (follow `next`)"},
                    "next": link, "previous": link, "results": schema}}

    def get_schema_operation_parameters(self, view):
        return [{"name": "cursor", "required": False, "in": "query", "schema": {"type": "string"},
                 "description": "the cursor of a `next` or `previous` link"}]


class QueueView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = QueuePagination  # the schema shows the keyset envelope

    @extend_schema(
        parameters=[OpenApiParameter("stage", str, enum=list(selectors.STAGES)),
                    OpenApiParameter("service", str), OpenApiParameter("warning", str, enum=["green", "yellow", "red"]),
                    OpenApiParameter("mine", bool)],
        responses=s.ApplicationSummaryOutput(many=True),
        summary="The officer's queue, nearest due first (keyset pages: follow `next`)",
    )
    def get(self, request: Request) -> Response:
        if officer_of(request.user) is None:
            return Response({"detail": _("只有工作人员有办件队列。"), "code": "not_an_officer"},
                            status=status.HTTP_403_FORBIDDEN)
        params = request.query_params
        errors = {}
        if params.get("stage") and params["stage"] not in selectors.STAGES:
            errors["stage"] = [_("可选值：%s") % ", ".join(selectors.STAGES)]
        if params.get("warning") and params["warning"] not in ("green", "yellow", "red"):
            errors["warning"] = [_("可选值：green, yellow, red")]
        if "page" in params:
            errors["page"] = [_("队列按游标分页：请使用 next、previous 链接中的 cursor。")]
        cursor = params.get("cursor", "")
        if cursor:
            try:
                queues.QueuePosition.decode(cursor)
            except ValueError:
                errors["cursor"] = [_("无效的游标。")]
        if errors:
            raise ValidationError(errors)
        today = timezone.localdate()
        queue = selectors.queue_for_officer(user=request.user, on=today, stage=params.get("stage", ""),
                                            service=params.get("service", ""), warning=params.get("warning", ""),
                                            mine=params.get("mine") in ("1", "true"))
        page = queues.queue_page(queue, cursor=cursor)
        url = request.build_absolute_uri()
        return Response({
            "count": len(page.rows) if not cursor and not page.next else None,  # known without counting
            "next": replace_query_param(url, "cursor", page.next) if page.next else None,
            "previous": replace_query_param(url, "cursor", page.previous) if page.previous else None,
            "results": queues.queue_rows(page.rows, on=today),
        })


class StatusView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "status"

    @extend_schema(parameters=[OpenApiParameter("case_number", str, required=True),
                               OpenApiParameter("password", str, required=True)],
                   responses={200: s.StatusOutput},
                   summary="Public status query by case number and query password")
    def get(self, request: Request) -> Response:
        case_number = request.query_params.get("case_number", "").strip()
        password = request.query_params.get("password", "").strip()
        errors = {}
        if not case_number:
            errors["case_number"] = [_("此项为必填项。")]
        if not password:
            errors["password"] = [_("此项为必填项。")]
        if errors:
            raise ValidationError(errors)
        application = (Application.objects.select_related("service_type").prefetch_related("tracks__service_type")
                       .filter(case_number=case_number, parent__isnull=True).first())
        if application is None or not workflow.status_password_check(application, password):
            return Response({"detail": _("办件编号或查询密码不正确。"), "code": "not_found"},
                            status=status.HTTP_404_NOT_FOUND)
        return Response(s.status_payload(application))
