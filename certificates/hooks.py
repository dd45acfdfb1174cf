"""Registries that apps building on certificates fill in their AppConfig.ready(), so that certificates
imports none of them: the extra fields of the public register's rows (aftercare adds the publication
date of the decision that ended a licence) and what follows a status change in its own transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.hooks import register_once

# extension(rows) → {certificate_id: {field: value}} for a page of register rows, in one query.
RowExtension = Callable[[Sequence], dict[int, dict]]
# hook(*, certificate, event) → None, called inside the transaction that changed the status.
StatusChangeHook = Callable[..., None]

register_row_extensions: list[RowExtension] = []
status_change_hooks: list[StatusChangeHook] = []


def register_row_extension(extension: RowExtension) -> RowExtension:
    return register_once(register_row_extensions, extension)


def register_status_change_hook(hook: StatusChangeHook) -> StatusChangeHook:
    return register_once(status_change_hooks, hook)


def register_row_extras(rows: Sequence, defaults: dict) -> dict[int, dict]:
    """{certificate_id: extra fields} for a page of register rows: every registered extension's fields,
    over `defaults` (so a row nobody extends still has each field, e.g. None)."""
    extras: dict[int, dict] = {row.pk: dict(defaults) for row in rows}
    if not extras:
        return extras
    for extension in register_row_extensions:
        for pk, fields in extension(rows).items():
            if pk in extras:
                extras[pk].update(fields)
    return extras


def status_changed(*, certificate, event) -> None:
    """Run the status-change hooks (in the caller's transaction: a failing hook undoes the change)."""
    for hook in tuple(status_change_hooks):
        hook(certificate=certificate, event=event)
