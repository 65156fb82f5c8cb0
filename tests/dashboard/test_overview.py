"""The Overview page renders request counts by status from the database."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, open_request
from tests.conftest import make_store


def test_empty_database_says_what_to_do(app_db) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "pages/overview.py"), default_timeout=30).run()
    assert not at.exception
    assert "python -m lib demo" in at.info[0].value


def test_counts_by_status(app_db) -> None:
    store = make_store(app_db)
    with app_db.write() as session:
        for i, channel in enumerate([Channel.GUEST, Channel.GUEST, Channel.LOGGED_IN]):
            open_request(
                session,
                NewRequest(
                    store=store, type=RequestType.ACCESS, channel=channel, email=f"c{i}@example.com"
                ),
                actor="customer",
                at=datetime(2026, 11, 2, tzinfo=UTC),
            )
    at = AppTest.from_file(str(PROJECT_ROOT / "pages/overview.py"), default_timeout=30).run()
    assert not at.exception
    assert at.metric[0].value == "3"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1


def test_dashboard_frame_routes_to_overview(app_db) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
