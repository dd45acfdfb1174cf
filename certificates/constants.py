"""Choices of the certificates app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("在用")
    RETIRED = "retired", _("停用（仅验证）")
    COMPROMISED = "compromised", _("已泄露（作废）")


class KeyPurpose(models.TextChoices):
    DOCUMENT = "document", _("证照签名")
    PUBLISHER = "publisher", _("信任列表签名")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")
    SUPERSEDED = "superseded", _("已换发")
    EXPIRED = "expired", _("已过期")


class Verdict(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    SUSPENDED = "suspended", _("已暂扣")
    REVOKED = "revoked", _("已撤销")
    CANCELLED = "cancelled", _("已注销")
    SUPERSEDED = "superseded", _("已换发新证")
    NOT_YET_VALID = "not_yet_valid", _("尚未生效")
    UNKNOWN = "unknown", _("查无此证")
    FORGED = "forged", _("伪造或被篡改")


# GB/T 36903 status codes (电子证照状态) for data exchange.
STATUS_CODES = {
    CertificateStatus.VALID: "01",
    CertificateStatus.SUSPENDED: "02",
    CertificateStatus.REVOKED: "03",
    CertificateStatus.CANCELLED: "04",
    CertificateStatus.SUPERSEDED: "05",
    CertificateStatus.EXPIRED: "05",
}

# What a verifier reads for each verdict, in plain words.
VERDICT_TEXT = {
    Verdict.VALID: (_("证照真实有效。"), "The certificate is genuine and valid."),
    Verdict.EXPIRED: (_("证照真实，但已超过有效期。"), "The certificate is genuine but has expired."),
    Verdict.SUSPENDED: (_("证照真实，但已被发证机关暂扣，暂扣期间不能使用。"),
                        "The certificate is genuine but suspended by the issuing authority."),
    Verdict.REVOKED: (_("证照真实，但已被发证机关依法撤销，不再有效。"),
                      "The certificate is genuine but has been revoked by the issuing authority."),
    Verdict.CANCELLED: (_("证照真实，但已注销，不再有效。"), "The certificate is genuine but has been cancelled."),
    Verdict.SUPERSEDED: (_("证照真实，但已换发新版本，请以新证为准。"),
                         "The certificate is genuine but has been replaced by a newer version."),
    Verdict.NOT_YET_VALID: (_("证照真实，但尚未到有效期起始日，目前还不能使用。"),
                            "The certificate is genuine but not valid yet: its validity has not begun."),
    Verdict.UNKNOWN: (_("签名无误，但本系统中查无此证，请向发证机关核实。"),
                      "The signature is correct but the certificate is not on record; ask the issuing authority."),
    Verdict.FORGED: (_("无法验证：二维码不是本系统签发的，或已被篡改。请勿采信。"),
                     "Not verifiable: the code was not issued by Tongban or has been altered. Do not rely on it."),
}


class Kind(models.TextChoices):
    SCXK = "SCXK", _("实验动物生产许可证")
    SYXK = "SYXK", _("实验动物使用许可证")
    WORK_PERMIT = "work_permit", _("外国人工作许可证")
    RESIDENCE_PERMIT = "residence_permit", _("外国人工作类居留许可")


KIND_TITLES = {
    Kind.SCXK: ("实验动物生产许可证", "Laboratory Animal Production Licence"),
    Kind.SYXK: ("实验动物使用许可证", "Laboratory Animal Use Licence"),
    Kind.WORK_PERMIT: ("外国人工作许可证", "Foreigner's Work Permit"),
    Kind.RESIDENCE_PERMIT: ("外国人工作类居留许可", "Work-type Residence Permit"),
}
# Short kind codes inside the QR token ("t").
TOKEN_KINDS = {Kind.SCXK: "SCXK", Kind.SYXK: "SYXK", Kind.WORK_PERMIT: "WP", Kind.RESIDENCE_PERMIT: "RP"}
