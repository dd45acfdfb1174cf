"""Electronic certificates, the authorities' signing keys, numbering counters, status changes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import CertificateStatus, KeyPurpose, KeyStatus, Kind


class SigningKey(models.Model):
    """One authority's document-signing key for one period (signs PDFs and QR tokens), with the
    X.509 chain under the authority's root. Private keys are stored encrypted with the KEK."""

    authority = models.ForeignKey(
        "services.Authority", verbose_name=_("机关"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="signing_keys",
    )
    purpose = models.CharField(_("用途"), max_length=10, choices=KeyPurpose.choices, default=KeyPurpose.DOCUMENT)
    kid = models.CharField(_("密钥标识"), max_length=16, unique=True, help_text=_("公钥SHA-256前8字节（十六进制）"))
    status = models.CharField(_("状态"), max_length=12, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    not_before = models.DateTimeField(_("启用时间"))
    not_after = models.DateTimeField(_("验证截止时间"), help_text=_("其所签最后一张证照到期之时"))
    public_key_pem = models.TextField(_("公钥"))
    signing_cert_pem = models.TextField(_("签名证书"), blank=True)
    root_cert_pem = models.TextField(_("根证书"), blank=True)
    encrypted_private_key = models.BinaryField(editable=False)
    encrypted_root_key = models.BinaryField(editable=False, null=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    compromised_at = models.DateTimeField(_("泄露时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        ordering = ["authority", "-not_before"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "purpose"], condition=models.Q(status="active"),
                                    name="one_active_key_per_authority_and_purpose"),
        ]

    def __str__(self) -> str:
        owner = self.authority if self.authority_id else _("信任列表")
        return f"{owner} {self.kid} ({self.get_status_display()})"


class SerialCounter(models.Model):
    """The last serial used per certificate kind and year (gap-free: taken inside the issuing
    transaction under a row lock)."""

    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="serial_counter_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Certificate(models.Model):
    application = models.OneToOneField(
        "licensing.Application", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="certificate"
    )
    authority = models.ForeignKey("services.Authority", verbose_name=_("发证机关"), on_delete=models.PROTECT,
                                  related_name="certificates")
    signing_key = models.ForeignKey(SigningKey, verbose_name=_("签名密钥"), on_delete=models.PROTECT,
                                    related_name="certificates")
    kind = models.CharField(_("证照种类"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("证照编号"), max_length=40, db_index=True)
    identifier = models.CharField(_("电子证照标识"), max_length=120, unique=True)
    cti = models.CharField(_("证照随机标识"), max_length=32, unique=True)
    serial = models.PositiveIntegerField(_("流水号"))
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    predecessor = models.OneToOneField(
        "self", verbose_name=_("前一版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    status_index = models.PositiveIntegerField(_("状态列表位置"))
    holder_name = models.CharField(_("持证主体"), max_length=160)
    holder_code = models.CharField(_("主体代码"), max_length=40)
    holder_code_type = models.CharField(_("主体代码类型"), max_length=3, help_text=_("001 统一社会信用代码；414 护照"))
    facility_address = models.CharField(_("设施地址"), max_length=200, blank=True)
    scope = models.TextField(_("适用范围"), blank=True)
    details = models.JSONField(_("其他内容"), default=dict, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期至"))
    issued_at = models.DateTimeField(_("颁发时间"))
    published_on = models.DateField(_("公示日期"), null=True, blank=True,
                                    help_text=_("在许可公示（公开查询）中公布之日，决定后7个工作日内"))
    status = models.CharField(_("状态"), max_length=12, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID, db_index=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    status_reason = models.TextField(_("状态变更理由"), blank=True)
    revocation_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(_("拟撤销理由"), blank=True)
    revocation_legal_basis = models.TextField(_("撤销依据"), blank=True)
    token = models.BinaryField(_("二维码令牌"))
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/")
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["signing_key", "status_index"], name="certificate_status_index_unique"),
            models.UniqueConstraint(fields=["number", "revision"], name="certificate_number_revision_unique"),
        ]
        indexes = [models.Index(fields=["kind", "status", "valid_to"], name="certificate_register_idx")]

    def __str__(self) -> str:
        return self.number


EVENT_LABELS = {
    "issue": _("颁发"), "suspend": _("暂扣"), "restore": _("恢复"), "propose_revocation": _("提请撤销"),
    "revoke": _("撤销"), "cancel": _("注销"), "supersede": _("换发新证"), "expire": _("有效期届满"),
}


class CertificateEvent(models.Model):
    """Every act on a certificate: issue, suspend, restore, propose revocation, revoke, cancel,
    supersede."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    action = models.CharField(_("操作"), max_length=24)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    legal_basis = models.TextField(_("依据"), blank=True)

    class Meta:
        verbose_name = _("证照变更记录")
        verbose_name_plural = _("证照变更记录")
        ordering = ["certificate", "at", "id"]

    def __str__(self) -> str:
        return f"{self.certificate} {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class LogRoot(models.Model):
    """The day's Merkle root over every case log's head (licensing.caselog), signed by the publisher key
    and served at /.well-known/tongban/log-roots/. The leaves are kept to name an altered case."""

    date = models.DateField(_("日期"), unique=True)
    cutoff = models.DateTimeField(_("截取时间"))
    root = models.CharField(_("默克尔根"), max_length=64)
    size = models.PositiveIntegerField(_("办件数"))
    kid = models.CharField(_("密钥标识"), max_length=16)
    cose = models.BinaryField(_("签名文件"))
    leaves = models.JSONField(_("叶子"), default=list, help_text=_("[办件编号, 序号, 摘要]，按办件编号排序"))

    class Meta:
        verbose_name = _("办件日志锚定根")
        verbose_name_plural = _("办件日志锚定根")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.root[:16]}"
