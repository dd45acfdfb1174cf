"""The applicant's own valid licences, from which a change, renewal or cancellation chooses its
`original_licence_number`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from services.selectors import service_type_current

from ..licences import licences_for, licences_held


class HeldLicencesView(APIView):
    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        service = serializers.SlugField(required=False)

    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        kind = serializers.CharField()
        kind_label = serializers.CharField()
        valid_from = serializers.DateField()
        valid_to = serializers.DateField()

    @extend_schema(
        parameters=[OpenApiParameter("service", str, description="only the licences this service type may name")],
        responses=OutputSerializer(many=True),
        summary="The applicant's valid licences (to choose original_licence_number)",
    )
    def get(self, request: Request) -> Response:
        applicant = getattr(request.user, "applicant", None) if hasattr(request.user, "applicant") else None
        if applicant is None:
            return Response({"detail": _("只有申请人账号可以查看本单位持有的许可证。"), "code": "not_an_applicant"},
                            status=status.HTTP_403_FORBIDDEN)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        on = timezone.localdate()
        code = filters.validated_data.get("service")
        if code:
            try:
                service_type = service_type_current(code=code)
            except Http404 as exc:
                raise ValidationError({"service": [_("没有这个事项。")]}, code="unknown_service") from exc
            licences = licences_for(applicant=applicant, service_type=service_type, on=on)
        else:
            licences = licences_held(applicant=applicant, on=on)
        rows = [{"number": licence.number, "kind": licence.kind, "kind_label": licence.kind_label,
                 "valid_from": licence.valid_from, "valid_to": licence.valid_to} for licence in licences]
        return Response(self.OutputSerializer(rows, many=True).data)
