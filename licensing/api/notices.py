"""Notices API: a written notice (receipt, acceptance, correction, decisions) as JSON and as its PDF,
for the applicant and the officers who may see the case."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from licensing.constants import NoticeKind
from licensing.documents import notice_pdf
from licensing.models import Notice
from licensing.permissions import can_view
from services.downloads import attachment_disposition


class NoticeLinesOutput(serializers.Serializer):
    zh = serializers.ListField(child=serializers.CharField())
    en = serializers.ListField(child=serializers.CharField())


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    title = serializers.CharField(help_text="Chinese title")
    title_en = serializers.CharField()
    lines = NoticeLinesOutput()
    application = serializers.CharField(help_text="case number of the application the notice belongs to")
    authority = serializers.CharField(help_text="code of the issuing authority")
    authority_name = serializers.CharField()
    authority_name_en = serializers.CharField()
    pdf_url = serializers.URLField()
    page_url = serializers.URLField(help_text="the notice as a web page (browser session)")


def visible_notice(request: Request, pk: int) -> Notice:
    """404 for a notice of a case the caller may not see, so nobody learns that it exists."""
    notice = (Notice.objects.select_related("application__applicant", "application__authority")
              .filter(pk=pk).first())
    if notice is None or not can_view(request.user, notice.application):
        raise Http404
    return notice


def notice_payload(notice: Notice, *, request: Request) -> dict:
    content = notice.content
    application = notice.application
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "number": notice.number,
        "issued_at": notice.issued_at,
        "title": content.get("title_zh", ""),
        "title_en": content.get("title_en", ""),
        "lines": {"zh": content.get("lines_zh", []), "en": content.get("lines_en", [])},
        "application": application.case_number,
        "authority": application.authority.code,
        "authority_name": content.get("authority_zh", application.authority.name_zh),
        "authority_name_en": content.get("authority_en", application.authority.name_en),
        "pdf_url": request.build_absolute_uri(reverse("api-notice-pdf", args=[notice.pk])),
        "page_url": request.build_absolute_uri(reverse("notice-document", args=[notice.pk])),
    }


class NoticeDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NoticeOutput, summary="One written notice of a case, in Chinese and English")
    def get(self, request: Request, pk: int) -> Response:
        return Response(NoticeOutput(notice_payload(visible_notice(request, pk), request=request)).data)


class NoticePdfView(APIView):
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # A client asking for application/pdf must not get 406: the body is a PDF whatever the
        # Accept header says, and errors (401, 404) fall back to the first renderer, JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=["zh", "en"],
                                                description="`en` for the English text (default Chinese)")],
                   responses={(200, "application/pdf"): bytes},
                   summary="The notice as a sealed A4 PDF, signed (PAdES) with the authority's key")
    def get(self, request: Request, pk: int) -> HttpResponse:
        notice = visible_notice(request, pk)
        response = HttpResponse(notice_pdf(notice, english=request.query_params.get("lang") == "en"),
                                content_type="application/pdf")
        response["Content-Disposition"] = attachment_disposition(f"{notice.number}.pdf")
        # A decision addressed to one applicant: never kept by a shared cache.
        patch_cache_control(response, private=True, no_store=True)
        return response
