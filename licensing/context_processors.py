"""Header links for the licensing pages: 我的办件 for applicants, 工作台 and 监察看板 for officers."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import officer_of, officer_roles
from .selectors import unread_notifications


def nav_links(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    links = []
    if user is not None and user.is_authenticated:
        if getattr(user, "applicant", None) is not None:
            links.append({"url": reverse("applications"), "label": _("我的办件")})
        if officer_of(user) is not None:
            links.append({"url": reverse("workbench"), "label": _("工作台")})
            if "supervisor" in officer_roles(user):
                links.append({"url": reverse("board"), "label": _("监察看板")})
                links.append({"url": reverse("metrics-dashboard"), "label": _("办理时效")})
    if user is not None and user.is_authenticated:
        unread = unread_notifications(user=user)
        label = _("消息") if not unread else f"{_('消息')} ({unread})"
        links.append({"url": reverse("notifications"), "label": label})
    links.append({"url": reverse("status-query"), "label": _("办件查询")})
    return links


def nav(request: HttpRequest) -> dict:
    """Add to TEMPLATES' context_processors so every page's header shows the links."""
    return {"nav_links": nav_links(request)}
