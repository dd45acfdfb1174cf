"""Choices of the after-licence app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    """The holder's renewal reminders (the `kind` of their notifications)."""

    WINDOW_OPEN = "renewal_window_open", _("延续申请期已开始")
    THREE_MONTHS = "renewal_3_months", _("许可证将于3个月后到期")
    ONE_MONTH = "renewal_1_month", _("许可证将于1个月后到期")


class CancellationState(models.TextChoices):
    OPEN = "open", _("待注销")
    DONE = "done", _("已注销并公告")


# The defaults of a service type without its own after-licence settings.
DEFAULT_RENEWAL_MONTHS = 6     # the window opens 6 calendar months before the last valid day
DEFAULT_RENEWAL_DAYS = 30      # and closes 30 days before it (Art. 50)


class VerificationState(models.TextChoices):
    OPEN = "open", _("待核查")
    CONFIRMED = "confirmed", _("承诺属实")
    FALSE = "false", _("承诺不实")


DEFAULT_VERIFICATION_DAYS = 40   # working days after approval to verify the commitments
DEFAULT_CREDIT_BAR_MONTHS = 12   # a false commitment bars commitments for one year


class ReportState(models.TextChoices):
    FILED = "filed", _("已报送")
    PASSED = "pass", _("合格")
    RECTIFY = "rectify", _("限期整改")
    FAILED = "fail", _("不合格")


class ReportReminderKind(models.TextChoices):
    WINDOW_OPEN = "annual_report_window_open", _("年度报告报送期已开始")
    MISSING = "annual_report_missing", _("年度报告逾期未报送")


# The annual report window (15–30 November of the report year N, covering 1 October N−1 to 30 September N).
DEFAULT_REPORT_WINDOW = ((11, 15), (11, 30))


class Score(models.IntegerChoices):
    """好差评 (国办发〔2019〕51号): five levels; 1 and 2 are a bad review."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_SCORES = (Score.DISSATISFIED, Score.VERY_DISSATISFIED)
SATISFIED_SCORES = (Score.VERY_SATISFIED, Score.SATISFIED)
RECTIFICATION_DAYS = 15  # working days to fix a bad review, closed only with a call-back (回访)


class RectificationState(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已回访办结")


class PublicationKind(models.TextChoices):
    """Decisions that end a licence, each published on the public register (Art. 70; 国办发〔2018〕118号)."""

    REVOCATION = "revocation", _("撤销公示")
    CANCELLATION = "cancellation", _("注销公示")
    EXPIRY = "expiry", _("到期注销公告")
