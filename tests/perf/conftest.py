"""Fixtures for the performance-path tests: the workflow fixtures of tests/licensing."""

from tests.licensing.conftest import applicant, file_application, officers  # noqa: F401
