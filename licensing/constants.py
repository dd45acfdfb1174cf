"""States, verbs and other choices of the application workflow."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已接件")
    CORRECTION_REQUESTED = "correction_requested", _("待补正")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    IN_REVIEW = "in_review", _("审查中")
    PAUSED = "paused", _("特别程序")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    APPROVED = "approved", _("准予许可")
    REFUSED = "refused", _("不予许可")
    ISSUED = "issued", _("已发证")
    WITHDRAWN = "withdrawn", _("已撤回")


class Stage(models.TextChoices):
    """Inside `in_review`: whose turn it is (三级审查: 承办 → 审核/批准)."""

    HANDLING = "handling", _("承办")
    DECISION = "decision", _("批准")


class CaseVerb(models.TextChoices):
    """The case log's vocabulary: every act on a case, by the officers, the applicant or the system."""

    CREATE = "create", _("创建草稿")
    SUBMIT = "submit", _("提交申请")
    CORRECT_DATA = "correct_data", _("补正申请信息")
    CORRECT_MATERIAL = "correct_material", _("补正材料")
    ACCEPT = "accept", _("受理")
    DEEM_ACCEPTED = "deem_accepted", _("逾期视为受理")
    REQUEST_CORRECTION = "request_correction", _("一次性告知补正")
    RESUBMIT = "resubmit", _("补正后重新提交")
    REFUSE_ACCEPTANCE = "refuse_acceptance", _("不予受理")
    CLAIM = "claim", _("认领")
    RELEASE = "release", _("释放认领")
    PAUSE = "pause", _("启动特别程序")
    RESUME = "resume", _("特别程序结束")
    RECOMMEND = "recommend", _("提出承办意见")
    SEND_BACK = "send_back", _("退回承办")
    EXTEND = "extend", _("延长审查期限")
    APPROVE = "approve", _("准予许可")
    PROPOSE_REFUSAL = "propose_refusal", _("拟不予许可，提交法制审核")
    CONFIRM_REFUSAL = "confirm_refusal", _("决定不予许可")
    RETURN = "return", _("退回重新审查")
    WITHDRAW = "withdraw", _("申请人撤回")
    ISSUE = "issue", _("颁发证照")
    ISSUE_FAILED = "issue_failed", _("发证失败")
    TRACKS = "tracks", _("分项办理进度更新")
    DEEM_RENEWED = "deem_renewed", _("逾期未决定，依法视为准予延续")


FINAL_STATES = {State.NOT_ACCEPTED, State.REFUSED, State.ISSUED, State.WITHDRAWN}
DECIDED_STATES = {State.APPROVED, State.REFUSED, State.ISSUED}
# Open cases, in the order of the process (the queues' partial index is built from this tuple).
OPEN_STATES = (State.SUBMITTED, State.CORRECTION_REQUESTED, State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW,
               State.APPROVED)
# Open and not yet decided: the backlog the metrics count.
UNDECIDED_STATES = tuple(state for state in OPEN_STATES if state != State.APPROVED)

# National case-status codes (政务服务办件状态) as exchanged with the provincial platform.
STATUS_CODES = {
    State.SUBMITTED: 1,
    State.CORRECTION_REQUESTED: 6,
    State.NOT_ACCEPTED: 5,
    State.IN_REVIEW: 8,
    State.PAUSED: 9,
    State.LEGAL_REVIEW: 8,
    State.APPROVED: 11,
    State.REFUSED: 13,
    State.ISSUED: 11,
    State.WITHDRAWN: 14,
}


class PauseKind(models.TextChoices):
    EXPERT_REVIEW = "expert_review", _("专家评审")
    SITE_INSPECTION = "site_inspection", _("现场核查")
    TESTING = "testing", _("检验检测")
    HEARING = "hearing", _("听证")


class Warning(models.TextChoices):  # noqa: A001 - the 电子监察 colour, not Python's warning
    GREEN = "green", _("正常")
    YELLOW = "yellow", _("黄牌预警")
    RED = "red", _("红牌超期")


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", _("收件回执")
    ACCEPTANCE = "acceptance", _("受理通知书")
    DEEMED_ACCEPTANCE = "deemed_acceptance", _("视为受理通知书")
    CORRECTION = "correction", _("一次性补正材料通知书")
    NON_ACCEPTANCE = "non_acceptance", _("不予受理决定书")
    PAUSE = "pause", _("特别程序告知书")
    RESUME = "resume", _("特别程序结束告知书")
    EXTENSION = "extension", _("延长审查期限告知书")
    GRANT = "grant", _("准予行政许可决定书")
    REFUSAL = "refusal", _("不予行政许可决定书")
    WITHDRAWAL = "withdrawal", _("撤回申请确认书")
    DEEMED_RENEWAL = "deemed_renewal", _("视为准予延续通知书")
    CANCELLATION = "cancellation", _("注销公告")


class SubmissionKind(models.TextChoices):
    UPLOAD = "upload", _("上传文件")
    COMMITMENT = "commitment", _("签署承诺书")


class Degree(models.TextChoices):
    BACHELOR = "bachelor", _("学士")
    MASTER = "master", _("硕士")
    DOCTORATE = "doctorate", _("博士")
    OTHER = "other", _("其他")


class Environment(models.TextChoices):
    CONVENTIONAL = "conventional", _("普通环境")
    BARRIER = "barrier", _("屏障环境")
    ISOLATION = "isolation", _("隔离环境")


SPECIES = {
    "mouse": (_("小鼠"), "mouse"),
    "rat": (_("大鼠"), "rat"),
    "hamster": (_("地鼠"), "hamster"),
    "guinea_pig": (_("豚鼠"), "guinea pig"),
    "rabbit": (_("兔"), "rabbit"),
    "dog": (_("犬"), "dog"),
    "monkey": (_("猴"), "monkey"),
    "pig": (_("小型猪"), "pig"),
    "cat": (_("猫"), "cat"),
    "chicken": (_("鸡"), "chicken"),
    "zebrafish": (_("斑马鱼"), "zebrafish"),
    "tree_shrew": (_("树鼩"), "tree shrew"),
}

SYSTEM_ACTOR = "system"

# The longest special procedure an officer may announce at once (working days).
MAX_PAUSE_DAYS = 120
