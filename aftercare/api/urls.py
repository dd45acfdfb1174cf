from django.urls import path

from . import views

urlpatterns = [
    path("cancellation-tasks/", views.CancellationTaskListView.as_view(), name="api-cancellation-tasks"),
    path("cancellation-tasks/<int:pk>/confirm/", views.CancellationConfirmView.as_view(),
         name="api-cancellation-confirm"),
    path("register/cancellations/", views.AnnouncementListView.as_view(), name="api-register-cancellations"),
    path("verification-tasks/", views.VerificationTaskListView.as_view(), name="api-verification-tasks"),
    path("verification-tasks/<int:pk>/record/", views.VerificationRecordView.as_view(),
         name="api-verification-record"),
]
