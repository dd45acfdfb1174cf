"""Certificates API: verification (token or uploaded PDF), PDF download, issuing retry, status
changes, the public register."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from licensing.permissions import officer_of
from services.downloads import attachment_disposition
from services.parsers import SafeJSONParser, UnsafeJSON, loads_strict

from .. import services
from ..hooks import register_row_extras
from ..models import Certificate
from ..pdfcheck import verify_pdf
from ..ratelimit import FixedWindowThrottle, admit, allow, parse_rate
from ..selectors import certificate_for_user, public_register
from ..verification import public_fields, result_json, result_payload, verify_text

MAX_TOKEN_TEXT = 4000

PUBLIC_CERTIFICATE_FIELDS = {
    "number": serializers.CharField(), "identifier": serializers.CharField(), "kind": serializers.CharField(),
    "holder": serializers.CharField(), "holder_code": serializers.CharField(),
    "facility_address": serializers.CharField(), "scope": serializers.CharField(),
    "valid_from": serializers.DateField(), "valid_to": serializers.DateField(), "authority": serializers.CharField(),
    "status": serializers.CharField(),
}
PublicCertificate = inline_serializer("PublicCertificate", PUBLIC_CERTIFICATE_FIELDS)
MAX_PDF_BYTES = 10 * 1024 * 1024


class VerifyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [FixedWindowThrottle]
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": inline_serializer("VerifyRequest", {"token": serializers.CharField()}),
                 "multipart/form-data": inline_serializer("VerifyPdfRequest", {"file": serializers.FileField()})},
        responses=inline_serializer("VerifyResponse", {
            "verdict": serializers.ChoiceField(choices=["valid", "expired", "suspended", "revoked", "cancelled",
                                                        "superseded", "not_yet_valid", "unknown", "forged"]),
            "certificate": serializers.DictField(allow_null=True),
            "signature": serializers.DictField(),
            "checked_at": serializers.DateTimeField(),
        }),
        summary="Verify a certificate from its QR link or digits, or an uploaded certificate PDF",
    )
    def post(self, request: Request) -> Response:
        if request.content_type.startswith("multipart/"):
            # Examining a PDF costs far more than a token: uploads have their own, stricter rate.
            limit, window = parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["verify_pdf"])
            if not allow(request._request, scope="api-verify-pdf", limit=limit, window=window):
                return Response({"detail": _("上传核验过于频繁，请稍后再试。"), "code": "throttled"}, status=429)
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > MAX_PDF_BYTES:
                raise ValidationError({"file": [_("文件过大（上限 10 MB）。")]})
            return Response(verify_pdf(upload.read()))
        token = request.data.get("token")
        if not isinstance(token, str) or not token.strip():
            raise ValidationError({"token": [_("请提供二维码链接或数字串。")]}, code="required")
        if len(token) > MAX_TOKEN_TEXT:
            raise ValidationError({"token": [_("内容过长，不是有效的核验码。")]}, code="too_long")
        return Response(result_payload(verify_text(token)))


_verify_drf_view = VerifyView.as_view()


@csrf_exempt
def verify_view(request: HttpRequest):
    """POST /api/v1/certificates/verify/. A JSON token check is what every scanning app calls, so it
    takes a direct path (same answers, errors and rate limit as the DRF view, without its content
    negotiation and parser machinery); uploads and anything unusual go through VerifyView."""
    if request.method != "POST" or request.content_type != "application/json":
        return _verify_drf_view(request)
    limit, window = parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["verify"])
    admission = admit(request, scope="api-verify", limit=limit, window=window)
    if not admission.allowed:
        return JsonResponse({"detail": _("请求过于频繁，请稍后再试。"), "code": "throttled"}, status=429)
    try:
        body = loads_strict(request.body or b"{}")
    except UnsafeJSON as exc:
        return JsonResponse({"detail": str(exc), "code": "parse_error"}, status=400)
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token.strip():
        return JsonResponse({"token": [_("请提供二维码链接或数字串。")]}, status=400)
    if len(token) > MAX_TOKEN_TEXT:
        return JsonResponse({"token": [_("内容过长，不是有效的核验码。")]}, status=400)
    result = verify_text(token, status_version=admission.status_version)
    return HttpResponse(result_json(result), content_type="application/json")


# drf-spectacular documents the route from the DRF view behind it.
verify_view.cls = VerifyView
verify_view.initkwargs = {}


class CertificatePdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="The signed certificate PDF")
    def get(self, request: Request, pk: int):
        certificate = certificate_for_user(user=request.user, pk=pk)
        response = FileResponse(certificate.pdf.open("rb"), content_type="application/pdf")
        # Named by the licence number, as the holder knows it (an ASCII fallback for old clients).
        response["Content-Disposition"] = attachment_disposition(f"{certificate.number}.pdf")
        return response


class CertificateActionView(APIView):
    permission_classes = [IsAuthenticated]
    action_name = ""

    @extend_schema(
        request=inline_serializer("CertificateActionRequest", {
            "reason": serializers.CharField(required=False), "legal_basis": serializers.CharField(required=False),
            "opinion": serializers.CharField(required=False)}),
        responses={200: PublicCertificate},
        summary="Change a certificate's status: suspend, restore, propose-revocation, revoke, cancel",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in services.ACTIONS:
            raise Http404
        certificate = Certificate.objects.filter(pk=pk).first()
        if certificate is None or officer_of(request.user) is None:
            raise Http404
        if officer_of(request.user).authority_id != certificate.authority_id:
            raise Http404
        try:
            certificate = services.ACTIONS[action](certificate, request.user, request.data)
        except services.CertificateActionError as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
        return Response(public_fields(certificate) | {"status": certificate.status})


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[OpenApiParameter("q", str, description="number, holder name or credit code")],
                   responses={200: inline_serializer("RegisterEntry", PUBLIC_CERTIFICATE_FIELDS | {
                       "published_on": serializers.DateField(allow_null=True),
                       # the publication date of the decision that ended the licence (revoked, cancelled,
                       # expired); null for a licence in force or one whose decision is not published
                       "status_published_on": serializers.DateField(allow_null=True)}, many=True)},
                   summary="Public register of granted lab animal licences (Art. 40)")
    def get(self, request: Request) -> Response:
        certificates = public_register(query=request.query_params.get("q", "").strip())
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(certificates, request, view=self)
        today = timezone.localdate()
        extras = register_row_extras(page, {"status_published_on": None})
        rows = []
        for certificate in page:
            row = public_fields(certificate)
            row["status"] = "expired" if certificate.status == "valid" and today > certificate.valid_to else \
                certificate.status
            row["published_on"] = certificate.published_on
            row.update(extras[certificate.pk])
            rows.append(row)
        return paginator.get_paginated_response(rows)
