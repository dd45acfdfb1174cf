"""Stored processing-time figures: one row per closed or decided application, and the imported
legacy cohort the reform is measured against. The definitions are in licensing.metrics.figures."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseMetrics(models.Model):
    """The figures of one application, written by case_metrics_record when it is decided or closed
    (and again when it is issued); recomputable from the application at any time. Service code and
    authority are copied so that the per-service aggregates read this table alone."""

    application = models.OneToOneField(
        "licensing.Application", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="metrics"
    )
    service_type = models.ForeignKey(
        "services.ServiceType", verbose_name=_("事项（版本）"), on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.SlugField(_("事项代码"), max_length=60)
    authority = models.ForeignKey(
        "services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=1, blank=True)
    joint = models.BooleanField(_("联办主件"), default=False)
    track = models.BooleanField(_("联办分项"), default=False)
    outcome = models.CharField(_("结果"), max_length=24)
    counted = models.BooleanField(
        _("计入办理时长统计"), default=False, help_text=_("已作出决定（准予或不予许可）的办件；撤回、不予受理的不计入")
    )
    received_on = models.DateField(_("收件日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    period_on = models.DateField(
        _("统计日期"), help_text=_("决定日期；未作决定而办结的，为办结日期")
    )
    deemed_accepted = models.BooleanField(_("逾期视为受理"), default=False)
    receipt_to_acceptance = models.PositiveIntegerField(_("收件至受理（工作日）"), null=True, blank=True)
    acceptance_to_decision = models.PositiveIntegerField(
        _("受理至决定（工作日，扣除特别程序）"), null=True, blank=True
    )
    decision_to_issuance = models.PositiveIntegerField(_("决定至发证（工作日）"), null=True, blank=True)
    receipt_to_issuance = models.PositiveIntegerField(_("收件至发证（工作日）"), null=True, blank=True)
    headline_days = models.PositiveIntegerField(
        _("办理时长（工作日）"), null=True, blank=True,
        help_text=_("受理至决定，扣除特别程序；联办事项为收件至最后一项决定"),
    )
    paused_days = models.PositiveIntegerField(_("特别程序（工作日）"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("延长（工作日）"), default=0)
    correction_rounds = models.PositiveSmallIntegerField(_("补正次数"), default=0)
    committed_limit = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=0)
    statutory_limit = models.PositiveSmallIntegerField(_("法定时限（工作日）"), default=0)
    on_time_committed = models.BooleanField(_("承诺时限内办结"), null=True, blank=True)
    on_time_statutory = models.BooleanField(_("法定时限内办结"), null=True, blank=True)
    trips = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    materials_submitted = models.PositiveSmallIntegerField(_("提交材料（份）"), default=0)
    commitments_signed = models.PositiveSmallIntegerField(_("签署承诺（份）"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("办件时效指标")
        verbose_name_plural = _("办件时效指标")
        ordering = ["-period_on", "-id"]
        indexes = [
            models.Index(fields=["service_code", "period_on"], name="metrics_service_period_idx"),
            models.Index(fields=["authority", "period_on"], name="metrics_authority_period_idx"),
            # Covers the distribution (value histogram) per service without reading the table.
            models.Index(fields=["service_code", "headline_days", "period_on"], name="metrics_service_days_idx",
                         condition=models.Q(counted=True)),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.service_code} {self.headline_days}"


class RollupFigure(models.TextChoices):
    """What a rollup bucket counts. Durations and the other integer figures are bucketed by value
    over the counted cases; the flags as 0/1 over the counted cases; the last three count every
    stored case (value 0) so the uncounted ones are reported too."""

    HEADLINE = "headline_days", _("办理时长")
    RECEIPT_TO_ACCEPTANCE = "receipt_to_acceptance", _("收件至受理")
    ACCEPTANCE_TO_DECISION = "acceptance_to_decision", _("受理至决定")
    DECISION_TO_ISSUANCE = "decision_to_issuance", _("决定至发证")
    RECEIPT_TO_ISSUANCE = "receipt_to_issuance", _("收件至发证")
    PAUSED = "paused_days", _("特别程序")
    EXTENSION = "extension_days", _("延长")
    CORRECTIONS = "correction_rounds", _("补正次数")
    MATERIALS = "materials_submitted", _("提交材料")
    TRIPS = "trips", _("跑动次数")
    ON_TIME_COMMITTED = "on_time_committed", _("承诺时限内办结")
    ON_TIME_STATUTORY = "on_time_statutory", _("法定时限内办结")
    CASES = "cases", _("办件")
    WITHDRAWN = "withdrawn", _("撤回")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


class MetricsRollup(models.Model):
    """Number of stored cases per (service, authority, month of the statistics date, figure, value).
    Processing times are whole working days, so exact means, percentiles, maxima, rates and the
    bootstrap come from these counts. Kept by licensing.metrics.rollup in the transaction that
    writes the CaseMetrics row; rebuilt from those rows by case_metrics_recompute."""

    service_code = models.SlugField(_("事项代码"), max_length=60)
    authority = models.ForeignKey(
        "services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("统计月份"), help_text=_("统计日期所在月份的第一天"))
    figure = models.CharField(_("指标"), max_length=32, choices=RollupFigure.choices)
    days = models.IntegerField(_("数值（工作日）"))
    cases = models.IntegerField(_("办件数"), default=0)

    class Meta:
        verbose_name = _("办理时效汇总")
        verbose_name_plural = _("办理时效汇总")
        constraints = [
            models.UniqueConstraint(fields=["service_code", "authority", "month", "figure", "days"],
                                    name="metrics_rollup_bucket_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.service_code} {self.month:%Y-%m} {self.figure}={self.days}: {self.cases}"


class LegacyImport(models.Model):
    """One imported file of historical (pre-reform) case records."""

    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("改革前办件导入批次")
        verbose_name_plural = _("改革前办件导入批次")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows})"


class LegacyCase(models.Model):
    """One historical case of the measured legacy cohort; `working_days` (receipt → decision minus
    paused days, on the official calendar) is computed at import so the baselines are SQL."""

    batch = models.ForeignKey(LegacyImport, verbose_name=_("导入批次"), on_delete=models.CASCADE,
                              related_name="cases")
    line = models.PositiveIntegerField(_("行号"))
    service_code = models.SlugField(_("事项代码"), max_length=60, db_index=True)
    case_ref = models.CharField(_("原办件编号"), max_length=60, blank=True)
    received_on = models.DateField(_("收件日期"))
    decided_on = models.DateField(_("决定日期"))
    materials_count = models.PositiveSmallIntegerField(_("提交材料（份）"))
    paused_days = models.PositiveIntegerField(_("特别程序（工作日）"), default=0)
    working_days = models.PositiveIntegerField(_("办理时长（工作日）"))

    class Meta:
        verbose_name = _("改革前办件")
        verbose_name_plural = _("改革前办件")
        ordering = ["batch", "line"]

    def __str__(self) -> str:
        return f"{self.service_code} {self.received_on}–{self.decided_on}"
