"""The caller's portal notifications: notices and alerts about cases, reminders about licences."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..notices import localised_body, localised_subject


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated]

    class NotificationOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField(help_text="e.g. renewal_window_open, renewal_3_months, renewal_1_month; "
                                               "null for case notices and alerts", allow_null=True)
        subject = serializers.CharField()
        body = serializers.CharField()
        created_at = serializers.DateTimeField()
        read = serializers.BooleanField()
        case_number = serializers.CharField(allow_null=True)
        certificate_number = serializers.CharField(allow_null=True)

    @extend_schema(responses=NotificationOutputSerializer(many=True), summary="My notifications, newest first")
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.notifications_for(user=request.user), request, view=self)
        rows = [{"id": n.pk, "kind": n.kind or None, "subject": localised_subject(n), "body": localised_body(n),
                 "created_at": n.created_at, "read": n.read_at is not None,
                 "case_number": n.application.case_number if n.application_id else None,
                 "certificate_number": n.certificate_number or None} for n in page]
        return paginator.get_paginated_response(self.NotificationOutputSerializer(rows, many=True).data)
