from django.urls import path

from . import views

urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="api-services"),
    path("services/<slug:code>/", views.ServiceDetailView.as_view(), name="api-service-detail"),
    path("calendar/add-working-days/", views.AddWorkingDaysView.as_view(), name="api-calendar-add"),
    path("calendar/working-days/", views.WorkingDaysView.as_view(), name="api-calendar-count"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
]
