"""Reads of certificates: the public register and what one user may open."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from licensing.permissions import officer_of

from .constants import CertificateStatus, Kind
from .models import Certificate


def public_register(*, query: str = "") -> QuerySet[Certificate]:
    """Granted lab animal licences, public by Art. 40 (work permits are personal and not listed)."""
    certificates = (Certificate.objects.filter(kind__in=[Kind.SCXK, Kind.SYXK])
                    .exclude(status=CertificateStatus.SUPERSEDED).select_related("authority")
                    .order_by("-issued_at"))
    if query:
        certificates = certificates.filter(Q(number__icontains=query) | Q(holder_name__icontains=query)
                                           | Q(holder_code__iexact=query))
    return certificates


def certificate_for_user(*, user, pk: int) -> Certificate:
    """The certificate for its holder or an officer of the issuing authority; 404 for anyone else,
    so nobody learns that it exists."""
    certificate = (Certificate.objects.select_related("application__applicant", "authority")
                   .filter(pk=pk).first())
    if certificate is None:
        raise Http404
    officer = officer_of(user)
    holder = certificate.application.applicant.user_id == user.pk
    if not holder and (officer is None or officer.authority_id != certificate.authority_id):
        raise Http404
    return certificate
