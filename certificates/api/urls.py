from django.urls import path

from . import views

urlpatterns = [
    path("certificates/verify/", views.verify_view, name="api-certificate-verify"),
    path("certificates/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="api-certificate-pdf"),
    path("certificates/<int:pk>/<slug:action>/", views.CertificateActionView.as_view(),
         name="api-certificate-action"),
    path("register/", views.RegisterView.as_view(), name="api-register"),
]
