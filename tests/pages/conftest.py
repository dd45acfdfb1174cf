"""Fixtures for the site-wide pages: the licensing accounts and filings."""

from tests.licensing.conftest import applicant, at, file_application, officers, recommend  # noqa: F401
