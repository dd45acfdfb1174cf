"""Metrics API for supervisors: per-service processing times with baselines and reductions, and the
per-case figures (paginated). `?format=csv` or `?format=xlsx` downloads the same table
(`&lang=en` for English headers)."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.utils.translation import gettext as _

from licensing.permissions import officer_of, officer_roles
from services.models import Authority

from . import exports, selectors


class _TableRenderer(BaseRenderer):
    """Lets `?format=csv|xlsx` through content negotiation; the views build the file themselves,
    and anything else (an error) is rendered as JSON text."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


class CSVRenderer(_TableRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_TableRenderer):
    media_type = exports.XLSX_TYPE
    format = "xlsx"


RENDERERS = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]


class FilterInput(serializers.Serializer):
    service = serializers.SlugField(required=False, allow_blank=True, help_text="service code; empty for all")
    start = serializers.DateField(required=False, allow_null=True, help_text="first decision date (YYYY-MM-DD)")
    end = serializers.DateField(required=False, allow_null=True, help_text="last decision date (YYYY-MM-DD)")
    authority = serializers.SlugField(required=False, allow_blank=True, help_text="authority code")
    lang = serializers.ChoiceField(choices=["zh", "en"], required=False, help_text="headers of CSV/XLSX downloads")

    def validate(self, data):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"end": [_("结束日期不能早于开始日期。")]}, code="invalid")
        return data


FILTER_PARAMETERS = [
    OpenApiParameter("service", str, description="service code, e.g. lab-animal-production"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="first decision date"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="last decision date"),
    OpenApiParameter("authority", str, description="authority code (within the supervisor's scope)"),
    OpenApiParameter("format", str, enum=["json", "csv", "xlsx"], description="download as CSV or XLSX"),
    OpenApiParameter("lang", str, enum=["zh", "en"], description="headers of the download"),
]


def _scope_and_filters(request: Request) -> tuple[list[int], dict, bool]:
    officer = officer_of(request.user)
    if officer is None or "supervisor" not in officer_roles(request.user):
        raise PermissionDenied(_("只有监察人员可以查看办理时效统计。"), code="forbidden")
    scope = selectors.supervised_authority_ids(officer=officer)
    params = FilterInput(data={k: v for k, v in request.query_params.items() if k in FilterInput().fields})
    params.is_valid(raise_exception=True)
    data = params.validated_data
    authority = None
    if data.get("authority"):
        authority = Authority.objects.filter(code=data["authority"], pk__in=scope).values_list("pk", flat=True).first()
        if authority is None:
            raise ValidationError({"authority": [_("没有这个机关，或不在您的监察范围内。")]}, code="invalid")
    filters = {"service": data.get("service", ""), "start": data.get("start"), "end": data.get("end"),
               "authority": authority}
    return scope, filters, data.get("lang", "zh") == "en"


STATS = {"count": serializers.IntegerField(), "mean": serializers.FloatField(allow_null=True),
         "median": serializers.FloatField(allow_null=True), "p90": serializers.FloatField(allow_null=True),
         "max": serializers.IntegerField(allow_null=True)}

ServiceFigures = inline_serializer("ServiceProcessingTimes", fields={
    "service": serializers.CharField(), "name_zh": serializers.CharField(), "name_en": serializers.CharField(),
    "joint": serializers.BooleanField(), **STATS,
    "on_time_committed": serializers.FloatField(allow_null=True, help_text="share 0–1"),
    "on_time_statutory": serializers.FloatField(allow_null=True, help_text="share 0–1"),
    "paused_mean": serializers.FloatField(allow_null=True),
    "baseline": inline_serializer("Baseline", fields={
        "legacy_limit": serializers.IntegerField(allow_null=True),
        "measured": inline_serializer("MeasuredCohort", fields={
            "count": serializers.IntegerField(), "mean": serializers.FloatField(),
            "median": serializers.FloatField(), "source": serializers.CharField()}, required=False),
    }),
    "reduction": inline_serializer("Reduction", fields={
        "vs_legacy_limit": inline_serializer("ReductionPair", fields={
            "mean": serializers.FloatField(allow_null=True), "median": serializers.FloatField(allow_null=True)}),
        "vs_measured": inline_serializer("ReductionPairMeasured", fields={
            "mean": serializers.FloatField(allow_null=True), "median": serializers.FloatField(allow_null=True)},
            required=False),
        "ci95": inline_serializer("MedianReductionCI", fields={
            "low": serializers.FloatField(), "high": serializers.FloatField()}, required=False,
            help_text="95 % percentile interval of the exact bootstrap distribution of the median reduction"),
    }),
    "materials": inline_serializer("MaterialsReduction", fields={
        "legacy": serializers.IntegerField(), "current": serializers.IntegerField(),
        "reduction": serializers.FloatField(allow_null=True)}),
    "limits": serializers.DictField(), "durations": serializers.DictField(),
    "not_counted": serializers.DictField(), "backlog": serializers.IntegerField(),
    "overdue": serializers.IntegerField(),
})


class ProcessingTimesView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = RENDERERS

    @extend_schema(parameters=FILTER_PARAMETERS, summary="Processing times per service against the legacy baseline",
                   responses=inline_serializer("ProcessingTimes", fields={
                       "start": serializers.DateField(allow_null=True), "end": serializers.DateField(allow_null=True),
                       "authority": serializers.CharField(allow_null=True),
                       "services": serializers.DictField(child=ServiceFigures)}))
    def get(self, request: Request) -> Response:
        scope, filters, english = _scope_and_filters(request)
        results = selectors.processing_times(**filters, scope=scope)
        fmt = request.accepted_renderer.format
        if fmt in ("csv", "xlsx"):
            return exports.export_response(table="services", fmt=fmt, english=english, results=results)
        return Response({
            "start": filters["start"], "end": filters["end"],
            "authority": request.query_params.get("authority") or None, "services": results,
        })


CaseFigures = inline_serializer("CaseFigures", many=True, fields={
    column.key: {"int": serializers.IntegerField(allow_null=True), "bool": serializers.BooleanField(allow_null=True),
                 "date": serializers.DateField(allow_null=True)}.get(column.kind, serializers.CharField())
    for column in exports.CASE_COLUMNS
})


class CasesView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = RENDERERS

    @extend_schema(parameters=[*FILTER_PARAMETERS, OpenApiParameter("page", int)],
                   summary="Per-case processing-time figures (paginated)", responses=CaseFigures)
    def get(self, request: Request) -> Response:
        scope, filters, english = _scope_and_filters(request)
        cases = selectors.case_table(**filters, scope=scope)
        fmt = request.accepted_renderer.format
        if fmt in ("csv", "xlsx"):
            return exports.export_response(table="cases", fmt=fmt, english=english, cases=cases)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response([exports.case_row(row, english=english) for row in page])
