"""The floor for the HTTP benchmark: a bare Django JSON view (no database, no middleware), served by
gunicorn exactly like Tongban; and the ceiling: the same view doing one ES256 verify of a token-sized
message (what no verification can avoid), asked with a GET or with the POST of a token's JSON body."""

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import django
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

settings.configure(DEBUG=False, SECRET_KEY="bench-only", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
                   MIDDLEWARE=[], INSTALLED_APPS=[], USE_TZ=True)
django.setup()

_KEY = ec.generate_private_key(ec.SECP256R1())
_PUBLIC = _KEY.public_key()
_MESSAGE = bytes(range(256)) # about the size of a certificate token's signed structure
_SIGNATURE = _KEY.sign(_MESSAGE, ec.ECDSA(hashes.SHA256()))


def bare(request):
    return JsonResponse({"verdict": "valid"})


def bare_verify(request):
    request.body  # noqa: B018 — a POST's JSON body is read (a GET has none)
    _PUBLIC.verify(_SIGNATURE, _MESSAGE, ec.ECDSA(hashes.SHA256()))
    return JsonResponse({"verdict": "valid"})


urlpatterns = [path("bare/", bare), path("bare-verify/", bare_verify)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
