from django.urls import path

from . import ratings, reports, views

urlpatterns = [
    path("cancellation-tasks/", views.CancellationTaskListView.as_view(), name="api-cancellation-tasks"),
    path("cancellation-tasks/<int:pk>/confirm/", views.CancellationConfirmView.as_view(),
         name="api-cancellation-confirm"),
    path("register/cancellations/", views.AnnouncementListView.as_view(), name="api-register-cancellations"),
    path("verification-tasks/", views.VerificationTaskListView.as_view(), name="api-verification-tasks"),
    path("verification-tasks/<int:pk>/record/", views.VerificationRecordView.as_view(),
         name="api-verification-record"),
    path("annual-reports/", reports.ReportListView.as_view(), name="api-annual-reports"),
    path("annual-reports/form/", reports.ReportFormView.as_view(), name="api-annual-report-form"),
    path("annual-reports/missing/", reports.MissingReportsView.as_view(), name="api-annual-reports-missing"),
    path("annual-reports/rates/", reports.ReportRatesView.as_view(), name="api-annual-report-rates"),
    path("annual-reports/<int:pk>/", reports.ReportDetailView.as_view(), name="api-annual-report"),
    path("annual-reports/<int:pk>/review/", reports.ReportReviewView.as_view(), name="api-annual-report-review"),
    path("applications/<int:pk>/rating/", ratings.RatingView.as_view(), name="api-application-rating"),
    path("rectification-tasks/", ratings.RectificationListView.as_view(), name="api-rectification-tasks"),
    path("rectification-tasks/<int:pk>/callback/", ratings.CallbackView.as_view(), name="api-rectification-callback"),
    path("metrics/satisfaction/", ratings.SatisfactionView.as_view(), name="api-metrics-satisfaction"),
]
