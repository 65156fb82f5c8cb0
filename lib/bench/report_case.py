"""CSV report case: the full register (masked, injection-safe) written to a file by the function
`python -m lib report` uses, against the database's own CSV output of the same columns
(`sqlite3 -csv`, or `COPY … TO STDOUT (FORMAT csv)` on PostgreSQL).

The register reads each batch of rows packed into one value and writes it through Arrow, so the
SELECTs it sends are not the baseline's: the baseline is the register's plain SELECT
(`reports.register_query`: the same column expressions, joins, filter and order, neither masked
nor escaped), captured as the driver receives it when the engine runs it.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import time
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from lib.bench.cases import Case, Sample, Target
from lib.bench.rawsql import Statement, capture, driver_connection
from lib.core.db import Database, get_database

FALLBACK_BATCH = 10_000


def _out(target: Target, side: str) -> Path:
    return target.workdir / f"report_{side}_{target.n}.csv"


def csv_report(target: Target) -> Sample:
    """`lib.dashboard.reports.write_request_csv` over every request, identities masked."""
    from lib.dashboard.queries import Scope
    from lib.dashboard.reports import use_system_allocator, write_request_csv

    use_system_allocator()  # as the processes that write reports do at start
    db = get_database(target.database_url)
    out = _out(target, "measure")
    started = time.perf_counter()
    rows = write_request_csv(db, out, Scope(), unmask=False)
    seconds = time.perf_counter() - started
    size_mb = out.stat().st_size / 1e6
    out.unlink()
    return Sample(
        seconds,
        {
            "rows": rows,
            "file_mb": round(size_mb, 1),
            "rows_per_s": round(rows / seconds),
            "note": f"{rows:,} rows, {size_mb:,.0f} MB, {rows / seconds:,.0f} rows/s",
        },
    )


def _plain_register(db: Database) -> None:
    from lib.dashboard.queries import Scope
    from lib.dashboard.reports import register_query

    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(register_query(Scope()))
        result.fetchmany(1)  # the SELECT has been sent
        result.close()


@cache
def _statement(url: str) -> Statement:
    db = get_database(url)
    (statement,) = capture(db, lambda: _plain_register(db))
    return statement


def _sqlite_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _inline_sqlite(statement: Statement) -> str:
    """The qmark statement with its parameters written in (for the sqlite3 shell)."""
    parts = statement.sql.split("?")
    params = list(statement.params or ())
    if len(parts) != len(params) + 1:
        raise ValueError("cannot inline: a '?' in the statement is not a parameter")
    literals = [_sqlite_literal(p) for p in params] + [""]
    return "".join(part + literal for part, literal in zip(parts, literals, strict=True))


def _sqlite_shell(path: str, sql: str, out: Path) -> None:
    with out.open("wb") as handle:
        subprocess.run(["sqlite3", "-csv", "-header", path, sql], stdout=handle, check=True)


def _sqlite_module(path: str, sql: str, out: Path) -> None:
    """Fallback when the sqlite3 shell is missing: the sqlite3 module and csv.writer, streamed."""
    connection = sqlite3.connect(path)
    try:
        cursor = connection.execute(sql)
        with out.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([d[0] for d in cursor.description])
            while batch := cursor.fetchmany(FALLBACK_BATCH):
                writer.writerows(batch)
    finally:
        connection.close()


def _postgres_copy(db: Database, statement: Statement, out: Path) -> None:
    import psycopg

    connection = driver_connection(db)
    with psycopg.ClientCursor(connection) as client:
        select = client.mogrify(statement.sql, statement.params)
    copy_sql = f"COPY ({select}) TO STDOUT (FORMAT csv, HEADER)"
    with (
        connection.cursor() as cursor,
        out.open("wb") as handle,
        cursor.copy(copy_sql) as copy,
    ):
        for block in copy:
            handle.write(block)
    connection.rollback()


def csv_report_native(target: Target) -> Sample:
    """The register's plain SELECT written as CSV by the database's own tool."""
    db = get_database(target.database_url)
    statement = _statement(db.url)
    out = _out(target, "baseline")
    if db.is_sqlite:
        path = str(make_url(db.url).database)
        sql = _inline_sqlite(statement)
        write, tool = (
            (_sqlite_shell, "sqlite3 -csv")
            if shutil.which("sqlite3")
            else (_sqlite_module, "sqlite3 module + csv.writer")
        )
        started = time.perf_counter()
        write(path, sql, out)
    else:
        tool = "COPY (SELECT …) TO STDOUT (FORMAT csv)"
        started = time.perf_counter()
        _postgres_copy(db, statement, out)
    seconds = time.perf_counter() - started
    size_mb = out.stat().st_size / 1e6
    out.unlink()
    return Sample(seconds, {"tool": tool, "file_mb": round(size_mb, 1)})


CASES = (
    Case(
        "csv_report",
        "full request register CSV (masked, formula-escaped) to a file; peak RSS",
        csv_report,
        csv_report_native,
        "sqlite3 -csv / PostgreSQL COPY … TO STDOUT (FORMAT csv) of the register's plain SELECT",
    ),
)
