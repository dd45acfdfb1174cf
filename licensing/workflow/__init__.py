"""Service functions for every act on an application, by capability: filing, intake, review,
decision, the joint filing and the sweep. Each act runs in one transaction under the application's
row lock, moves the state through django-fsm-2 (permission and conditions checked), recomputes the
stored deadlines, appends one case-log row and creates the notices the law requires.

The public names are re-exported here so callers import `licensing.workflow` only."""

from ..deadlines import (
    DEADLINE_FIELDS,
    deadlines_recompute,
    decision_limit,
    remaining_working_days,
    today,
    warning,
)
from .decision import (
    application_approve,
    application_confirm_refusal,
    application_extend,
    application_propose_refusal,
    application_return,
    application_withdraw,
)
from .errors import Forbidden, Invalid, NotAllowed, Unavailable, WorkflowError
from .filing import (
    SubmitResult,
    application_create,
    application_submit,
    application_update_data,
    commitment_sign,
    material_upload,
    missing_items,
    status_password_check,
)
from .intake import (
    application_accept,
    application_refuse_acceptance,
    application_request_correction,
    application_resubmit,
)
from .issuing import (
    application_can_issue_again,
    application_issue_again,
    application_mark_issued,
    application_record_issue_failure,
)
from .joint import joint_follow, joint_state
from .review import (
    application_claim,
    application_pause,
    application_recommend,
    application_release,
    application_resume,
    application_send_back,
)
from .sweep import SweepResult, deadlines_recompute_years, deadlines_sweep, deadlines_sweep_task

__all__ = [
    "DEADLINE_FIELDS", "Forbidden", "Invalid", "NotAllowed", "SubmitResult", "SweepResult", "Unavailable",
    "WorkflowError", "application_accept", "application_approve", "application_can_issue_again", "application_claim",
    "application_confirm_refusal", "application_issue_again",
    "application_create", "application_extend", "application_mark_issued", "application_pause",
    "application_propose_refusal", "application_recommend", "application_record_issue_failure",
    "application_refuse_acceptance", "application_release", "application_request_correction",
    "application_resubmit", "application_resume", "application_return", "application_send_back",
    "application_submit", "application_update_data", "application_withdraw", "commitment_sign",
    "deadlines_recompute", "deadlines_recompute_years", "deadlines_sweep", "deadlines_sweep_task", "decision_limit",
    "joint_follow", "joint_state", "material_upload", "missing_items", "remaining_working_days",
    "status_password_check", "today", "warning",
]
