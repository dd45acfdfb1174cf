"""Production: HTTPS only, secure cookies, PostgreSQL expected (DATABASE_URL)."""

import os

os.environ.setdefault("DEBUG", "false")

from .base import *  # noqa: E402,F403
from .base import env_bool

# Commands that must never run on a production database (seed_demo) ask this.
TONGBAN_PRODUCTION = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One shared state for every worker: Redis when REDIS_URL is set, with the database cache as its
# stand-in while Redis is unreachable; without Redis, the database cache alone. Never a per-process
# cache (rate limits would multiply by the workers). `migrate` creates the table (services.CacheEntry).
CACHES = {"fallback": {"BACKEND": "config.cache.AtomicDatabaseCache", "LOCATION": "tongban_cache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {"BACKEND": "config.cache.FailoverCache", "LOCATION": os.environ["REDIS_URL"],
                         "OPTIONS": {"FALLBACK": "fallback"}}
else:
    CACHES["default"] = CACHES["fallback"]

# A reused connection that the server closed (restart, idle kill, failover) is replaced at the start
# of the request instead of failing it; a connection lost inside a request is retried once
# (config.middleware.RetryLostConnection).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)  # noqa: F405
# Last, so that its view hook runs after every other one (CSRF included).
MIDDLEWARE = [*MIDDLEWARE, "config.middleware.RetryLostConnection"]  # noqa: F405
TONGBAN_LEAN_API_MIDDLEWARE = [*TONGBAN_LEAN_API_MIDDLEWARE, "config.middleware.RetryLostConnection"]  # noqa: F405
TONGBAN_LEAN_PAGE_MIDDLEWARE = [*TONGBAN_LEAN_PAGE_MIDDLEWARE, "config.middleware.RetryLostConnection"]  # noqa: F405
