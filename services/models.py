"""The catalog: authorities and their staff, versioned service types with their materials
checklists (legacy vs. current), and the official working-day calendar."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import (
    CertificateKind,
    DaySource,
    MaterialMode,
    Matter,
    Role,
    ValidityRule,
    VersionStatus,
)
from .validators import validate_credit_code


class Authority(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name_zh = models.CharField(_("名称（中文）"), max_length=120)
    name_en = models.CharField(_("名称（英文）"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    address = models.CharField(_("地址"), max_length=200)
    complaint_phone = models.CharField(_("投诉电话"), max_length=40)
    city = models.CharField(_("所在城市"), max_length=40, blank=True, help_text=_("市级机关填写，如“昆明市”"))
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机关"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("实施机关")
        verbose_name_plural = _("实施机关")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class StaffRole(models.Model):
    code = models.CharField(_("代码"), max_length=20, choices=Role.choices, unique=True)

    class Meta:
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(Role(self.code).label)


class Officer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="officer"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("所属机关"), on_delete=models.PROTECT, related_name="officers"
    )
    roles = models.ManyToManyField(StaffRole, verbose_name=_("角色"), related_name="officers")
    title = models.CharField(_("职务"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["authority", "user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.authority})"

    def role_codes(self) -> set[str]:
        return {role.code for role in self.roles.all()}


class ServiceType(models.Model):
    """One administrative matter (事项) in one version. A published version is frozen."""

    code = models.SlugField(_("事项代码"), max_length=60)
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    item_code = models.CharField(_("实施清单编码"), max_length=30, blank=True)
    name_zh = models.CharField(_("名称（中文）"), max_length=120)
    name_en = models.CharField(_("名称（英文）"), max_length=200)
    matter = models.CharField(_("办理类型"), max_length=14, choices=Matter.choices)
    authority = models.ForeignKey(
        Authority, verbose_name=_("实施机关"), on_delete=models.PROTECT, related_name="service_types"
    )
    legal_basis = models.TextField(_("设定依据"))
    legal_basis_en = models.TextField(_("设定依据（英文）"), blank=True)
    conditions = models.TextField(_("许可条件"), blank=True)
    conditions_en = models.TextField(_("许可条件（英文）"), blank=True)
    acceptance_limit = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=5)
    committed_limit = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"))
    statutory_limit = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"), default=20)
    extension_limit = models.PositiveSmallIntegerField(_("可延长（工作日）"), default=10)
    issuance_limit = models.PositiveSmallIntegerField(_("制证送达时限（工作日）"), default=10)
    category_limits = models.JSONField(
        _("按类别的承诺时限"), default=dict, blank=True, help_text=_('如 {"A": 5, "B": 10, "C": 10}')
    )
    warning_days = models.PositiveSmallIntegerField(
        _("黄牌预警（剩余工作日）"), default=2, validators=[MinValueValidator(0)]
    )
    legacy_limit = models.PositiveSmallIntegerField(
        _("改革前办理时限（工作日）"), null=True, blank=True,
        help_text=_("联办事项留空：按各分项改革前时限串联相加"),
    )
    pause_allowed = models.BooleanField(_("允许特别程序（中止计时）"), default=True)
    extension_allowed = models.BooleanField(_("允许延期"), default=True)
    certificate_kind = models.CharField(
        _("证照种类"), max_length=20, choices=CertificateKind.choices, blank=True, default=""
    )
    validity_rule = models.CharField(
        _("有效期规则"), max_length=24, choices=ValidityRule.choices, blank=True, default=""
    )
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), null=True, blank=True)
    fee = models.DecimalField(_("收费（元）"), max_digits=10, decimal_places=2, default=0)
    components = models.JSONField(
        _("联办分项"), default=list, blank=True, help_text=_("联办事项包含的分项事项代码，并联办理")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["order", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="service_type_code_version_unique"),
            models.CheckConstraint(
                condition=models.Q(committed_limit__lte=models.F("statutory_limit")),
                name="service_type_committed_within_statutory",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    @property
    def is_joint(self) -> bool:
        return bool(self.components)


class LocalAuthority(models.Model):
    """Applicants of one city are handled by a city authority instead of the provincial one."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="local_authorities")
    city = models.CharField(_("申请人所在城市"), max_length=40)
    authority = models.ForeignKey(Authority, verbose_name=_("实施机关"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("属地实施机关")
        verbose_name_plural = _("属地实施机关")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "city"], name="local_authority_unique_city")
        ]

    def __str__(self) -> str:
        return f"{self.city} → {self.authority}"


class Material(models.Model):
    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField(_("材料代码"), max_length=60)
    name_zh = models.CharField(_("名称（中文）"), max_length=160)
    name_en = models.CharField(_("名称（英文）"), max_length=240)
    description = models.TextField(_("要求说明"), blank=True)
    description_en = models.TextField(_("要求说明（英文）"), blank=True)
    mode = models.CharField(_("提交方式"), max_length=12, choices=MaterialMode.choices)
    required = models.BooleanField(_("必须提交"), default=True)
    legacy = models.BooleanField(_("改革前清单所列"), default=True)
    replacement = models.CharField(
        _("替代方式说明"), max_length=240, blank=True,
        help_text=_("不再提交的材料：由何替代（共享数据来源、承诺或取消依据）"),
    )
    replacement_en = models.CharField(_("替代方式说明（英文）"), max_length=300, blank=True)
    file_types = models.JSONField(_("接受的文件类型"), default=list, blank=True, help_text='["pdf", "jpeg", "png"]')
    max_size_mb = models.PositiveSmallIntegerField(_("大小上限（MB）"), default=10)
    max_age_days = models.PositiveSmallIntegerField(_("文件时效（天）"), null=True, blank=True)
    shared = models.BooleanField(_("联办共用"), default=False, help_text=_("联办时上传一次，两项共用"))
    tracks = models.JSONField(
        _("适用分项"), default=list, blank=True, help_text=_("联办事项中该材料服务的分项代码；空表示全部")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["service_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service_type", "code"], name="material_code_unique_per_version")
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def is_submitted_now(self) -> bool:
        """Counts towards what an applicant must hand in today (the reduced checklist)."""
        return self.mode == MaterialMode.UPLOAD and self.required

    @property
    def accepts_upload(self) -> bool:
        return self.mode in (MaterialMode.UPLOAD, MaterialMode.COMMITMENT)


class CommitmentText(models.Model):
    """The written commitment (告知承诺书) an applicant may sign instead of a proof; versioned."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="commitment_texts")
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    text_zh = models.TextField(_("承诺书（中文）"))
    text_en = models.TextField(_("承诺书（英文）"))
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承诺书文本")
        verbose_name_plural = _("承诺书文本")
        ordering = ["material", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["material", "version"], name="commitment_text_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.material} v{self.version}"


class CalendarYear(models.Model):
    """Whether a year's official schedule (State Council notice) has been entered."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    official = models.BooleanField(_("已录入官方安排"), default=False)
    notice = models.CharField(_("依据文件"), max_length=120, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the weekday rule: a holiday on a weekday, or a make-up workday."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=DaySource.choices, default=DaySource.ADMIN)

    class Meta:
        verbose_name = _("日历调整日")
        verbose_name_plural = _("日历调整日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class CacheEntry(models.Model):
    """The table of Django's database cache (config.cache.AtomicDatabaseCache), created by `migrate`
    so that production, whose cache falls back to it, never runs without it; the columns are the ones
    `createcachetable` would make. Only the cache backend reads and writes it."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "tongban_cache"
        verbose_name = _("缓存条目")
        verbose_name_plural = _("缓存条目")

    def __str__(self) -> str:
        return self.cache_key


class OutboxState(models.TextChoices):
    PENDING = "pending", _("待执行")
    DONE = "done", _("已完成")
    FAILED = "failed", _("已失败")


class OutboxJob(models.Model):
    """After-commit work (issuing a certificate, sending a notice, …) written in the same transaction
    as the act that causes it (services.tasks.enqueue), so that a crash or a lost connection between
    the commit and the delivery loses nothing: a job still pending when it falls due is delivered
    again by the periodic `outbox_redispatch`. Delivery marks it done in the task's own transaction."""

    name = models.CharField(_("任务"), max_length=200)
    kwargs = models.JSONField(_("参数"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    due_at = models.DateTimeField(_("下次投递时间"))
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待投递任务")
        verbose_name_plural = _("待投递任务")
        indexes = [models.Index(fields=["due_at"], condition=models.Q(state="pending"), name="outbox_due_idx"),
                   # the failed jobs, few, read by the admin's filter and for a case's page
                   models.Index(fields=["name"], condition=models.Q(state="failed"), name="outbox_failed_idx")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.state})"


class CalendarRevision(models.Model):
    """One row counting the calendar's changes, raised in the transaction of each change
    (services.calendar.invalidate_calendar). Every process compares it with the calendar it holds,
    so a change is seen everywhere even when the cache was unreachable at the moment it was made."""

    revision = models.PositiveBigIntegerField(_("版本"), default=0)
    changed_at = models.DateTimeField(_("更改时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历版本")
        verbose_name_plural = _("工作日历版本")

    def __str__(self) -> str:
        return f"calendar revision {self.revision}"


class ActReceipt(models.Model):
    """What a user's act answered, written in the act's own transaction: which verb on which subject
    (a case's id), with which input (a digest), the case-log row it appended, and — when the client
    sent an `Idempotency-Key` — the key and the response, so a repeat of the same act after a lost
    answer is told the committed result instead of a conflict (licensing.verbs.dispatch)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(_("操作"), max_length=40)
    subject = models.PositiveBigIntegerField(_("对象"))
    digest = models.CharField(_("输入摘要"), max_length=64)
    log_seq = models.PositiveIntegerField(_("日志序号"))
    key = models.CharField(_("幂等键"), max_length=200, null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("响应状态"), default=200)
    payload = models.JSONField(_("响应内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("操作回执")
        verbose_name_plural = _("操作回执")
        indexes = [models.Index(fields=["subject", "user", "verb", "-created_at"], name="act_receipt_repeat_idx")]
        constraints = [models.UniqueConstraint(fields=["user", "key"], condition=models.Q(key__isnull=False),
                                               name="act_receipt_key_unique")]

    def __str__(self) -> str:
        return f"{self.verb} #{self.subject} ({self.user_id})"
