"""Public verification page, the public register (Art. 40), published keys and status lists, and
the officers' certificate page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing.permissions import officer_roles

from . import services
from .constants import VERDICT_TEXT
from .hooks import register_row_extras
from .keys import public_key, publisher_key_init
from .links import verify_path, verify_url
from .models import Certificate, SigningKey
from .ratelimit import admit, allow
from .selectors import certificate_for_user, public_register
from .verification import etag_for, public_fields, signed_status_list, signed_trust_list, trust_list_document
from .verification import verify_text as run_verify


def _verdict_context(result) -> dict:
    zh, en = VERDICT_TEXT[result.verdict]
    return {"result": result, "verdict_zh": zh, "verdict_en": en,
            "fields": result.record}


def verify_token_page(request: HttpRequest, digits: str) -> HttpResponse:
    """GET /C/<digits>: what a phone camera opens. No login; rate-limited; the path is redacted
    from access logs (config.logging)."""
    admission = admit(request, scope="verify", limit=settings.TONGBAN_VERIFY_PAGE_LIMIT)
    if not admission.allowed:
        return render(request, "certificates/verify.html", {"rate_limited": True}, status=429)
    result = run_verify(digits, status_version=admission.status_version)
    response = render(request, "certificates/verify.html", _verdict_context(result))
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def verify_form(request: HttpRequest) -> HttpResponse:
    """A page to paste a verification link or code by hand."""
    text = request.GET.get("code", "").strip()
    if not text:
        return render(request, "certificates/verify.html", {"form_only": True})
    if not allow(request, scope="verify", limit=settings.TONGBAN_VERIFY_PAGE_LIMIT):
        return render(request, "certificates/verify.html", {"rate_limited": True}, status=429)
    return render(request, "certificates/verify.html", _verdict_context(run_verify(text)))


def register(request: HttpRequest) -> HttpResponse:
    """Granted lab animal licences, public by Art. 40 (work permits are personal and not listed)."""
    query = request.GET.get("q", "").strip()
    page = Paginator(public_register(query=query), 30).get_page(request.GET.get("page"))
    certificates = list(page.object_list)
    extras = register_row_extras(certificates, {"status_published_on": None})
    rows = [(certificate, extras[certificate.pk]) for certificate in certificates]
    return render(request, "certificates/register.html", {"page": page, "rows": rows, "query": query})


def _cached(request: HttpRequest, body: bytes, content_type: str) -> HttpResponse:
    etag = etag_for(body)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def trust_list_json(request: HttpRequest) -> HttpResponse:
    from .core.trustlist import canonical_json

    return _cached(request, canonical_json(trust_list_document()), "application/json")


def trust_list_signed(request: HttpRequest) -> HttpResponse:
    return _cached(request, signed_trust_list(trust_list_document()), "application/cose")


def publisher_key(request: HttpRequest) -> JsonResponse:
    from .core.keys import public_key_jwk

    key = publisher_key_init()
    response = JsonResponse({"kid": key.kid, "alg": "ES256", "jwk": public_key_jwk(public_key(key))})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def status_list(request: HttpRequest, kid: str) -> HttpResponse:
    key = SigningKey.objects.filter(kid=kid.lower()).exclude(status="compromised").first()
    if key is None:
        raise Http404
    return _cached(request, signed_status_list(key), "application/cose")


# --- officers ------------------------------------------------------------------------------------

@login_required
def certificate_page(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = certificate_for_user(user=request.user, pk=pk)
    is_holder = certificate.application.applicant.user_id == request.user.pk
    return render(request, "certificates/certificate.html", {
        "certificate": certificate, "fields": public_fields(certificate), "is_holder": is_holder,
        "roles": officer_roles(request.user), "events": certificate.events.select_related("actor"),
        "own_revocation_proposal": services.revocation_proposed_by(certificate=certificate, user=request.user),
        # The QR's address (TONGBAN_VERIFY_HOST) as text; the button opens it on this server.
        "verify_url": verify_url(cose=bytes(certificate.token)),
        "verify_path": verify_path(cose=bytes(certificate.token)),
    })


@login_required
@require_POST
def certificate_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk)
    if action not in services.ACTIONS:
        raise Http404
    try:
        services.ACTIONS[action](certificate, request.user, request.POST)
    except services.CertificateActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已完成。"))
    return redirect("certificate-page", pk=pk)


# --- the case log's published anchor ------------------------------------------------------------

def log_roots_index(request: HttpRequest) -> HttpResponse:
    """GET /.well-known/tongban/log-roots/: every published root (date, root, size, key id, file URL)."""
    from .core.trustlist import canonical_json
    from .logroots import index_document

    body = canonical_json(index_document())  # file URLs relative to the index
    response = _cached(request, body, "application/json")
    response["Cache-Control"] = "public, max-age=300"
    return response


def log_root_file(request: HttpRequest, day: str) -> HttpResponse:
    """GET /.well-known/tongban/log-roots/YYYY-MM-DD.cose: the signed root of that day."""
    import datetime as dt

    from .models import LogRoot

    try:
        on = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    root = LogRoot.objects.filter(date=on).first()
    if root is None:
        raise Http404
    return _cached(request, bytes(root.cose), "application/cose")
