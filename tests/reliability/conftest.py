"""Fixtures of the reliability tests: the dashboard's test database (for AppTest pages)."""

from tests.dashboard.conftest import app_db  # noqa: F401 - the dashboard's database fixture
