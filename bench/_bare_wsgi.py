"""The floor for the HTTP benchmark: a bare Django JSON view (no database, no middleware), served by
gunicorn exactly like Tongban."""

import django
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

settings.configure(DEBUG=False, SECRET_KEY="bench-only", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
                   MIDDLEWARE=[], INSTALLED_APPS=[], USE_TZ=True)
django.setup()


def bare(request):
    return JsonResponse({"verdict": "valid"})


urlpatterns = [path("bare/", bare)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
