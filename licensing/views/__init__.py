"""Server-rendered pages of the licensing app, by audience: the applicant portal (portal), the
officer workbench and the supervisor's board (workbench), pages outside a case (public) and the
downloads they link to (documents). The names licensing.urls routes to are re-exported here."""

from .documents import material_file, notice_document
from .portal import (
    application_check,
    application_detail,
    application_details,
    application_licence,
    application_list,
    application_material,
    application_new,
    application_resubmit,
    application_submitted,
    application_withdraw_page,
)
from .public import _client_key, notifications, status_query
from .workbench import allowed_actions, board, workbench, workbench_action, workbench_case

__all__ = [
    "_client_key", "allowed_actions", "application_check", "application_detail", "application_details",
    "application_licence", "application_list", "application_material", "application_new", "application_resubmit",
    "application_submitted", "application_withdraw_page", "board", "material_file", "notice_document",
    "notifications", "status_query", "workbench", "workbench_action", "workbench_case",
]
