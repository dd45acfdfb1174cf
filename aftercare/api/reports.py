"""Annual reports API: the form's JSON Schema, filing and correcting (holders), reviewing (reviewers of
the licence's authority), the missing list and the filing and pass rates (reviewers and supervisors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.permissions import officer_of, officer_roles

from .. import reports
from ..constants import ReportState
from ..models import AnnualReport


# The OpenAPI 3.0 form of the schema: the same constraints without the JSON Schema dialect marker.
@extend_schema_field({k: v for k, v in reports.REPORT_SCHEMA.items() if k != "$schema"})
class ReportDataField(serializers.JSONField):
    """The report's content, validated against REPORT_SCHEMA (GET /api/v1/annual-reports/form/)."""


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    certificate = serializers.CharField(source="number")
    year = serializers.IntegerField()
    period_start = serializers.SerializerMethodField()
    period_end = serializers.SerializerMethodField()
    data = ReportDataField()
    state = serializers.ChoiceField(choices=ReportState.choices)
    filed_at = serializers.DateTimeField()
    corrected_at = serializers.DateTimeField(allow_null=True)
    opinion = serializers.CharField()
    rectify_by = serializers.DateField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_period_start(self, report) -> str:
        return reports.report_period(report.year)[0].isoformat()

    def get_period_end(self, report) -> str:
        return reports.report_period(report.year)[1].isoformat()


def _applicant(request):
    return getattr(request.user, "applicant", None) if hasattr(request.user, "applicant") else None


def _error(exc: reports.ReportError) -> Response:
    return Response({"detail": exc.message, "code": exc.code, **exc.errors}, status=exc.status)


def visible_reports(user):
    applicant = getattr(user, "applicant", None) if hasattr(user, "applicant") else None
    if applicant is not None:
        return AnnualReport.objects.filter(certificate__holder_code=applicant.credit_code)
    officer = officer_of(user)
    if officer is not None:
        return AnnualReport.objects.filter(authority_id=officer.authority_id)
    return AnnualReport.objects.none()


class ReportFormView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: {"type": "object"}}, summary="JSON Schema of an annual report's `data`")
    def get(self, request: Request) -> Response:
        return Response(reports.REPORT_SCHEMA)


class ReportListView(APIView):
    permission_classes = [IsAuthenticated]

    class AnnualReportFileSerializer(serializers.Serializer):
        certificate = serializers.CharField(max_length=40, help_text="the licence number")
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        data = ReportDataField()

    class AnnualReportFilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
        certificate = serializers.CharField(max_length=40, required=False)

    @extend_schema(parameters=[OpenApiParameter("year", int), OpenApiParameter("certificate", str)],
                   responses=ReportOutput(many=True), summary="Annual reports: the holder's own, or the authority's")
    def get(self, request: Request) -> Response:
        filters = self.AnnualReportFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = visible_reports(request.user).order_by("-year", "number")
        if "year" in filters.validated_data:
            rows = rows.filter(year=filters.validated_data["year"])
        if filters.validated_data.get("certificate"):
            rows = rows.filter(number=filters.validated_data["certificate"])
        return Response(ReportOutput(rows[:500], many=True).data)

    @extend_schema(request=AnnualReportFileSerializer, responses={201: ReportOutput},
                   summary="File the annual report of a licence (holder, inside the window)")
    def post(self, request: Request) -> Response:
        applicant = _applicant(request)
        if applicant is None:
            return Response({"detail": _("只有持证单位可以报送年度报告。"), "code": "not_an_applicant"},
                            status=status.HTTP_403_FORBIDDEN)
        body = self.AnnualReportFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = reports.annual_report_file(applicant=applicant, actor=request.user,
                                                number=body.validated_data["certificate"],
                                                year=body.validated_data["year"], data=body.validated_data["data"])
        except reports.ReportError as exc:
            return _error(exc)
        return Response(ReportOutput(report).data, status=status.HTTP_201_CREATED)


class ReportDetailView(APIView):
    permission_classes = [IsAuthenticated]

    class AnnualReportCorrectionSerializer(serializers.Serializer):
        data = ReportDataField()

    def _report(self, request, pk):
        report = visible_reports(request.user).select_related("certificate").filter(pk=pk).first()
        if report is None:
            raise Http404
        return report

    @extend_schema(responses=ReportOutput, summary="One annual report")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportOutput(self._report(request, pk)).data)

    @extend_schema(request=AnnualReportCorrectionSerializer, responses=ReportOutput,
                   summary="Correct an annual report (holder, until the window closes)")
    def put(self, request: Request, pk: int) -> Response:
        report = self._report(request, pk)
        applicant = _applicant(request)
        if applicant is None:
            raise Http404
        body = self.AnnualReportCorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = reports.annual_report_correct(report=report, applicant=applicant,
                                                   data=body.validated_data["data"])
        except reports.ReportError as exc:
            return _error(exc)
        return Response(ReportOutput(report).data)


class ReportReviewView(APIView):
    permission_classes = [IsAuthenticated]

    class AnnualReportReviewSerializer(serializers.Serializer):
        result = serializers.ChoiceField(choices=[ReportState.PASSED, ReportState.RECTIFY, ReportState.FAILED])
        opinion = serializers.CharField(max_length=4000)
        rectify_by = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=AnnualReportReviewSerializer, responses=ReportOutput,
                   summary="Review an annual report: pass, rectify (with a deadline) or fail")
    def post(self, request: Request, pk: int) -> Response:
        report = AnnualReport.objects.filter(pk=pk).first()
        officer = officer_of(request.user)
        if report is None or officer is None or officer.authority_id != report.authority_id:
            raise Http404
        body = self.AnnualReportReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = reports.annual_report_review(report=report, actor=request.user, **body.validated_data)
        except reports.ReportError as exc:
            return _error(exc)
        return Response(ReportOutput(report).data)


class YearFilter(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


def _reviewer_or_supervisor(request):
    officer = officer_of(request.user)
    if officer is None or not officer_roles(request.user) & {"reviewer", "supervisor"}:
        return None
    return officer


class MissingReportsView(APIView):
    permission_classes = [IsAuthenticated]

    class MissingAnnualReportSerializer(serializers.Serializer):
        certificate_number = serializers.CharField(source="number")
        holder = serializers.CharField(source="holder_name")
        credit_code = serializers.CharField(source="holder_code")

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True)],
                   responses=MissingAnnualReportSerializer(many=True),
                   summary="Licences of the authority without an annual report of `year` (reviewers, supervisors)")
    def get(self, request: Request) -> Response:
        officer = _reviewer_or_supervisor(request)
        if officer is None:
            return Response({"detail": _("只有审核人员和监察人员可以查看。"), "code": "forbidden"}, status=403)
        filters = YearFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        year = filters.validated_data["year"]
        rows = reports.reports_missing(year=year, authority_id=officer.authority_id)
        return Response(self.MissingAnnualReportSerializer(rows, many=True).data)


class ReportRatesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True)], responses={200: {"type": "object"}},
                   summary="Annual report filing and pass rates of the authority (reviewers, supervisors)")
    def get(self, request: Request) -> Response:
        officer = _reviewer_or_supervisor(request)
        if officer is None:
            return Response({"detail": _("只有审核人员和监察人员可以查看。"), "code": "forbidden"}, status=403)
        filters = YearFilter(data=request.query_params or {"year": timezone.localdate().year})
        filters.is_valid(raise_exception=True)
        return Response(reports.report_rates(year=filters.validated_data["year"], authority_id=officer.authority_id))
