"""Applicants, applications and their clocks, the case log, notices."""

import uuid

from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from services.validators import validate_credit_code

from .constants import OPEN_STATES, STATUS_CODES, UNDECIDED_STATES, NoticeKind, PauseKind, Stage, State, SubmissionKind
from .permissions import (
    acts,
    extension_available,
    in_decision_stage,
    in_handling_stage,
    no_correction_yet,
    pause_allowed,
    prerequisite_tracks_approved,
)


class ApplicantKind(models.TextChoices):
    ORGANISATION = "organisation", _("单位（科研院所、企业）")
    EMPLOYER = "employer", _("聘用外国人的用人单位")


class Applicant(models.Model):
    """An organisation that files applications; its account is the person acting for it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="applicant"
    )
    kind = models.CharField(_("类型"), max_length=14, choices=ApplicantKind.choices)
    name = models.CharField(_("单位名称"), max_length=160)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    legal_representative = models.CharField(_("法定代表人"), max_length=60)
    city = models.CharField(_("所在城市"), max_length=40)
    address = models.CharField(_("地址"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=60)
    contact_phone = models.CharField(_("联系电话"), max_length=40)

    class Meta:
        verbose_name = _("申请人")
        verbose_name_plural = _("申请人")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The work of each role's queue, as selectors.ROLE_WORK filters it; one partial index each.
QUEUE_INDEXES = {
    "intake": models.Q(state=str(State.SUBMITTED)),
    "review": models.Q(state=str(State.IN_REVIEW), stage=str(Stage.HANDLING)) | models.Q(state=str(State.PAUSED)),
    "decide": models.Q(state=str(State.IN_REVIEW), stage=str(Stage.DECISION)) | models.Q(state=str(State.APPROVED)),
    "legal": models.Q(state=str(State.LEGAL_REVIEW)),
}


class ApplicationQuerySet(models.QuerySet):
    """The filters the queues, the board, the sweep and the metrics share."""

    def cases(self):
        """Cases that officers act on: single filings and the tracks of joint filings (a joint
        filing itself is decided through its tracks)."""
        return self.filter(joint=False)

    def filings(self):
        """What applicants filed: single filings and joint filings, not the tracks of a joint one."""
        return self.filter(parent__isnull=True)

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def undecided(self):
        """Open and not yet decided (the backlog)."""
        return self.filter(state__in=UNDECIDED_STATES)

    def for_authority(self, authority_id: int):
        return self.filter(authority_id=authority_id)

    def in_scope(self, authority_ids):
        """Cases of the authorities a supervisor oversees."""
        return self.filter(authority_id__in=list(authority_ids))

    def queue_order(self):
        """Overdue first, then nearest due; cases without a running clock last."""
        return self.order_by(models.F("current_due").asc(nulls_last=True), "id")

    def warning(self, colour: str, on):
        from .deadlines import warning_q

        return self.filter(warning_q(colour, on))

    def flagged(self, on):
        """Yellow or red on `on` (电子监察)."""
        from .deadlines import warning_q

        return self.filter(current_due__isnull=False).filter(warning_q("red", on) | warning_q("yellow", on))


class Application(ConcurrentTransitionMixin, models.Model):
    """One case (办件). A joint one-stop filing is a parent with one child per track; each track
    runs its own state machine in its own authority's queues."""

    case_number = models.CharField(_("办件编号"), max_length=24, unique=True)
    status_password_hash = models.CharField(_("查询密码（摘要）"), max_length=128, blank=True)
    # These three keys and the state have no index of their own: the composite indexes of Meta lead
    # with each of them (a case is written at every act and a sweep flags tens of thousands at once,
    # so every index kept costs each of those writes).
    service_type = models.ForeignKey(
        "services.ServiceType", verbose_name=_("事项（版本）"), on_delete=models.PROTECT,
        related_name="applications", db_index=False,
    )
    authority = models.ForeignKey(
        "services.Authority", verbose_name=_("实施机关"), on_delete=models.PROTECT, related_name="applications",
        db_index=False,
    )
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="applications", db_index=False,
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("联办主件"), null=True, blank=True, on_delete=models.CASCADE, related_name="tracks"
    )
    joint = models.BooleanField(_("联办主件"), default=False, help_text=_("由各分项办理，不进入队列"))
    data = models.JSONField(_("申请信息"), default=dict, blank=True)
    category = models.CharField(_("类别"), max_length=1, blank=True)
    points = models.JSONField(_("积分明细"), default=dict, blank=True)

    state = FSMField(_("状态"), default=State.DRAFT, choices=State.choices, protected=True)
    stage = models.CharField(_("审查环节"), max_length=10, choices=Stage.choices, blank=True,
                             help_text=_("审查中的办件由承办人提出意见，再由审批人决定"))
    original_licence_number = models.CharField(_("原许可证编号"), max_length=40, blank=True,
                                               help_text=_("变更、延续、注销申请所针对的有效许可证"))

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    received_on = models.DateField(_("收件日期"), null=True, blank=True)
    acceptance_clock_from = models.DateField(_("受理计时起点"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("逾期视为受理"), default=False)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    issued_at = models.DateTimeField(_("发证时间"), null=True, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    acceptance_due = models.DateField(_("受理期限"), null=True, blank=True)
    committed_due = models.DateField(_("承诺办结期限"), null=True, blank=True)
    statutory_due = models.DateField(_("法定办结期限"), null=True, blank=True)
    issuance_due = models.DateField(_("发证期限"), null=True, blank=True)
    current_due = models.DateField(_("当前期限"), null=True, blank=True, db_index=True)
    yellow_from = models.DateField(_("黄牌预警起始日"), null=True, blank=True)
    provisional = models.BooleanField(_("期限为暂定"), default=False)
    warned_on = models.DateField(_("黄牌提醒日期"), null=True, blank=True)
    overdue_notified_on = models.DateField(_("超期提醒日期"), null=True, blank=True)

    extension_days = models.PositiveSmallIntegerField(_("延长工作日"), default=0)
    extension_reason = models.TextField(_("延长理由"), blank=True)
    correction_rounds = models.PositiveSmallIntegerField(_("补正次数"), default=0)
    handling_opinion = models.TextField(_("承办意见"), blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承办意见提出人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recommended_at = models.DateTimeField(_("承办意见时间"), null=True, blank=True)
    opinion = models.TextField(_("审批意见"), blank=True)
    refusal_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拟不予许可提出人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    refusal_reasons = models.TextField(_("不予许可理由"), blank=True)
    refusal_legal_basis = models.TextField(_("不予许可依据"), blank=True)
    non_acceptance_reason = models.TextField(_("不予受理理由"), blank=True)
    competent_authority = models.CharField(_("有权机关"), max_length=160, blank=True)
    issue_error = models.TextField(_("发证失败原因"), blank=True)
    issue_error_permanent = models.BooleanField(
        _("发证失败须人工处理"), default=False, help_text=_("原因须由审批人处理，不自动重试"))
    issue_attempts = models.PositiveSmallIntegerField(_("发证尝试次数"), default=0)
    issue_retry_at = models.DateTimeField(_("下次自动重试发证"), null=True, blank=True)

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="claimed_applications",
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)

    # The head of the case log, written in the same transaction as every row (licensing.caselog):
    # a removed tail or a deleted log no longer matches it.
    log_seq = models.PositiveIntegerField(_("日志末行序号"), default=0, editable=False)
    log_head = models.CharField(_("日志末行摘要"), max_length=64, blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["authority", "state", "current_due"], name="app_queue_idx"),
            models.Index(fields=["applicant", "created_at"], name="app_applicant_idx"),
            models.Index(fields=["service_type", "decided_on"], name="app_service_decided_idx"),
            models.Index(fields=["state", "acceptance_due"], name="app_acceptance_due_idx"),
            # The queues: open cases of one authority in due-date order (closed cases, the bulk of
            # the table, are not in it).
            models.Index(fields=["authority", "current_due", "id"], name="app_open_queue_idx",
                         condition=models.Q(joint=False, state__in=[str(state) for state in OPEN_STATES])),
            # One per role's queue (selectors.ROLE_WORK; a test holds the conditions equal): a keyset
            # page is one range scan of (authority, due date, id) over that queue's cases alone.
            *[models.Index(fields=["authority", "current_due", "id"], name=f"app_{name}_queue_idx",
                           condition=models.Q(joint=False) & work) for name, work in QUEUE_INDEXES.items()],
            # The sweep's claims (workflow.sweep): the running cases not warned yet by yellow day, and
            # not flagged overdue yet by due date. A case leaves the index when the sweep flags it, so
            # a sweep that finds nothing left to do reads only that day's range.
            models.Index(fields=["yellow_from"], name="app_unwarned_idx",
                         condition=models.Q(joint=False, current_due__isnull=False, warned_on__isnull=True)),
            models.Index(fields=["current_due"], name="app_unflagged_overdue_idx",
                         condition=models.Q(joint=False, current_due__isnull=False,
                                            overdue_notified_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.case_number

    # --- the state machine (django-fsm-2). Services call these after checking can_proceed and
    # has_transition_perm under a row lock; the methods only move the state.
    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, permission=acts("submit"))
    def submit(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.IN_REVIEW, permission=acts("accept"))
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.IN_REVIEW)
    def deem_accepted(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.CORRECTION_REQUESTED,
                permission=acts("request-correction"), conditions=[no_correction_yet])
    def request_correction(self) -> None:
        pass

    @transition(field=state, source=State.CORRECTION_REQUESTED, target=State.SUBMITTED,
                permission=acts("resubmit"))
    def resubmit(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.CORRECTION_REQUESTED], target=State.NOT_ACCEPTED,
                permission=acts("refuse-acceptance"))
    def refuse_acceptance(self) -> None:
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.PAUSED, permission=acts("pause"),
                conditions=[pause_allowed])
    def pause(self) -> None:
        pass

    @transition(field=state, source=State.PAUSED, target=State.IN_REVIEW, permission=acts("resume"))
    def resume(self) -> None:
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.IN_REVIEW, permission=acts("recommend"),
                conditions=[in_handling_stage])
    def recommend(self) -> None:
        """The handling officer's opinion (承办意见) hands the case to the approver."""

    @transition(field=state, source=State.IN_REVIEW, target=State.IN_REVIEW, permission=acts("send-back"),
                conditions=[in_decision_stage])
    def send_back(self) -> None:
        """The approver returns the case to the handling officer with a reason."""

    @transition(field=state, source=State.IN_REVIEW, target=State.IN_REVIEW, permission=acts("extend"),
                conditions=[extension_available])
    def extend(self) -> None:
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.APPROVED, permission=acts("approve"),
                conditions=[in_decision_stage, prerequisite_tracks_approved])
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.LEGAL_REVIEW, permission=acts("propose-refusal"))
    def propose_refusal(self) -> None:
        """By the handling officer in the handling stage, or by the approver in the decision stage."""

    @transition(field=state, source=State.LEGAL_REVIEW, target=State.REFUSED,
                permission=acts("confirm-refusal"))
    def confirm_refusal(self) -> None:
        pass

    @transition(field=state, source=State.LEGAL_REVIEW, target=State.IN_REVIEW,
                permission=acts("return"))
    def return_to_review(self) -> None:
        pass

    @transition(field=state, source=State.APPROVED, target=State.ISSUED)
    def mark_issued(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW],
                target=State.APPROVED)
    def deem_renewed(self) -> None:
        """A renewal undecided when the old licence expires is granted by operation of law (Art. 50)."""

    @transition(field=state, source=[State.SUBMITTED, State.CORRECTION_REQUESTED, State.IN_REVIEW, State.PAUSED,
                                     State.LEGAL_REVIEW], target=State.WITHDRAWN, permission=acts("withdraw"))
    def withdraw(self) -> None:
        pass

    @transition(field=state, source="*", target=RETURN_VALUE(*State.values))
    def follow_tracks(self, target: str) -> str:
        """A joint filing's state follows its tracks (see workflow.joint_state)."""
        return target

    # --- derived values
    @property
    def filing(self) -> "Application":
        """The application that holds the materials: the joint filing for a track."""
        return self.parent if self.parent_id else self

    @property
    def status_code(self) -> int | None:
        return STATUS_CODES.get(self.state)


class ClockPause(models.Model):
    """A special procedure (Art. 45) that stops the decision clocks: (started_on, ended_on]."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("类型"), max_length=20, choices=PauseKind.choices)
    reason = models.TextField(_("理由"))
    expected_days = models.PositiveSmallIntegerField(_("预计所需工作日"))
    started_on = models.DateField(_("开始日期"))
    started_at = models.DateTimeField(_("开始时间"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.TextField(_("结果"), blank=True)

    class Meta:
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=models.Q(ended_on__isnull=True),
                                    name="one_open_pause_per_application")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}–{self.ended_on or '…'}"


class CorrectionNotice(models.Model):
    """The one-time notice listing every deficient item (Art. 32)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="corrections")
    items = models.JSONField(_("补正事项"))
    snapshot = models.JSONField(
        _("告知时的内容"), default=dict, blank=True,
        help_text=_("告知补正时所涉申请信息字段的值和材料的摘要，用于核对是否已补正"))
    issued_at = models.DateTimeField(_("告知时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("补正完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补正通知")
        verbose_name_plural = _("补正通知")
        ordering = ["issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=models.Q(resolved_at__isnull=True),
                                    name="one_open_correction_per_application")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.issued_at:%Y-%m-%d}"


def material_upload_path(instance: "MaterialSubmission", filename: str) -> str:
    # The stored name never comes from the client: only the checked extension is kept.
    return f"materials/{instance.application_id}/{uuid.uuid4().hex}.{instance.extension}"


class MaterialSubmission(models.Model):
    """One uploaded file or signed commitment for one material of a filing. A newer submission
    for the same material supersedes the older one, which is kept."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="submissions")
    material = models.ForeignKey("services.Material", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=12, choices=SubmissionKind.choices)
    file = models.FileField(_("文件"), upload_to=material_upload_path, blank=True)
    extension = models.CharField(max_length=8, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=60, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    document_date = models.DateField(_("出具日期"), null=True, blank=True)
    commitment_text = models.ForeignKey(
        "services.CommitmentText", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    superseded = models.BooleanField(_("已被替换"), default=False)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["application", "material__order", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "material"], condition=models.Q(superseded=False),
                                    name="one_current_submission_per_material")
        ]

    def __str__(self) -> str:
        return self.original_name or self.get_kind_display()


class CaseLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the case log is append-only")

    def delete(self):
        raise PermissionError("the case log is append-only")


class CaseLogEntry(models.Model):
    """Append-only record of every act on a case, each row hashed together with the previous one."""

    # Indexed by the unique (application, seq) constraint, which leads with it.
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="log", db_index=False)
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=80)
    verb = models.CharField(_("操作"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, blank=True)
    reason = models.TextField(_("意见/理由"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = CaseLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("办件日志")
        verbose_name_plural = _("办件日志")
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="case_log_seq_unique")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the case log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the case log is append-only")


class Notice(models.Model):
    """A written document the law requires (receipt, acceptance, correction, decisions...)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("文书"), max_length=20, choices=NoticeKind.choices)
    number = models.CharField(_("文号"), max_length=60, unique=True)
    issued_at = models.DateTimeField(_("出具时间"))
    content = models.JSONField(_("内容"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return self.number


class Notification(models.Model):
    """A message in a user's portal inbox (and its e-mail copy): about a case, or about a licence the
    user holds (a renewal reminder: `kind` and `certificate_number`, no case)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="notifications")
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("类型"), max_length=40, blank=True,
                            help_text=_("提醒类型，如 renewal_window_open；文书和预警消息为空"))
    certificate_number = models.CharField(_("许可证编号"), max_length=40, blank=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


from .metrics.models import CaseMetrics, LegacyCase  # noqa: E402,F401
