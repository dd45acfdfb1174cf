"""Metrics API routes (included under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("metrics/processing-times/", api.ProcessingTimesView.as_view(), name="api-metrics-processing-times"),
    path("metrics/cases/", api.CasesView.as_view(), name="api-metrics-cases"),
]
