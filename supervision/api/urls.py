from django.urls import path

from . import views

urlpatterns = [
    path("inspection-items/", views.InspectionItemsView.as_view(), name="api-inspection-items"),
    path("inspection-plans/", views.PlanListView.as_view(), name="api-inspection-plans"),
    path("inspection-plans/<int:pk>/", views.PlanDetailView.as_view(), name="api-inspection-plan"),
    path("inspection-plans/<int:pk>/draw/", views.PlanDrawView.as_view(), name="api-inspection-plan-draw"),
    path("public/inspection-draws/<int:pk>/", views.PublicDrawView.as_view(), name="api-public-inspection-draw"),
    path("inspections/", views.InspectionListView.as_view(), name="api-inspections"),
    path("inspections/<int:pk>/", views.InspectionDetailView.as_view(), name="api-inspection"),
    path("inspections/<int:pk>/record/", views.InspectionRecordView.as_view(), name="api-inspection-record"),
    path("inspections/<int:pk>/approve/", views.InspectionApproveView.as_view(), name="api-inspection-approve"),
    path("inspections/<int:pk>/sanction/", views.InspectionSanctionView.as_view(), name="api-inspection-sanction"),
    path("inspections/<int:pk>/attachments/", views.InspectionAttachmentView.as_view(),
         name="api-inspection-attachments"),
    path("case-reviews/", views.CaseReviewListView.as_view(), name="api-case-reviews"),
    path("case-reviews/<int:pk>/", views.CaseReviewDetailView.as_view(), name="api-case-review"),
    path("case-reviews/<int:pk>/draw/", views.CaseReviewDrawView.as_view(), name="api-case-review-draw"),
    path("case-reviews/<int:pk>/files/<str:case_number>/score/", views.CaseReviewScoreView.as_view(),
         name="api-case-review-score"),
    path("case-reviews/<int:pk>/report.xlsx", views.CaseReviewReportView.as_view(), name="api-case-review-report"),
    path("case-reviews/<int:pk>/report.pdf", views.CaseReviewPdfView.as_view(), name="api-case-review-pdf"),
    path("public/case-reviews/<int:pk>/", views.PublicCaseReviewView.as_view(), name="api-public-case-review"),
]
