from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = _("证后管理")

    def ready(self) -> None:
        from licensing.licences import register_licence_check
        from licensing.workflow.sweep import register_sweep_hook

        from . import tasks  # noqa: F401  (register the after-licence tasks)
        from .renewal import renewal_window_check
        from .sweep import aftercare_sweep

        register_licence_check(renewal_window_check)
        register_sweep_hook("aftercare", aftercare_sweep)
