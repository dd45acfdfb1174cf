"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from config.lean import LeanDispatch  # noqa: E402 — needs the settings loaded above
from config.requestguard import CappedChunkedBody  # noqa: E402

# Certificate verification (the JSON verify API and /C/ pages) takes the lean path (config/lean.py).
application = CappedChunkedBody(LeanDispatch(application))
