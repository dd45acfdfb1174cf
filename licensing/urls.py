from django.urls import path

from . import views

urlpatterns = [
    path("applications/<int:pk>/materials/<int:submission_pk>/", views.material_file, name="material-file"),
    path("notices/<int:pk>/", views.notice_document, name="notice-document"),
    path("notifications/", views.notifications, name="notifications"),
    # applicant portal
    path("applications/", views.application_list, name="applications"),
    path("applications/new/", views.application_new, name="application-new"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/details/", views.application_details, name="application-details"),
    path("applications/<int:pk>/licence/", views.application_licence, name="application-licence"),
    path("applications/<int:pk>/materials/<slug:code>/", views.application_material, name="application-material"),
    path("applications/<int:pk>/check/", views.application_check, name="application-check"),
    path("applications/<int:pk>/submitted/", views.application_submitted, name="application-submitted"),
    path("applications/<int:pk>/resubmit/", views.application_resubmit, name="application-resubmit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw_page, name="application-withdraw"),
    # officer workbench and supervision
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/board/", views.board, name="board"),
    path("workbench/cases/<int:pk>/", views.workbench_case, name="workbench-case"),
    path("workbench/cases/<int:pk>/<slug:verb>/", views.workbench_action, name="workbench-action"),
    # public
    path("status/", views.status_query, name="status-query"),
]
