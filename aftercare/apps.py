from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = _("证后管理")

    def ready(self) -> None:
        from certificates.hooks import register_row_extension, register_status_change_hook
        from licensing.api.serializers import detail_extensions
        from licensing.hooks import (
            register_approval_hook,
            register_board_source,
            register_case_panel,
            register_commitment_bar,
            register_queue_source,
        )
        from licensing.licences import register_licence_check
        from licensing.workflow.sweep import register_sweep_hook

        from . import tasks, wording  # noqa: F401  (register the after-licence tasks and notice builders)
        from .publications import publication_on_decision, publications_record, register_publication_dates
        from .renewal import renewal_window_check
        from .selectors import case_extension
        from .sweep import aftercare_sweep
        from .verification import commitment_bar, verification_open
        from .watch import board_source, case_panel, queue_source

        register_licence_check(renewal_window_check)
        register_sweep_hook("aftercare", aftercare_sweep)
        # after the expiries above: their publication records are opened the same day
        register_sweep_hook("aftercare-publications", publications_record)
        # a revocation or cancellation is published in its own transaction; the register shows the date
        register_status_change_hook(publication_on_decision)
        register_row_extension(register_publication_dates)
        register_approval_hook(verification_open)
        register_commitment_bar(commitment_bar)
        register_board_source(board_source)
        register_queue_source(queue_source)
        register_case_panel(case_panel)
        detail_extensions.append(case_extension)
