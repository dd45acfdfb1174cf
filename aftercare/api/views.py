"""After-licence API: the officers' cancellation tasks and the public cancellation announcements."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404
from django.utils.translation import gettext as _

from certificates.services import CertificateActionError
from services.parsers import SafeJSONParser

from .. import selectors, services, verification
from ..constants import CancellationState, VerificationState

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


class CancellationTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    certificate_number = serializers.CharField(source="certificate.number")
    holder = serializers.CharField(source="certificate.holder_name")
    valid_to = serializers.DateField(source="certificate.valid_to")
    opened_on = serializers.DateField()
    state = serializers.ChoiceField(choices=CancellationState.choices)
    published_on = serializers.DateField(allow_null=True)
    announcement = serializers.CharField()


class CancellationTaskListView(APIView):
    permission_classes = [IsAuthenticated]

    class CancellationTaskFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=CancellationState.choices, required=False)

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=CancellationState.values)],
                   responses=CancellationTaskOutput(many=True),
                   summary="Cancellation (注销) tasks of the officer's authority: licences that expired unrenewed")
    def get(self, request: Request) -> Response:
        filters = self.CancellationTaskFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tasks = selectors.cancellation_tasks_for(user=request.user, state=filters.validated_data.get("state"))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(CancellationTaskOutput(page, many=True).data)


class CancellationConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: CancellationTaskOutput},
                   summary="Cancel the expired licence and publish the cancellation notice (approver)")
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.cancellation_tasks_for(user=request.user).filter(pk=pk).first()
        if task is None:
            raise Http404
        try:
            task = services.cancellation_confirm(task=task, actor=request.user)
        except CertificateActionError as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
        return Response(CancellationTaskOutput(task).data)


class AnnouncementOutput(serializers.Serializer):
    certificate_number = serializers.CharField(source="certificate.number")
    holder = serializers.CharField(source="certificate.holder_name")
    authority = serializers.CharField(source="authority.name_zh")
    published_on = serializers.DateField()
    announcement = serializers.CharField()
    announcement_en = serializers.CharField()


class AnnouncementListView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=AnnouncementOutput(many=True),
                   summary="Public notices of licences cancelled after expiry (Art. 70)")
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.cancellation_announcements(), request, view=self)
        return paginator.get_paginated_response(AnnouncementOutput(page, many=True).data)


class VerificationTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    certificate_number = serializers.CharField(allow_null=True)
    materials = serializers.ListField(child=serializers.CharField())
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=VerificationState.choices)


def verification_row(task) -> dict:
    certificate = getattr(task.application, "certificate", None) if hasattr(task.application, "certificate") \
        else None
    return {"id": task.pk, "case_number": task.application.case_number,
            "certificate_number": certificate.number if certificate else None, "materials": task.materials,
            "due_on": task.due_on, "state": task.state}


class VerificationTaskListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = None

    class VerificationTaskFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=VerificationState.choices, required=False)

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=VerificationState.values)],
                   responses=VerificationTaskOutput(many=True),
                   summary="Verification tasks (核查任务) of written commitments, for the officers of the authority")
    def get(self, request: Request) -> Response:
        filters = self.VerificationTaskFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tasks = selectors.verification_tasks_for(user=request.user, state=filters.validated_data.get("state"))
        return Response(VerificationTaskOutput([verification_row(t) for t in tasks], many=True).data)


class VerificationRecordView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    class VerificationRecordInputSerializer(serializers.Serializer):
        result = serializers.ChoiceField(choices=[VerificationState.CONFIRMED, VerificationState.FALSE])
        findings = serializers.CharField(max_length=4000)
        evidence = serializers.FileField(required=False, max_length=200)

    @extend_schema(request={"application/json": VerificationRecordInputSerializer,
                            "multipart/form-data": VerificationRecordInputSerializer},
                   responses={200: VerificationTaskOutput},
                   summary="Record a verification result (reviewer); false proposes revocation and records credit")
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.verification_tasks_for(user=request.user).filter(pk=pk).first()
        if task is None:
            raise Http404
        body = self.VerificationRecordInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evidence = body.validated_data.get("evidence")
        if evidence is not None and evidence.size > MAX_EVIDENCE_BYTES:
            raise ValidationError({"evidence": [_("文件不能超过20MB。")]})
        try:
            task = verification.verification_record(task=task, actor=request.user, **body.validated_data)
        except verification.VerificationError as exc:
            return Response({"detail": exc.message, "code": exc.code, **exc.errors}, status=exc.status)
        return Response(VerificationTaskOutput(verification_row(task)).data)
