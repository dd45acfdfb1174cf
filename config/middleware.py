"""Production middleware: a request whose database connection was lost (the server restarted or an
administrator terminated the backend) is run again on a new connection instead of answering 500.
Safe because the lost transaction was rolled back by the server: nothing of the first run committed
(a connection lost during the COMMIT itself leaves it open whether the act committed: the next run
of a case's act then finds its own receipt and answers the committed success, licensing.verbs)."""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# Bodies up to this size are kept in memory so the view can read them again.
REPLAYABLE_BODY_BYTES = 1024 * 1024
# Runs after the first, 0.25, 0.5, then 1 s apart, for as long as RETRY_SECONDS have not passed since
# the first failure: a server restarting, or a burst of terminated backends (each of which also
# kills the new connection of the run before), may last several seconds. A fixed 4 runs over 4 s
# ran out during a 7 s burst and answered 500 to acts that could be answered.
RETRY_SECONDS = 12.0
RETRY_PAUSE_SECONDS = 0.25
RETRY_PAUSE_MAX_SECONDS = 1.0


def connection_lost(exc: DatabaseError) -> bool:
    """The database connection failed, not the statement: an InterfaceError, or an OperationalError
    from the driver without a SQLSTATE (the socket closed) or of class 08 (connection exception) or
    57P (the server terminated the backend or is shutting down). Django may already have opened a new
    connection by then (after the failed rollback), so the connection's state cannot tell."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError) or exc.__cause__ is None:
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def _drop_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()


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
        request.body  # noqa: B018 — read now, so that another run parses the same bytes
        first_failure = None
        attempt = 0
        while True:
            try:
                return view_func(request, *view_args, **view_kwargs)
            except DatabaseError as exc:
                if not connection_lost(exc):
                    raise
                now = time.monotonic()
                first_failure = now if first_failure is None else first_failure
                pause = min(RETRY_PAUSE_SECONDS * 2 ** attempt, RETRY_PAUSE_MAX_SECONDS)
                exhausted = now + pause - first_failure > RETRY_SECONDS
                if exhausted or any(c.in_atomic_block for c in connections.all(initialized_only=True)):
                    logger.warning("database connection lost during %s %s; not run again: %s", request.method,
                                   request.path, "retries exhausted" if exhausted else "inside a transaction")
                    raise
                logger.warning("database connection lost during %s %s; running it again", request.method,
                               request.path)
                _drop_broken_connections()
                for attribute in ("_cached_user", "auth"):
                    request.__dict__.pop(attribute, None)
                time.sleep(pause)
                attempt += 1
