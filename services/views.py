"""Public pages of the catalog: home, the service guide (办事指南), and login."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .accounts import LoginLocked, authenticate_throttled, token_revoke
from .calendar import provisional_years


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "services/home.html", {"services": selectors.published_service_types()})


def _guide_rows(service_type):
    legacy, current = selectors.materials_counts(service_type=service_type)
    return {
        "service": service_type,
        "legacy_count": legacy,
        "current_count": current,
        "legacy_limit": selectors.legacy_limit(service_type=service_type),
    }


def guide_list(request: HttpRequest) -> HttpResponse:
    rows = [_guide_rows(s) for s in selectors.published_service_types()]
    return render(request, "services/guide_list.html", {"rows": rows})


def guide_detail(request: HttpRequest, code: str) -> HttpResponse:
    service_type = selectors.service_type_current(code=code)
    materials = list(service_type.materials.all())
    context = _guide_rows(service_type)
    context.update(
        {
            "submitted": [m for m in materials if m.mode in ("upload", "commitment")],
            "dropped": [m for m in materials if m.legacy and m.mode != "upload"],
            "components": selectors.service_type_component_versions(service_type=service_type),
            "provisional_years": provisional_years(today=timezone.localdate()),
        }
    )
    return render(request, "services/guide_detail.html", context)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form; django-axes counts failed attempts per username and client address."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_throttled(self.request, username=username, password=password)
            except LoginLocked as exc:
                raise ValidationError(str(exc), code="locked") from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST), which also revokes the user's API token."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            token_revoke(user=request.user)
        return super().post(request, *args, **kwargs)


