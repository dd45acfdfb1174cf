"""What every app's hook registries share: a hook is registered once (a second registration of the same
function is a configuration error, e.g. an AppConfig.ready() run twice)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


def register_once(registry: list, hook: Callable) -> Callable:
    if hook in registry:
        raise ImproperlyConfigured(f"{hook!r} is registered twice.")
    registry.append(hook)
    return hook
