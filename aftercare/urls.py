from django.urls import path

from . import views

urlpatterns = [
    path("licences/", views.licences, name="aftercare-licences"),
    path("licences/<int:pk>/", views.licence_detail, name="aftercare-licence"),
    path("applications/<int:pk>/rating/", views.rating, name="aftercare-rating"),
    path("aftercare/tasks/", views.tasks, name="aftercare-tasks"),
    path("aftercare/board/", views.supervisor_board, name="aftercare-board"),
]
