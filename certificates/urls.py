from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(r"^[Cc]/(?P<digits>[^/]+)/?$", views.verify_token_page, name="verify-token"),
    path("verify/", views.verify_form, name="verify-form"),
    path("register/", views.register, name="register"),
    path(".well-known/tongban/trust-list.json", views.trust_list_json, name="trust-list"),
    path(".well-known/tongban/trust-list.cose", views.trust_list_signed, name="trust-list-signed"),
    path(".well-known/tongban/publisher-key.json", views.publisher_key, name="publisher-key"),
    path(".well-known/tongban/status/<str:kid>.cose", views.status_list, name="status-list"),
    path(".well-known/tongban/log-roots/", views.log_roots_index, name="log-roots"),
    re_path(r"^\.well-known/tongban/log-roots/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.cose$", views.log_root_file,
            name="log-root"),
    path("certificates/<int:pk>/", views.certificate_page, name="certificate-page"),
    path("certificates/<int:pk>/<slug:action>/", views.certificate_action, name="certificate-action"),
]
