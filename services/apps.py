from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("服务目录与日历")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
