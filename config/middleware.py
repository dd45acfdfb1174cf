"""Production middleware: a request whose database connection was lost (the server restarted or an
administrator terminated the backend) is run once more on a new connection instead of answering 500.
Safe because the lost transaction was rolled back by the server: nothing of the first run committed."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

# Bodies up to this size are kept in memory so the view can read them a second time.
REPLAYABLE_BODY_BYTES = 1024 * 1024


def _lost_connections() -> list[str]:
    lost = []
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            lost.append(conn.alias)
    return lost


class RetryLostConnection:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if length > REPLAYABLE_BODY_BYTES:
            return None
        request.body  # noqa: B018 — read now, so the second run parses the same bytes
        try:
            return view_func(request, *view_args, **view_kwargs)
        except DatabaseError:
            lost = _lost_connections()
            if not lost or any(connections[alias].in_atomic_block for alias in lost):
                raise
            logger.warning("database connection lost during %s %s; running it again", request.method,
                           request.path)
            for alias in lost:
                connections[alias].close()
            for attribute in ("_cached_user", "auth"):
                request.__dict__.pop(attribute, None)
            return view_func(request, *view_args, **view_kwargs)
