"""The csv_report baseline is the database's CSV of the register's plain columns, not of the
packed SELECT the register itself sends (which would measure the packing against itself)."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from sqlalchemy.engine import make_url

from lib.bench.rawsql import capture
from lib.bench.report_case import _inline_sqlite, _sqlite_shell, _statement
from lib.core.db import Database
from lib.dashboard.queries import Scope
from lib.dashboard.reports import register_query, request_csv
from tests.helpers.reports import seed_report_requests


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_baseline_is_the_plain_select_not_the_packed_one(db: Database, tmp_path):
    seed_report_requests(db)
    sent = capture(db, lambda: b"".join(request_csv(db, Scope())))
    baseline = _statement(db.url)
    assert [s.sql for s in sent] != [baseline.sql]
    assert "printf" in sent[0].sql and "printf" not in baseline.sql
    if shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 shell")
    out = tmp_path / "shell.csv"
    _sqlite_shell(str(make_url(db.url).database), _inline_sqlite(baseline), out)
    shell = list(csv.reader(io.StringIO(out.read_text(), newline="")))
    with db.engine.connect() as conn:
        plain = conn.execute(register_query(Scope())).all()
    assert shell[0] == list(register_query(Scope()).selected_columns.keys())
    assert shell[1:] == [["" if v is None else str(v) for v in row] for row in plain]
    assert "jane@example.com" in out.read_text()  # unmasked
