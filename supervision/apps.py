from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("双随机抽查与案卷评查")

    def ready(self) -> None:
        from licensing.hooks import register_board_source, register_queue_source
        from services.demo import demo_seeders

        from .demo import seed_demo_inspectors
        from .watch import board_source, queue_source

        if seed_demo_inspectors not in demo_seeders:
            demo_seeders.register(seed_demo_inspectors)
        register_board_source(board_source)
        register_queue_source(queue_source)
