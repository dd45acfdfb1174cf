"""The production caches: state every gunicorn worker shares (rate-limit and lock-out counters, cached
verification records). Redis when it answers; when it does not, Django's database cache in the same
PostgreSQL, so counters stay shared and nothing fails because Redis went away."""

from __future__ import annotations

import base64
import logging
import pickle
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now

import services.cache_errors

logger = logging.getLogger(__name__)

UNREACHABLE = services.cache_errors.UNREACHABLE


class AtomicDatabaseCache(DatabaseCache):
    """Django's database cache with an atomic `incr`: the base class reads the value and writes it
    back, so two workers counting the same request both write n + 1 and a rate limit lets through
    one request per worker too many. Here the row is locked for the read-modify-write (SELECT … FOR
    UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions take the write lock at BEGIN)."""

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                expression = models.Expression(output_field=models.DateTimeField())
                for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
                        connection):
                    expires = converter(expires, expression, connection)
            if row is None or expires < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                           [encoded, key])
        return value


class FailoverCache(BaseCache):
    """Redis first; while it is unreachable (refused, timed out), the cache alias named by
    OPTIONS["FALLBACK"] (an AtomicDatabaseCache). After a failure Redis is left alone for
    OPTIONS["RETRY_SECONDS"] (default 5) in this process, so an outage costs one short timeout per
    worker, not one per request; each switch is logged as a warning.

    Nothing kept here may be trusted over the database: what was written to one side during an
    outage is not on the other. Counters restart their window, which is all a rate limit loses; the
    verification records cache only what never changes (certificates.verification)."""

    def __init__(self, server, params):
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias = options.pop("FALLBACK", "fallback")
        self._retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        self._primary = RedisCache(server, {**params, "OPTIONS": options})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def fallback(self) -> BaseCache:
        return caches[self._fallback_alias]

    @property
    def primary_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, method: str, *args, **kwargs):
        if not self.primary_down:
            try:
                return getattr(self._primary, method)(*args, **kwargs)
            except UNREACHABLE as exc:
                with self._lock:
                    was_up = not self.primary_down
                    self._down_until = time.monotonic() + self._retry_seconds
                if was_up:
                    logger.warning("Redis cache unreachable (%s): using the database cache for %s s",
                                   exc, self._retry_seconds)
        return getattr(self.fallback, method)(*args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version)

    def decr(self, key, delta=1, version=None):
        return self._call("incr", key, -delta, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        return self._call("clear")

    def close(self, **kwargs):
        self._primary.close(**kwargs)
