from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        from django.urls import reverse

        from licensing.api.serializers import detail_extensions
        from licensing.caselog import root_readers
        from licensing.documents import register_notice_signer
        from licensing.issuance import register_issuer
        from licensing.licences import register_licence_source

        from .logroots import log_root_read  # also registers the daily publish_log_root task
        from .services import certificate_issue, held_licences, notice_sign

        register_issuer("*", certificate_issue)
        root_readers.register(log_root_read)
        register_licence_source(held_licences)
        register_notice_signer(notice_sign)

        def certificate_field(application, request) -> dict:
            from .links import verify_url
            from .models import Certificate

            certificate = Certificate.objects.filter(application=application).first()
            if certificate is None:
                return {"certificate": None}
            return {"certificate": {
                "id": certificate.pk, "number": certificate.number, "identifier": certificate.identifier,
                "status": certificate.status,
                # A revocation proposed and not yet confirmed by the legal reviewer (or turned down).
                "revocation_proposed": bool(certificate.revocation_proposed_by_id)
                and certificate.status in ("valid", "suspended"),
                "verify_url": verify_url(cose=bytes(certificate.token)),
                "pdf_url": request.build_absolute_uri(reverse("api-certificate-pdf", args=[certificate.pk])),
            }}

        detail_extensions.append(certificate_field)
