"""URL map: public pages, applicant and officer pages, the REST API, admin, docs."""

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import set_language

from config import views as site_views
from services import views as service_views

admin.site.site_header = _("通办 · 管理后台")
admin.site.site_title = _("通办管理后台")
admin.site.index_title = _("目录、日历、机关与人员")

api_v1 = [
    path("", include("services.api.urls")),
    path("", include("licensing.api.urls")),
    path("", include("certificates.api.urls")),
    path("", include("aftercare.api.urls")),
    path("", include("licensing.metrics.api_urls")),
    path("", include("supervision.api.urls")),
]

urlpatterns = [
    path("", service_views.home, name="home"),
    path("start/", site_views.start, name="start"),
    path("favicon.ico", RedirectView.as_view(url=static_url("favicon.ico"), permanent=True)),
    path("guide/", service_views.guide_list, name="service-guide"),
    path("guide/<slug:code>/", service_views.guide_detail, name="service-guide-detail"),
    path("accounts/login/", service_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", service_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("licensing.urls")),
    path("", include("licensing.metrics.urls")),
    path("", include("certificates.urls")),
    path("", include("aftercare.urls")),
    path("", include("supervision.urls")),
]

handler400 = "config.views.bad_request"

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
