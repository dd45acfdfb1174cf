"""A rung of the HTTP benchmark's ladder: Tongban's lean request path (config.lean, production settings,
the same explicit middleware and the same route) in front of a view that does only what no verification
can avoid: read the request body and make one ES256 verify of a token-sized message. What the real
endpoint costs beyond this rung is its own work: the token's digits and layout, the rate limit, the
status and the answer."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from django.conf import settings  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from config.lean import LeanHandler  # noqa: E402
from config.requestguard import CappedChunkedBody  # noqa: E402

_KEY = ec.generate_private_key(ec.SECP256R1())
_PUBLIC = _KEY.public_key()
_MESSAGE = bytes(range(256))  # about the size of a certificate token's signed structure
_SIGNATURE = _KEY.sign(_MESSAGE, ec.ECDSA(hashes.SHA256()))


@csrf_exempt
def body_and_verify(request):
    request.body  # noqa: B018 — the endpoint reads its JSON body
    _PUBLIC.verify(_SIGNATURE, _MESSAGE, ec.ECDSA(hashes.SHA256()))
    return JsonResponse({"verdict": "valid"})


urlpatterns = [path("api/v1/certificates/verify/", body_and_verify)]

application = CappedChunkedBody(LeanHandler(middleware=settings.TONGBAN_LEAN_API_MIDDLEWARE, urlconf=__name__))
