"""CSV reports: exact text (golden), formula-injection safety, masking, streaming, metrics."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from lib.core.csvsafe import FORMULA_PREFIXES, safe_cell
from lib.core.db import Database
from lib.dashboard import reports
from lib.dashboard.queries import Scope
from tests.helpers.reports import seed_report_requests


@pytest.fixture
def report_db(db: Database) -> Database:
    """Three requests with fixed times: answered, waiting (hostile text), rejected (quotes)."""
    return seed_report_requests(db)


GOLDEN_MASKED = (
    "reference,store,received_at,type,channel,regime,country,status,email,name,due_on,"
    "extended_due_on,verified_at,responded_at,days_to_respond,on_time,rejection_code\r\n"
    "DSR-2026-000001,demo-shop.myshopify.com,2026-03-02T09:30:00Z,access,logged_in,gdpr,DE,"
    "completed,j•••@e•••.com,J. D•••,2026-04-02,,2026-03-02T09:30:00Z,2026-03-20T10:30:00Z,18,"
    "true,\r\n"
    "DSR-2026-000002,demo-shop.myshopify.com,2026-03-05T09:30:00Z,access,guest,gdpr,FR,"
    "pending_verification,'-•••@e•••.com,'=.,2026-04-07,,,,,,\r\n"
    "DSR-2026-000003,demo-shop.myshopify.com,2026-03-10T09:30:00Z,access,staff,ccpa,US,"
    "rejected,a•••@e•••.com,A. S•••,2026-04-24,,2026-03-10T09:30:00Z,2026-03-12T09:30:00Z,2,"
    "true,other\r\n"
)


def _csv(db, **kw) -> str:
    return b"".join(reports.request_csv(db, Scope(), **kw)).decode()


def test_golden_register_masked_by_default(report_db):
    assert _csv(report_db) == GOLDEN_MASKED


def test_unmasked_register_escapes_formulas_and_quotes(report_db):
    text = _csv(report_db, columns=["reference", "email", "name"], unmask=True)
    assert text == (
        "reference,email,name\r\n"
        "DSR-2026-000001,jane@example.com,Jane Doe\r\n"
        'DSR-2026-000002,\'-x@example.com,"\'=HYPERLINK(""http://evil"",""x"")"\r\n'
        'DSR-2026-000003,ana@example.com,"Ana ""Q"", Smith"\r\n'
    )


def test_no_cell_starts_like_a_formula(report_db):
    for unmask in (False, True):
        rows = list(csv.reader(io.StringIO(_csv(report_db, unmask=unmask))))
        assert len(rows) == 4
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_PREFIXES), cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (-3, "-3"),
        (True, "true"),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05Z"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_register_streams_in_batches_and_filters_by_date(report_db):
    chunks = list(reports.request_csv(report_db, Scope(), ["reference"], batch_rows=1))
    assert len(chunks) == 4  # header + one chunk per row: never the whole result at once
    march = Scope(start=date(2026, 3, 4), end=date(2026, 3, 9))
    ranged = b"".join(reports.request_csv(report_db, march, ["reference"])).decode()
    assert ranged == "reference\r\nDSR-2026-000002\r\n"
    with pytest.raises(ValueError, match="unknown report columns"):
        list(reports.request_csv(report_db, Scope(), ["password"]))


def test_write_request_csv_counts_rows(report_db, tmp_path):
    out = tmp_path / "r.csv"
    assert reports.write_request_csv(report_db, out, Scope()) == 3
    assert out.read_bytes().decode() == GOLDEN_MASKED


def test_metrics_per_type_and_regime(report_db):
    table = reports.metrics(report_db, Scope())
    assert table.to_dict("records") == [
        {
            "regime": "ccpa",
            "type": "access",
            "received": 1,
            "complied_in_whole_or_part": 0,
            "denied": 1,
            "median_days_to_respond": 2.0,
            "mean_days_to_respond": 2.0,
        },
        {
            "regime": "gdpr",
            "type": "access",
            "received": 2,
            "complied_in_whole_or_part": 1,
            "denied": 0,
            "median_days_to_respond": 18.0,
            "mean_days_to_respond": 18.0,
        },
        {
            "regime": "all",
            "type": "all",
            "received": 3,
            "complied_in_whole_or_part": 1,
            "denied": 1,
            "median_days_to_respond": 10.0,
            "mean_days_to_respond": 10.0,
        },
    ]
    assert reports.metrics_csv(table).decode() == (
        "regime,type,received,complied_in_whole_or_part,denied,median_days_to_respond,"
        "mean_days_to_respond\r\n"
        "ccpa,access,1,0,1,2.0,2.0\r\n"
        "gdpr,access,2,1,0,18.0,18.0\r\n"
        "all,all,3,1,1,10.0,10.0\r\n"
    )
    assert reports.metrics(report_db, Scope(start=date(2027, 1, 1))).empty
