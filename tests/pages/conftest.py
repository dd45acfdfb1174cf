"""Fixtures for the site-wide pages: the licensing accounts and filings, an issued certificate."""

from tests.certificates.conftest import issued  # noqa: F401
from tests.licensing.conftest import applicant, at, file_application, officers, recommend  # noqa: F401
