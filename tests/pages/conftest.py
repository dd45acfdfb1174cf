"""Fixtures for the site-wide pages: the licensing accounts and filings, an issued certificate, the
random inspections' inspectors and targets."""

from tests.certificates.conftest import issued  # noqa: F401
from tests.licensing.conftest import applicant, at, file_application, officers, recommend  # noqa: F401
from tests.supervision.conftest import inspectors, items, manual_targets  # noqa: F401
