"""Supervision API: the inspection list, plans and their draw, the public draw record, inspection
tasks and their records. Errors come from the workflow's exception handler."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.permissions import officer_of

from .. import review, selectors, services
from ..exports import review_pdf, review_xlsx
from ..models import CaseReview, Inspection, InspectionPlan
from . import serializers as s


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _forbidden() -> Response:
    return Response({"detail": _("只有监察人员可以组织抽查和评查。"), "code": "forbidden"},
                    status=status.HTTP_403_FORBIDDEN)


def _supervised_plan(request: Request, pk: int) -> InspectionPlan:
    plan = InspectionPlan.objects.select_related("item", "authority").filter(pk=pk).first()
    if plan is None or plan.authority_id != officer_of(request.user).authority_id:
        raise Http404
    return plan


class InspectionItemsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.ItemOutput(many=True),
                   summary="The published inspection list (检查事项清单) with check points")
    def get(self, request: Request) -> Response:
        return Response([selectors.item_payload(item) for item in selectors.published_items()])


class PlanListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.PlanSummaryOutput(many=True), operation_id="inspection_plans_list",
                   summary="The supervisor's inspection plans")
    def get(self, request: Request) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        return Response([{"id": p.pk, "year": p.year, "title": p.title, "item": p.item.code,
                          "seed_commitment": p.seed_commitment, "drawn_at": p.drawn_at}
                         for p in selectors.plans_for(user=request.user)])

    @extend_schema(request=s.PlanInput, responses={201: s.PlanCreatedOutput},
                   summary="Create a plan: the seed stays secret, its SHA-256 commitment is published")
    def post(self, request: Request) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        body = _validated(s.PlanInput, request.data)
        plan = services.plan_create(actor=request.user, **body)
        return Response({"id": plan.pk, "seed_commitment": plan.seed_commitment}, status=status.HTTP_201_CREATED)


class PlanDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.PublicDrawOutput,
                   summary="A plan with its draw, inspections and their publication deadlines")
    def get(self, request: Request, pk: int) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        plan = _supervised_plan(request, pk)
        today = timezone.localdate()
        inspections = selectors.inspections_with_people().filter(plan=plan).prefetch_related("attachments")
        return Response({**selectors.public_draw(plan),
                         "inspections": [s.inspection_payload(i, today=today, context=False) for i in inspections]})


class PlanDrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=s.PublicDrawOutput,
                   summary="Draw targets and groups (tongban-draw-v1); 409 once drawn")
    def post(self, request: Request, pk: int) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        plan = services.plan_draw(plan=_supervised_plan(request, pk), actor=request.user)
        return Response(selectors.public_draw(plan))


class PublicDrawView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=s.PublicDrawOutput,
                   summary="The public record of a draw: commitment, seed, frozen inputs, result, published results")
    def get(self, request: Request, pk: int) -> Response:
        plan = InspectionPlan.objects.select_related("item", "authority").filter(pk=pk).first()
        if plan is None:
            raise Http404
        return Response(selectors.public_draw(plan))


def _visible_inspection(request: Request, pk: int) -> Inspection:
    """Officers get 403 on someone else's inspection; applicants and strangers a 404."""
    if officer_of(request.user) is None:
        raise Http404
    inspection = selectors.inspections_with_people().prefetch_related("attachments").filter(pk=pk).first()
    if inspection is None:
        raise Http404
    return inspection


class InspectionListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("mine", bool)], responses=s.InspectionOutput(many=True),
                   summary="Inspection tasks: the caller's (mine=1), or a supervisor's authority's")
    def get(self, request: Request) -> Response:
        if officer_of(request.user) is None:
            return Response({"detail": _("只有工作人员有检查任务。"), "code": "not_an_officer"},
                            status=status.HTTP_403_FORBIDDEN)
        mine = request.query_params.get("mine") in ("1", "true")
        today = timezone.localdate()
        rows = selectors.inspections_for(user=request.user, mine=mine).prefetch_related("attachments")
        return Response([s.inspection_payload(i, today=today) for i in rows])


class InspectionDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.InspectionOutput, summary="One inspection task (its members and supervisors)")
    def get(self, request: Request, pk: int) -> Response:
        inspection = _visible_inspection(request, pk)
        if not (selectors.is_member(inspection, request.user) or selectors.is_supervisor(request.user)):
            return Response({"detail": _("只有本检查组的检查人员可以办理该检查。"), "code": "forbidden"},
                            status=status.HTTP_403_FORBIDDEN)
        return Response(s.inspection_payload(inspection, today=timezone.localdate()))


class InspectionRecordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.RecordInput, responses={201: s.InspectionOutput},
                   summary="Record the inspection (a member); the leader's record is published at once")
    def post(self, request: Request, pk: int) -> Response:
        inspection = _visible_inspection(request, pk)
        body = _validated(s.RecordInput, request.data)
        inspection = services.inspection_record(inspection=inspection, actor=request.user, **body)
        inspection = selectors.inspections_with_people().prefetch_related("attachments").get(pk=inspection.pk)
        return Response(s.inspection_payload(inspection, today=timezone.localdate()), status=status.HTTP_201_CREATED)


class InspectionApproveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=s.InspectionOutput,
                   summary="The leader approves a member's record, which publishes it")
    def post(self, request: Request, pk: int) -> Response:
        inspection = services.inspection_approve(inspection=_visible_inspection(request, pk), actor=request.user)
        inspection = selectors.inspections_with_people().prefetch_related("attachments").get(pk=inspection.pk)
        return Response(s.inspection_payload(inspection, today=timezone.localdate()))


class InspectionSanctionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.SanctionInput, responses={200: OpenApiTypes.OBJECT},
                   summary="From a non-compliant result: suspend the holder's licence or propose its revocation")
    def post(self, request: Request, pk: int) -> Response:
        inspection = _visible_inspection(request, pk)
        body = _validated(s.SanctionInput, request.data)
        numbers = services.inspection_start_sanction(inspection=inspection, actor=request.user, **body)
        return Response({"inspection": inspection.pk, "action": body["action"], "licences": numbers})


class InspectionAttachmentView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": s.AttachmentInput}, responses={201: s.InspectionOutput},
                   summary="Attach a photo or document (PDF, JPEG, PNG; the type is read from the bytes)")
    def post(self, request: Request, pk: int) -> Response:
        inspection = _visible_inspection(request, pk)
        body = _validated(s.AttachmentInput, request.data)
        services.inspection_attach(inspection=inspection, actor=request.user, uploaded=body["file"])
        inspection = selectors.inspections_with_people().prefetch_related("attachments").get(pk=inspection.pk)
        return Response(s.inspection_payload(inspection, today=timezone.localdate()), status=status.HTTP_201_CREATED)


# --- 案卷评查 ----------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _supervised_review(request: Request, pk: int) -> CaseReview:
    found = CaseReview.objects.filter(pk=pk).first()
    if found is None or found.authority_id != officer_of(request.user).authority_id:
        raise Http404
    return found


class CaseReviewListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.PublicReviewOutput(many=True), operation_id="case_reviews_list",
                   summary="The supervisor's case-file reviews")
    def get(self, request: Request) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        reviews = CaseReview.objects.filter(authority_id=officer_of(request.user).authority_id)
        return Response([review.public_review(r) for r in reviews])

    @extend_schema(request=s.ReviewInput, responses={201: s.PlanCreatedOutput},
                   summary="Create a case-file review of the cases decided in a period (seed committed)")
    def post(self, request: Request) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        body = _validated(s.ReviewInput, request.data)
        created = review.review_create(actor=request.user, **body)
        return Response({"id": created.pk, "seed_commitment": created.seed_commitment},
                        status=status.HTTP_201_CREATED)


class CaseReviewDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ReviewDetailOutput,
                   summary="The sample with each file's automatic checks, evidence, score and grade")
    def get(self, request: Request, pk: int) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        return Response(review.review_detail(_supervised_review(request, pk)))


class CaseReviewDrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=s.PublicReviewOutput,
                   summary="Draw the sample (tongban-draw-v1, kind \"case\"); 409 once drawn")
    def post(self, request: Request, pk: int) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        drawn = review.review_draw(review=_supervised_review(request, pk), actor=request.user)
        return Response(review.public_review(drawn))


class CaseReviewScoreView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.ScoreInput, responses=s.ReviewedFileOutput,
                   summary="Score one sampled file's manual items")
    def post(self, request: Request, pk: int, case_number: str) -> Response:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        found = _supervised_review(request, pk)
        body = _validated(s.ScoreInput, request.data)
        scored = review.review_score(review=found, actor=request.user, case_number=case_number, **body)
        return Response(review.file_payload(scored))


class CaseReviewReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=["zh", "en"])], responses={200: bytes},
                   summary="The review's report (XLSX)")
    def get(self, request: Request, pk: int) -> HttpResponse:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        found = _supervised_review(request, pk)
        language = "en" if request.query_params.get("lang") == "en" else "zh-hans"
        content = review_xlsx(review.review_detail(found), language=language)
        response = HttpResponse(content, content_type=XLSX)
        name = f"case-review-{found.pk}-{language[:2]}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class CaseReviewPdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=["zh", "en"])], responses={200: bytes},
                   summary="The review's report (PDF)")
    def get(self, request: Request, pk: int) -> HttpResponse:
        if not selectors.is_supervisor(request.user):
            return _forbidden()
        found = _supervised_review(request, pk)
        language = "en" if request.query_params.get("lang") == "en" else "zh-hans"
        response = HttpResponse(review_pdf(review.review_detail(found), language=language),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="case-review-{found.pk}-{language[:2]}.pdf"'
        return response


class PublicCaseReviewView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=s.PublicReviewOutput,
                   summary="The public record of a case-file review's sample (case numbers only)")
    def get(self, request: Request, pk: int) -> Response:
        found = CaseReview.objects.filter(pk=pk).first()
        if found is None:
            raise Http404
        return Response(review.public_review(found))
