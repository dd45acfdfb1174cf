"""Tongban settings: everything configurable comes from environment variables (see README)."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TONGBAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "services",
    "licensing",
    "certificates",
    "aftercare",
    "supervision",
]

MIDDLEWARE = [
    # First: a body over TONGBAN_MAX_REQUEST_BYTES is refused (413) before it is read.
    "config.requestguard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Permissions-Policy everywhere; Cache-Control: no-store on personal answers (config/headers.py).
    "config.headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lock-out flagged during authentication into its response (services.accounts).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "services.context_processors.staff",
                "licensing.context_processors.nav",
                "aftercare.context_processors.nav",
                "config.context_processors.identity",
            ],
        },
    },
]


def sqlite_options() -> dict:
    """SQLite under concurrent officers: Django's default DEFERRED transactions read first and then
    fail at once with "database is locked" when two try to upgrade to a write. IMMEDIATE takes the
    write lock at BEGIN and waits up to SQLITE_TIMEOUT seconds for it, so the second officer sees
    the first one's commit (a 409, as on PostgreSQL); WAL lets reads go on during a write. The
    pragmas are harmless on `:memory:`, which keeps its own journal mode."""
    return {
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def database_from_url(url: str) -> dict:
    """Django's database settings from a DATABASE_URL, with the SQLite options for an SQLite URL."""
    config = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", False),
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**sqlite_options(), **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tongban.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 would need a C extension; PBKDF2-SHA256 with Django's iteration count is the strong default.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # each role's own start page (config.views.start_url)
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
LOGOUT_REDIRECT_URL = "home"
# Login lock-out (django-axes, attempts in the database so every worker sees them): LOGIN_THROTTLE_LIMIT
# failures for one username from one client address lock that combination (not the user everywhere, not
# the address for everyone) for LOGIN_THROTTLE_WINDOW seconds; admins unlock in the admin ("Access attempts").
LOGIN_THROTTLE_LIMIT = int(os.environ.get("LOGIN_THROTTLE_LIMIT", "5"))
LOGIN_THROTTLE_WINDOW = int(os.environ.get("LOGIN_THROTTLE_WINDOW", "900"))
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = LOGIN_THROTTLE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(seconds=LOGIN_THROTTLE_WINDOW)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock ends on time, whatever is tried meanwhile
AXES_CLIENT_IP_CALLABLE = "services.accounts.client_address"
AXES_LOCKOUT_CALLABLE = "services.accounts.lockout_response"
# Addresses or networks of the TLS proxies in front of Tongban: only a request from one of them has its
# X-Forwarded-For believed (the right-most untrusted hop is the client). Empty: the peer address counts.
TONGBAN_TRUSTED_PROXIES = env_list("TONGBAN_TRUSTED_PROXIES")
# API token lifetimes in hours: officers (and staff) 12, applicants 30 days.
TONGBAN_TOKEN_HOURS_OFFICER = float(os.environ.get("TONGBAN_TOKEN_HOURS_OFFICER", "12"))
TONGBAN_TOKEN_HOURS_APPLICANT = float(os.environ.get("TONGBAN_TOKEN_HOURS_APPLICANT", str(30 * 24)))

# Content-Security-Policy (django-csp): scripts only from our own static files (no inline script: the
# few page scripts live in config/static/js/), nothing embeds our pages, forms post only to us.
# Inline style attributes remain in a few templates and in Swagger UI/Redoc, hence 'unsafe-inline' for styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
TONGBAN_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()"
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# A request body is at most TONGBAN_MAX_REQUEST_BYTES (a 10 MB material and its form); uploads above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file; the non-file part of a body is at most 2.5 MB.
TONGBAN_MAX_REQUEST_BYTES = int(os.environ.get("TONGBAN_MAX_REQUEST_BYTES", str(12 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tongban@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "services.accounts.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with a depth limit, bounded numbers and no NUL or lone surrogates: bad input is a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "services.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "licensing.api.exceptions.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("THROTTLE_LOGIN", "10/min"),
        "verify": os.environ.get("THROTTLE_VERIFY", "120/min"),
        "verify_pdf": os.environ.get("THROTTLE_VERIFY_PDF", "10/min"),
        "status": os.environ.get("THROTTLE_STATUS", "30/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongban API",
    "DESCRIPTION": "Online administrative licensing: service guide, applications, certificates, metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI otherwise sends the schema URL to validator.swagger.io for its badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers (400, 401, 403, 404, 409, 413, 429): config/schema.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.add_error_responses"],
    # Several resources have a `state`: each choice set gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "licensing.constants.State",
        "CancellationStateEnum": "aftercare.constants.CancellationState",
        "VerificationStateEnum": "aftercare.constants.VerificationState",
        "AnnualReportStateEnum": "aftercare.constants.ReportState",
        "RectificationStateEnum": "aftercare.constants.RectificationState",
    },
}

# Task seam (services.tasks): without a broker, tasks run in-process after the transaction commits;
# with one they run on `celery -A config worker`, and `celery -A config beat` schedules the periodic ones.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # nothing waits for a task's result, so there is no result backend
# A task is acknowledged when it has run, so a worker lost mid-task leaves it to another (tasks are
# idempotent); each worker process reserves one message at a time, so long PDF renderings don't hold others.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks are sent after the request's commit: with the broker away, a short retry, then they run in-process.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# The deadline sweep (deemed acceptances, yellow and red alerts) runs this often under `celery beat`.
TONGBAN_SWEEP_INTERVAL_SECONDS = float(os.environ.get("TONGBAN_SWEEP_INTERVAL_SECONDS", "900"))

# Tongban domain settings.
TONGBAN_SITE_URL = os.environ.get("TONGBAN_SITE_URL", "http://127.0.0.1:8000")
# The host[:port] certificate QR codes point to; unset, the host of TONGBAN_SITE_URL (certificates.links).
TONGBAN_VERIFY_HOST = os.environ.get("TONGBAN_VERIFY_HOST", "")
TONGBAN_PROVINCE_ABBR = os.environ.get("TONGBAN_PROVINCE_ABBR", "滇")
TONGBAN_CJK_FONT = os.environ.get("TONGBAN_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# Key-encryption key for signing keys at rest (urlsafe base64, 32 bytes). Unset: a development key
# is generated once in TONGBAN_DEV_KEK_FILE, outside the repository.
TONGBAN_KEK = os.environ.get("TONGBAN_KEK", "")
TONGBAN_DEV_KEK_FILE = Path(
    os.environ.get("TONGBAN_DEV_KEK_FILE", Path.home() / ".config" / "tongban" / "dev-kek")
)
TONGBAN_DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "tongban-demo")
# Seconds a certificate's public record may be served from the cache on verification; only with a
# shared cache (REDIS_URL), because status changes clear it there for every worker.
TONGBAN_VERIFY_CACHE_SECONDS = int(
    os.environ.get("TONGBAN_VERIFY_CACHE_SECONDS", "300" if os.environ.get("REDIS_URL") else "0")
)
# The lean request path of verification (config/lean.py): the JSON verify API and the /C/ page are
# served by handlers with only these middleware (no session, authentication, messages or lock-out).
TONGBAN_LEAN_VERIFY = env_bool("TONGBAN_LEAN_VERIFY", True)
TONGBAN_LEAN_API_MIDDLEWARE = [
    "config.requestguard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.lean.AcceptLanguageMiddleware",
    "config.lean.HostAndLengthMiddleware",
    "config.headers.SecurityHeadersMiddleware",
    "config.lean.SettledPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The page's language switch is a POST form: it needs the CSRF cookie; its template may ask for a CSP
# nonce, so its policy comes from django-csp's middleware.
TONGBAN_LEAN_PAGE_MIDDLEWARE = [*TONGBAN_LEAN_API_MIDDLEWARE[:4], "django.middleware.csrf.CsrfViewMiddleware",
                                TONGBAN_LEAN_API_MIDDLEWARE[4], "csp.middleware.CSPMiddleware",
                                *TONGBAN_LEAN_API_MIDDLEWARE[6:]]
# Verified certificates whose immutable public record each worker keeps in memory (least recently
# verified dropped first; 0 turns it off). The live status is read from the database every time.
TONGBAN_VERIFY_LOCAL_RECORDS = int(os.environ.get("TONGBAN_VERIFY_LOCAL_RECORDS", "5000"))
# How long a worker may answer a certificate's status from memory (certificates.verification): while
# the status version read with each rate-limit count (Redis) is unchanged, and at most this many
# seconds after it read the status from the database, the bound for a change whose version could not
# be published (Redis unreachable at that moment). 0 reads the status from the database every time.
TONGBAN_VERIFY_STATUS_SECONDS = float(os.environ.get("TONGBAN_VERIFY_STATUS_SECONDS", "2"))
# A client allowed at least this many requests a window is counted in leases of several slots
# (certificates.ratelimit), each used for at most TONGBAN_RATE_LEASE_SECONDS.
TONGBAN_RATE_LEASE_MIN_LIMIT = int(os.environ.get("TONGBAN_RATE_LEASE_MIN_LIMIT", "1000"))
TONGBAN_RATE_LEASE_SECONDS = float(os.environ.get("TONGBAN_RATE_LEASE_SECONDS", "0.25"))
# Verification page requests per client address and minute.
TONGBAN_VERIFY_PAGE_LIMIT = int(os.environ.get("TONGBAN_VERIFY_PAGE_LIMIT", "60"))
# An uploaded PDF: at most this many pages are accepted for examination, only the QR code's page is
# rendered, within this many seconds; anonymous uploads have their own, stricter rate (THROTTLE_VERIFY_PDF).
TONGBAN_VERIFY_PDF_MAX_PAGES = int(os.environ.get("TONGBAN_VERIFY_PDF_MAX_PAGES", "10"))
TONGBAN_VERIFY_PDF_SECONDS = float(os.environ.get("TONGBAN_VERIFY_PDF_SECONDS", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_tokens": {"()": "config.logging.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
