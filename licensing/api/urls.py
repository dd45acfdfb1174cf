from django.urls import path

from . import licences, notices, notifications, views

urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="api-applications"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="api-application"),
    path("applications/<int:pk>/materials/", views.MaterialUploadView.as_view(), name="api-application-materials"),
    path("applications/<int:pk>/commitments/", views.CommitmentView.as_view(), name="api-application-commitments"),
    *[path(f"applications/<int:pk>/{verb}/", view.as_view(), name=f"api-application-{verb}")
      for verb, view in views.VERB_VIEWS.items()],
    path("notices/<int:pk>/", notices.NoticeDetailView.as_view(), name="api-notice"),
    path("notices/<int:pk>/pdf/", notices.NoticePdfView.as_view(), name="api-notice-pdf"),
    path("notifications/", notifications.NotificationListView.as_view(), name="api-notifications"),
    path("licences/held/", licences.HeldLicencesView.as_view(), name="api-licences-held"),
    path("queue/", views.QueueView.as_view(), name="api-queue"),
    path("status/", views.StatusView.as_view(), name="api-status"),
]
