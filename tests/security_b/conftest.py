"""Fixtures: the workflow's officers and filings, and an issued certificate, from the app suites."""

from tests.certificates.conftest import issued  # noqa: F401
from tests.licensing.conftest import applicant, file_application, officers  # noqa: F401
