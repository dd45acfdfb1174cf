from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("申请与审批")

    def ready(self) -> None:
        from services.api.views import service_detail_extensions
        from services.calendar import calendar_changed_hooks
        from services.catalog.forms import FORMS, form_schema
        from services.demo import demo_seeders

        from . import tasks, wording  # noqa: F401  (register licensing's tasks and notice builders)
        from .demo import seed_demo_applicants
        from .metrics.services import case_metrics_recompute
        from .workflow import deadlines_recompute_years

        if deadlines_recompute_years not in calendar_changed_hooks:
            calendar_changed_hooks.append(deadlines_recompute_years)
            # Stored per-case working-day figures follow a corrected calendar too.
            calendar_changed_hooks.append(lambda years: case_metrics_recompute())
        service_detail_extensions.append(
            lambda service_type: {"form": form_schema(service_type.code)} if service_type.code in FORMS else {}
        )
        demo_seeders.register(seed_demo_applicants)
        from .api.serializers import detail_extensions

        detail_extensions.append(failed_jobs_field)


def failed_jobs_field(application, request) -> dict:
    """The case's side effects (issuing, notices) that failed for good in the outbox, with the reason,
    for the officers who read the internal record."""
    from services.tasks import failed_jobs

    from . import tasks
    from .permissions import sees_internal_record

    if not sees_internal_record(request.user, application):
        return {"failed_jobs": []}
    notifications = list(application.notifications.values_list("pk", flat=True))
    return {"failed_jobs": failed_jobs(name=tasks.issue_certificate.task_name, key="application_id",
                                       values=[application.pk])
            + failed_jobs(name=tasks.send_notification_email.task_name, key="notification_id", values=notifications)}
