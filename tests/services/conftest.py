"""Fixtures shared with the web tests: a published local catalogue (two departments)."""

from tests.webapp.conftest import published  # noqa: F401
