"""The two routes of the lean verification path (config.lean): the same views and names as in the full
URL map (certificates.urls, certificates.api.urls), resolved without walking it."""

from django.urls import path, re_path

from certificates import views
from certificates.api import views as api_views

urlpatterns = [
    re_path(r"^[Cc]/(?P<digits>[^/]+)/?$", views.verify_token_page, name="verify-token"),
    path("api/v1/certificates/verify/", api_views.verify_view, name="api-certificate-verify"),
]

handler400 = "config.views.bad_request"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
