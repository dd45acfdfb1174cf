"""Template context for every page: who is logged in, as the header names them."""

from django.http import HttpRequest
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from licensing.permissions import officer_of, officer_roles
from services.constants import Role

# A person's post, as the header names it (the Role labels double as verbs: 受理 is also "Accept").
ROLE_TITLES = {
    Role.INTAKE: _("受理人员"),
    Role.REVIEWER: _("审核人员"),
    Role.APPROVER: _("审批人员"),
    Role.LEGAL_REVIEWER: _("法制审核人员"),
    Role.SUPERVISOR: _("监察人员"),
}


def identity(request: HttpRequest) -> dict:
    """`identity`: the user's name with organisation (an applicant's unit, an officer's authority) and,
    for officers, their roles — "张受理 · 云南省科学技术厅 · 受理人员"."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"identity": ""}
    english = (get_language() or "").startswith("en")
    parts = [user.get_full_name() or user.username]
    applicant = getattr(user, "applicant", None) if hasattr(user, "applicant") else None
    officer = officer_of(user)
    if applicant is not None:
        parts.append(applicant.name)
    elif officer is not None:
        authority = officer.authority
        parts.append(authority.name_en if english and authority.name_en else authority.name_zh)
        roles = officer_roles(user)
        labels = [str(title) for code, title in ROLE_TITLES.items() if code in roles]
        if labels:
            parts.append((", " if english else "、").join(labels))
    elif user.is_staff:
        parts.append(gettext("系统管理员"))
    return {"identity": " · ".join(parts)}
