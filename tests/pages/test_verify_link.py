"""The verification link works wherever Tongban runs: the QR host comes from TONGBAN_VERIFY_HOST (or the
site URL), `make run HOST=… PORT=…` hands the address to the steps that sign the demo's certificates, and
the QR of a demo certificate, opened as http://, answers on the running server."""

import datetime as dt
import subprocess
import urllib.request
from pathlib import Path

import pytest

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from certificates.core.qrdecode import decode_qr_from_pdf
from certificates.links import verify_host, verify_url
from certificates.models import Certificate

REPO = Path(__file__).resolve().parent.parent.parent


def test_the_qr_host_is_tongban_verify_host_when_set_else_the_site_url(settings):
    settings.TONGBAN_VERIFY_HOST = "192.168.1.20:8765"
    assert verify_host() == "192.168.1.20:8765"
    assert verify_url(cose=b"\x01").startswith("HTTPS://192.168.1.20:8765/C/")
    settings.TONGBAN_VERIFY_HOST = ""
    settings.TONGBAN_SITE_URL = "https://tongban.example.gov.cn"
    assert verify_url(cose=b"\x01").startswith("HTTPS://TONGBAN.EXAMPLE.GOV.CN/C/")


def test_make_run_passes_the_address_it_serves_to_seeding_simulation_and_server():
    done = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=8765", "TONGBAN_VERIFY_HOST=192.168.1.20:8765"],
                          cwd=REPO, capture_output=True, text=True, check=True)
    steps = [line for line in done.stdout.splitlines() if "manage.py" in line]
    for command in ("seed_demo", "init_keys", "simulate_history", "runserver 0.0.0.0:8765"):
        lines = [line for line in steps if command in line]
        assert lines, command
        assert all("TONGBAN_VERIFY_HOST=192.168.1.20:8765" in line for line in lines), command
        assert all("ALLOWED_HOSTS=127.0.0.1,localhost,192.168.1.20" in line for line in lines), command
    # Without TONGBAN_VERIFY_HOST the served address is the QR's.
    done = subprocess.run(["make", "-n", "run", "HOST=127.0.0.1", "PORT=8111"], cwd=REPO, capture_output=True,
                          text=True, check=True, env={"PATH": "/usr/bin:/bin"})
    assert "TONGBAN_VERIFY_HOST=127.0.0.1:8111 " in done.stdout


@pytest.mark.django_db(transaction=True)
def test_the_qr_of_a_demo_certificate_opens_its_verification_on_the_live_server(live_server, settings):
    host = live_server.url.removeprefix("http://")  # localhost:PORT; the QR says LOCALHOST:PORT
    settings.TONGBAN_VERIFY_HOST = host  # what `make run` exports to the demo steps
    devnull = open("/dev/null", "w")  # noqa: SIM115
    call_command("load_catalog", stdout=devnull)
    call_command("load_calendar", stdout=devnull)
    call_command("seed_demo", stdout=devnull)
    call_command("init_keys", stdout=devnull)
    end = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    call_command("simulate_history", "--from", "-40", "--to", end, "--seed", "11", "--with-certificates",
                 "--cohort", "", stdout=devnull)
    certificate = Certificate.objects.order_by("pk").first()
    assert certificate is not None, "the simulated history issued no certificate"
    scanned = decode_qr_from_pdf(certificate.pdf.read(), dpi=150)[0]
    assert scanned.startswith(f"HTTPS://{host.upper()}/C/")
    opened = "http" + scanned[len("HTTPS"):]  # the scheme aside, verbatim: upper-case host and /C/
    with urllib.request.urlopen(opened, timeout=30) as response:
        assert response.status == 200
        body = response.read().decode()
    assert 'data-verdict="valid"' in body and certificate.number in body
    # The certificate page's button opens the verification on the server it came from.
    page = Client()
    page.force_login(certificate.application.applicant.user)
    body = page.get(f"/certificates/{certificate.pk}/").content.decode()
    assert f'href="/C/{scanned.rsplit("/C/", 1)[1]}"' in body
