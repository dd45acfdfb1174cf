from django.urls import path

from . import views

urlpatterns = [
    path("supervision/", views.home, name="supervision-home"),
    path("supervision/plans/<int:pk>/", views.plan_detail, name="supervision-plan"),
    path("supervision/plans/<int:pk>/draw/", views.plan_draw, name="supervision-plan-draw"),
    path("supervision/inspections/", views.my_inspections, name="supervision-inspections"),
    path("supervision/inspections/<int:pk>/", views.inspection_page, name="supervision-inspection"),
    path("supervision/reviews/<int:pk>/", views.review_page, name="supervision-review"),
    path("supervision/reviews/<int:pk>/report.xlsx", views.review_report, name="supervision-review-report"),
    # public (双随机、一公开)
    path("inspection-draws/", views.public_draws, name="public-draws"),
    path("inspection-draws/<int:pk>/", views.public_draw, name="public-draw"),
    path("case-reviews/<int:pk>/", views.public_review, name="public-review"),
]
