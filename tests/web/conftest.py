"""Fixtures the HTTP tests share: two boards with an agency in common (tests/web/test_tenancy.py)."""

from tests.web.test_tenancy import two_boards  # noqa: F401 - a fixture for every module here
