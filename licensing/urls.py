from django.urls import path

from . import views

urlpatterns = [
    path("applications/<int:pk>/materials/<int:submission_pk>/", views.material_file, name="material-file"),
    path("notices/<int:pk>/", views.notice_document, name="notice-document"),
]
