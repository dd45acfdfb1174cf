"""The supervisor's metrics dashboard and its downloads (included at the site root)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="metrics-dashboard"),
    path("dashboard/export/<slug:table>.<slug:fmt>", views.dashboard_export, name="metrics-export"),
]
