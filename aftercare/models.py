"""After the licence: per-service settings (renewal window), the renewal reminders sent once per
licence, and the cancellation (注销) tasks of licences that expired unrenewed."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import (
    DEFAULT_CREDIT_BAR_MONTHS,
    DEFAULT_RENEWAL_DAYS,
    DEFAULT_RENEWAL_MONTHS,
    DEFAULT_VERIFICATION_DAYS,
    CancellationState,
    PublicationKind,
    RectificationState,
    ReminderKind,
    ReportReminderKind,
    ReportState,
    Score,
    VerificationState,
)


class ServicePolicy(models.Model):
    """The after-licence settings of a service type (by its code, so that they hold for every version).
    A renewal type's window says when its licences may be renewed (Art. 50's default: from 6 months
    to 30 days before the last valid day)."""

    service_code = models.SlugField(_("事项代码"), max_length=60, unique=True)
    renewal_window_months = models.PositiveSmallIntegerField(
        _("延续申请期起点（到期前月数）"), default=DEFAULT_RENEWAL_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("自有效期最后一日前若干个月的同一日起（该月无此日的，为该月最后一日）"))
    renewal_window_days = models.PositiveSmallIntegerField(
        _("延续申请期终点（到期前天数）"), default=DEFAULT_RENEWAL_DAYS,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("至有效期最后一日前若干日止（含当日）；《行政许可法》第五十条默认30日"))
    verification_days = models.PositiveSmallIntegerField(
        _("承诺核查时限（工作日）"), default=DEFAULT_VERIFICATION_DAYS, validators=[MinValueValidator(1)],
        help_text=_("以告知承诺方式准予许可后，须在若干个工作日内完成核查"))
    credit_bar_months = models.PositiveSmallIntegerField(
        _("失信记录期限（月）"), default=DEFAULT_CREDIT_BAR_MONTHS, validators=[MinValueValidator(1)],
        help_text=_("承诺不实的申请人在此期间不得适用告知承诺"))
    report_opens_month = models.PositiveSmallIntegerField(_("年度报告报送期起（月）"), default=11,
                                                          validators=[MinValueValidator(1), MaxValueValidator(12)])
    report_opens_day = models.PositiveSmallIntegerField(_("年度报告报送期起（日）"), default=15,
                                                        validators=[MinValueValidator(1), MaxValueValidator(31)])
    report_closes_month = models.PositiveSmallIntegerField(_("年度报告报送期止（月）"), default=11,
                                                           validators=[MinValueValidator(1), MaxValueValidator(12)])
    report_closes_day = models.PositiveSmallIntegerField(_("年度报告报送期止（日）"), default=30,
                                                         validators=[MinValueValidator(1), MaxValueValidator(31)])

    class Meta:
        verbose_name = _("证后管理设置")
        verbose_name_plural = _("证后管理设置")
        ordering = ["service_code"]

    def __str__(self) -> str:
        return self.service_code


class LicenceReminder(models.Model):
    """One renewal reminder of one licence's validity period: the unique constraint is what makes it
    go out once, however many sweeps run at the same time."""

    certificate = models.ForeignKey("certificates.Certificate", verbose_name=_("许可证"), on_delete=models.PROTECT,
                                    related_name="reminders")
    number = models.CharField(_("许可证编号"), max_length=40)
    valid_to = models.DateField(_("有效期至"))
    kind = models.CharField(_("提醒"), max_length=24, choices=ReminderKind.choices)
    due_on = models.DateField(_("应提醒日期"))
    sent_on = models.DateField(_("提醒日期"))
    notification = models.ForeignKey("licensing.Notification", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = _("延续提醒")
        verbose_name_plural = _("延续提醒")
        ordering = ["valid_to", "number", "due_on"]
        constraints = [models.UniqueConstraint(fields=["number", "valid_to", "kind"], name="reminder_once_per_licence")]

    def __str__(self) -> str:
        return f"{self.number} {self.kind}"


class CancellationTask(models.Model):
    """A licence that expired without renewal must be cancelled (注销) and the cancellation announced
    (Administrative Licensing Law Art. 70): the officers' task, opened by the sweep on the first day
    after expiry."""

    certificate = models.OneToOneField("certificates.Certificate", verbose_name=_("许可证"), on_delete=models.PROTECT,
                                       related_name="cancellation_task")
    authority = models.ForeignKey("services.Authority", verbose_name=_("发证机关"), on_delete=models.PROTECT,
                                  related_name="+")
    opened_on = models.DateField(_("生成日期"))
    state = models.CharField(_("状态"), max_length=8, choices=CancellationState.choices,
                             default=CancellationState.OPEN, db_index=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    notice = models.ForeignKey("licensing.Notice", verbose_name=_("注销公告"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    announcement = models.TextField(_("注销公告"), blank=True)
    announcement_en = models.TextField(_("注销公告（英文）"), blank=True)
    published_on = models.DateField(_("公告日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("注销任务")
        verbose_name_plural = _("注销任务")
        ordering = ["state", "opened_on", "id"]

    def __str__(self) -> str:
        return f"{self.certificate} {self.get_state_display()}"


def evidence_upload_path(instance: "VerificationTask", filename: str) -> str:
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"verification/{instance.application_id}/{uuid.uuid4().hex}.{extension[:8]}"


class VerificationTask(models.Model):
    """The authority's check (核查) of the written commitments a case was approved on (证明事项告知承诺制,
    国办发〔2020〕42号), due a number of working days after the approval."""

    application = models.OneToOneField("licensing.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                       related_name="verification_task")
    authority = models.ForeignKey("services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT,
                                  related_name="+")
    materials = models.JSONField(_("承诺事项"), default=list, help_text=_("以承诺代替的材料代码"))
    opened_on = models.DateField(_("生成日期"))
    due_on = models.DateField(_("核查期限"), db_index=True)
    provisional = models.BooleanField(_("期限为暂定"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=VerificationState.choices,
                             default=VerificationState.OPEN, db_index=True)
    findings = models.TextField(_("核查情况"), blank=True)
    evidence = models.FileField(_("核查证据"), upload_to=evidence_upload_path, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("承诺核查任务")
        verbose_name_plural = _("承诺核查任务")
        ordering = ["state", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_state_display()}"


class CreditRecord(models.Model):
    """A dishonesty record (失信记录) on an applicant after a false commitment: while it runs the
    applicant may not replace proofs by commitments."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    holder_name = models.CharField(_("主体名称"), max_length=160)
    verification = models.OneToOneField(VerificationTask, verbose_name=_("核查任务"), on_delete=models.PROTECT,
                                        related_name="credit_record")
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    reason = models.TextField(_("事由"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("失信记录")
        verbose_name_plural = _("失信记录")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.starts_on}–{self.ends_on}"

    @property
    def reference(self) -> str:
        return f"XY-{self.starts_on:%Y}-{self.pk:05d}"


class AnnualReport(models.Model):
    """One licence's annual report (年度报告) of year N: filed in the window of November N, covering
    1 October N−1 to 30 September N; correctable by the holder until the window closes; reviewed by a
    reviewer of the licence's authority."""

    certificate = models.ForeignKey("certificates.Certificate", verbose_name=_("许可证"), on_delete=models.PROTECT,
                                    related_name="annual_reports")
    number = models.CharField(_("许可证编号"), max_length=40)
    authority = models.ForeignKey("services.Authority", verbose_name=_("发证机关"), on_delete=models.PROTECT,
                                  related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    data = models.JSONField(_("报告内容"))
    state = models.CharField(_("状态"), max_length=8, choices=ReportState.choices, default=ReportState.FILED,
                             db_index=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(_("报送时间"))
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)
    opinion = models.TextField(_("审查意见"), blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审查人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-year", "number"]
        constraints = [models.UniqueConstraint(fields=["number", "year"], name="one_annual_report_per_licence_year")]

    def __str__(self) -> str:
        return f"{self.number} {self.year}"


class ReportReminder(models.Model):
    """An annual-report reminder to a licence's holder, once per licence, year and kind."""

    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("许可证编号"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("提醒"), max_length=32, choices=ReportReminderKind.choices)
    sent_on = models.DateField(_("提醒日期"))

    class Meta:
        verbose_name = _("年度报告提醒")
        verbose_name_plural = _("年度报告提醒")
        constraints = [models.UniqueConstraint(fields=["number", "year", "kind"], name="report_reminder_once")]

    def __str__(self) -> str:
        return f"{self.number} {self.year} {self.kind}"


class Rating(models.Model):
    """The applicant's rating of a closed case (好差评, 一事一评), once per case."""

    application = models.OneToOneField("licensing.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                       related_name="rating")
    authority = models.ForeignKey("services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT,
                                  related_name="+")
    service_code = models.SlugField(_("事项代码"), max_length=60)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.PROTECT,
                             related_name="+")
    score = models.PositiveSmallIntegerField(_("评价"), choices=Score.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    rated_on = models.DateField(_("评价日期"), db_index=True)
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-rated_at"]
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_5")]

    def __str__(self) -> str:
        return f"{self.application} {self.score}"


class RectificationTask(models.Model):
    """A bad review's rectification (差评整改), due 15 working days after the rating and closed only with
    a recorded call-back to the applicant (回访)."""

    rating = models.OneToOneField(Rating, verbose_name=_("评价"), on_delete=models.PROTECT,
                                  related_name="rectification")
    authority = models.ForeignKey("services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT,
                                  related_name="+")
    opened_on = models.DateField(_("生成日期"))
    due_on = models.DateField(_("整改期限"), db_index=True)
    provisional = models.BooleanField(_("期限为暂定"), default=False)
    state = models.CharField(_("状态"), max_length=8, choices=RectificationState.choices,
                             default=RectificationState.OPEN, db_index=True)
    measures = models.TextField(_("整改措施"), blank=True)
    callback_on = models.DateField(_("回访日期"), null=True, blank=True)
    callback_outcome = models.TextField(_("回访结果"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["state", "due_on", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(state="open") | models.Q(callback_on__isnull=False),
            name="rectification_closed_with_callback")]

    def __str__(self) -> str:
        return f"{self.rating} {self.get_state_display()}"


class DecisionPublication(models.Model):
    """The publication of a decision that ends a licence: a revocation or a cancellation is public on the
    register from the day it is decided; an expiry when its cancellation is confirmed with the notice
    (Art. 70). Each is due within 7 working days of the decision, like a grant."""

    event = models.OneToOneField("certificates.CertificateEvent", verbose_name=_("证照变更记录"),
                                 on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey("certificates.Certificate", verbose_name=_("许可证"), on_delete=models.PROTECT,
                                    related_name="+")
    authority = models.ForeignKey("services.Authority", verbose_name=_("发证机关"), on_delete=models.PROTECT,
                                  related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=PublicationKind.choices)
    decided_on = models.DateField(_("决定日期"))
    due_on = models.DateField(_("公示期限"), db_index=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("决定公示")
        verbose_name_plural = _("决定公示")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["authority", "due_on"], name="decision_publication_due")]

    def __str__(self) -> str:
        return f"{self.certificate} {self.kind}"
