"""Site-wide pages that belong to no app: the landing page after login (per role) and the error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token

from licensing.permissions import officer_of, officer_roles

# The queue filter (licensing.selectors.STAGES) that is an officer's own work, by role.
ROLE_STAGE = {
    "intake": "intake",
    "reviewer": "handling",
    "approver": "decision",
    "legal_reviewer": "legal_review",
}


def start_url(user) -> str:
    """Where a user starts: applicants their applications; an officer with one working role the queue
    at that stage (with several, the whole queue); a supervisor the dashboard; anyone else home."""
    if getattr(user, "applicant", None) is not None:
        return reverse("applications")
    if officer_of(user) is not None:
        roles = officer_roles(user)
        stages = [ROLE_STAGE[role] for role in ROLE_STAGE if role in roles]
        if len(stages) == 1:
            return f"{reverse('workbench')}?stage={stages[0]}"
        if stages:
            return reverse("workbench")
        if "supervisor" in roles:
            return reverse("metrics-dashboard")
    return reverse("home")


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: the role's own start page."""
    return redirect(start_url(request.user))


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400 with the site's header; a request too broken for the header (a refused Host) gets the plain page."""
    try:
        body = loader.render_to_string("400.html", {}, request=request)
    except Exception:  # the context processors read the request: fall back to the standalone page
        body = loader.render_to_string("400_plain.html", {})
    return HttpResponseBadRequest(body)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired or missing form token, explained with the site's header."""
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", {}, request=request))
