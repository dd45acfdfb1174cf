"""The supervision directories (一单两库), inspection plans with their draws, inspections and their
publication, case-file reviews, and the hash-chained supervision log."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from services.validators import validate_credit_code

from .constants import Conclusion, InspectionKind, InspectionStatus, ItemStatus


class InspectionItem(models.Model):
    """One matter on the inspection list (检查事项清单) in one version, for some licence kinds."""

    code = models.SlugField(_("事项代码"), max_length=60)
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    name_zh = models.CharField(_("名称（中文）"), max_length=160)
    name_en = models.CharField(_("名称（英文）"), max_length=240)
    licence_kinds = models.JSONField(_("适用证照种类"), default=list, help_text='["SCXK", "SYXK"]')
    legal_basis = models.TextField(_("检查依据"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("检查事项")
        verbose_name_plural = _("检查事项")
        ordering = ["order", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="inspection_item_code_version")]

    def __str__(self) -> str:
        return f"{self.name_zh} v{self.version}"


class CheckPoint(models.Model):
    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="check_points")
    code = models.SlugField(_("检查要点代码"), max_length=60)
    name_zh = models.CharField(_("名称（中文）"), max_length=200)
    name_en = models.CharField(_("名称（英文）"), max_length=300)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("检查要点")
        verbose_name_plural = _("检查要点")
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="check_point_code_per_item")]

    def __str__(self) -> str:
        return self.name_zh


class ManualTarget(models.Model):
    """An entity added to the target directory by hand (the register's licence holders are read
    from the certificates)."""

    authority = models.ForeignKey("services.Authority", verbose_name=_("监管机关"), on_delete=models.PROTECT,
                                  related_name="+")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    name = models.CharField(_("名称"), max_length=160)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("纳入名录"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    application = models.ForeignKey(
        "licensing.Application", verbose_name=_("准予许可的办件"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("许可决定书即为许可文件、未签发电子证照时填写；回避按该办件的日志计算"))

    class Meta:
        verbose_name = _("检查对象（手工添加）")
        verbose_name_plural = _("检查对象（手工添加）")
        ordering = ["credit_code"]
        constraints = [models.UniqueConstraint(fields=["authority", "credit_code"], name="manual_target_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class Inspector(models.Model):
    """One entry of the inspector directory (执法检查人员名录): an officer with an enforcement
    certificate (执法证) and its validity."""

    officer = models.OneToOneField("services.Officer", verbose_name=_("工作人员"), on_delete=models.PROTECT,
                                   related_name="inspector")
    certificate_number = models.CharField(_("执法证号"), max_length=40, unique=True)
    surname = models.CharField(_("姓"), max_length=4, help_text=_("公开页面只显示执法证号和姓"))
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"))
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员")
        ordering = ["certificate_number"]

    def __str__(self) -> str:
        return f"{self.certificate_number} {self.surname}"

    @property
    def authority_id(self) -> int:
        return self.officer.authority_id

    def valid_on(self, day) -> bool:
        return self.active and self.valid_until >= day and (self.valid_from is None or self.valid_from <= day)


class DeclaredInterest(models.Model):
    """An inspector's declared interest in an organisation (利害关系申报), a ground for recusal."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="interests")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    note = models.CharField(_("关系说明"), max_length=200, blank=True)
    declared_on = models.DateField(_("申报日期"), auto_now_add=True)

    class Meta:
        verbose_name = _("利害关系申报")
        verbose_name_plural = _("利害关系申报")
        constraints = [models.UniqueConstraint(fields=["inspector", "credit_code"], name="declared_interest_unique")]

    def __str__(self) -> str:
        return f"{self.inspector} ↔ {self.credit_code}"


class InspectionPlan(models.Model):
    """A year's random inspection plan; its seed is committed at creation, kept sealed (`sealed_seed`)
    and revealed (`seed`) by the draw, whose frozen inputs and result are kept in `draw`."""

    authority = models.ForeignKey("services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT,
                                  related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=200)
    item = models.ForeignKey(InspectionItem, verbose_name=_("检查事项"), on_delete=models.PROTECT, related_name="+")
    targets_count = models.PositiveSmallIntegerField(_("抽取对象数"))
    groups = models.PositiveSmallIntegerField(_("检查组数"))
    group_size = models.PositiveSmallIntegerField(_("每组人数"))
    seed = models.CharField(_("随机种子"), max_length=64, editable=False, blank=True, help_text=_("抽取后公开"))
    sealed_seed = models.TextField(_("加密保存的随机种子"), editable=False, blank=True,
                                   help_text=_("抽取前以密钥加密密钥（TONGBAN_KEK）加密保存"))
    seed_commitment = models.CharField(_("种子承诺值"), max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    drawn_on = models.DateField(_("抽取日期"), null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    draw = models.JSONField(_("抽取输入与结果"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("双随机抽查计划")
        verbose_name_plural = _("双随机抽查计划")
        ordering = ["-year", "-created_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None


class Inspection(models.Model):
    """One inspection task: a drawn target for its group (or a rectification follow-up)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    kind = models.CharField(_("类型"), max_length=10, choices=InspectionKind.choices, default=InspectionKind.DRAWN)
    parent = models.ForeignKey("self", verbose_name=_("原检查"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="follow_ups")
    target_code = models.CharField(_("统一社会信用代码"), max_length=18)
    target_name = models.CharField(_("检查对象"), max_length=160)
    group = models.PositiveSmallIntegerField(_("检查组"), null=True, blank=True)
    members = models.ManyToManyField(Inspector, through="InspectionMember", through_fields=("inspection", "inspector"),
                                     related_name="inspections")
    leader = models.ForeignKey(Inspector, verbose_name=_("组长"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成期限"), null=True, blank=True, help_text=_("整改复查：整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=InspectionStatus.choices,
                              default=InspectionStatus.PENDING, db_index=True)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    findings = models.JSONField(_("检查结果"), default=list, blank=True)
    conclusion = models.CharField(_("结论"), max_length=14, choices=Conclusion.choices, blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)
    publish_due = models.DateField(_("公开期限"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.target_code}"


class InspectionMember(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="memberships")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="memberships")
    position = models.PositiveSmallIntegerField(_("顺序"))
    substitute_for = models.ForeignKey(Inspector, verbose_name=_("替换"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["inspection", "position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "inspector"], name="inspection_member_once")]

    def __str__(self) -> str:
        return f"{self.inspection_id}#{self.position} {self.inspector_id}"


def attachment_upload_path(instance: "InspectionAttachment", filename: str) -> str:
    return f"inspections/{instance.inspection_id}/{uuid.uuid4().hex}.{instance.extension}"


class InspectionAttachment(models.Model):
    """A photo or document of an inspection, checked like an application's materials."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_upload_path)
    extension = models.CharField(max_length=8)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查附件")
        verbose_name_plural = _("检查附件")
        ordering = ["inspection", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class CaseReview(models.Model):
    """案卷评查: a random sample of the cases decided in a period, with the law's checks."""

    authority = models.ForeignKey("services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT,
                                  related_name="+")
    start = models.DateField(_("决定日期自"))
    end = models.DateField(_("决定日期至"))
    sample_size = models.PositiveSmallIntegerField(_("抽取案卷数"))
    seed = models.CharField(_("随机种子"), max_length=64, editable=False, blank=True, help_text=_("抽取后公开"))
    sealed_seed = models.TextField(_("加密保存的随机种子"), editable=False, blank=True,
                                   help_text=_("抽取前以密钥加密密钥（TONGBAN_KEK）加密保存"))
    seed_commitment = models.CharField(_("种子承诺值"), max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    cases_input = models.JSONField(_("参与抽取的办件"), default=list, blank=True, editable=False)
    sample = models.JSONField(_("抽中的办件"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("案卷评查")
        verbose_name_plural = _("案卷评查")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"


class ReviewedFile(models.Model):
    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="files")
    application = models.ForeignKey("licensing.Application", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"))
    scores = models.JSONField(_("人工评分"), default=dict, blank=True)
    comment = models.TextField(_("评查意见"), blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评查案卷")
        verbose_name_plural = _("评查案卷")
        ordering = ["review", "position"]
        constraints = [models.UniqueConstraint(fields=["review", "application"], name="reviewed_file_once")]

    def __str__(self) -> str:
        return f"{self.review_id}#{self.position} {self.application_id}"


class SupervisionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the supervision log is append-only")

    def delete(self):
        raise PermissionError("the supervision log is append-only")


class SupervisionLogEntry(models.Model):
    """Append-only, hash-chained record of each plan's and each review's acts (one chain per subject,
    as the case log has one per application)."""

    subject = models.CharField(_("对象"), max_length=40, help_text="plan:<id> / review:<id>")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=80)
    verb = models.CharField(_("操作"), max_length=24)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = SupervisionLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("监管日志")
        verbose_name_plural = _("监管日志")
        ordering = ["subject", "seq"]
        constraints = [models.UniqueConstraint(fields=["subject", "seq"], name="supervision_log_seq_unique")]

    def __str__(self) -> str:
        return f"{self.subject} #{self.seq} {self.verb}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the supervision log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the supervision log is append-only")
