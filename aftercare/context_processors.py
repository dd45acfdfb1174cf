"""Header links to the after-licence pages (added to TEMPLATES' context_processors)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from licensing.permissions import officer_of, officer_roles


def nav(request) -> dict:
    user = getattr(request, "user", None)
    links = []
    if user is not None and user.is_authenticated:
        if getattr(user, "applicant", None) is not None:
            links.append({"url": reverse("aftercare-licences"), "label": _("我的许可证")})
        if officer_of(user) is not None:
            links.append({"url": reverse("aftercare-tasks"), "label": _("证后任务")})
            if "supervisor" in officer_roles(user):
                links.append({"url": reverse("aftercare-board"), "label": _("证后监察")})
    return {"aftercare_links": links}
