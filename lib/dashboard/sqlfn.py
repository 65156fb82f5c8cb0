"""SQL expressions SQLite and PostgreSQL spell differently: an instant's day, days between, ISO
text, and several values packed into one text per row.

SQLite keeps instants as ISO text, so the day is its first ten characters (no date parsing per
row, which matters at a million rows); PostgreSQL casts. Both compare correctly with `Date`
columns and bound `date` values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, Date, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

SEPARATOR = "\x1f"
"""Between the values of `packed` (the ASCII unit separator)."""


class day_of(FunctionElement[Any]):
    """The UTC calendar day of an instant column (text on SQLite, date on PostgreSQL)."""

    type = Date()
    inherit_cache = True
    name = "day_of"


class days_between(FunctionElement[int]):
    """Whole calendar days from the second instant's day to the first's."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"substr({compiler.process(column, **kw)}, 1, 10)"


@compiles(day_of)
def _day_default(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"CAST({compiler.process(column, **kw)} AS DATE)"


@compiles(days_between, "sqlite")
def _between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"CAST(julianday(substr({later}, 1, 10)) - julianday(substr({earlier}, 1, 10)) AS INTEGER)"
    )


@compiles(days_between)
def _between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


class unindexed(FunctionElement[Any]):
    """The column, with SQLite told not to use its index (`+column`).

    Without statistics SQLite prefers any equality index, even one matching most rows (a closed
    status) over walking the index of the ORDER BY and stopping after a page.
    """

    inherit_cache = True
    name = "unindexed"

    # SQLAlchemy declares `type` a class attribute; here it is the wrapped column's, per instance,
    # so that comparisons bind like the column.
    @property
    def type(self) -> Any:  # type: ignore[override]
        (column,) = list(self.clauses)
        return column.type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"+{compiler.process(column, **kw)}"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return compiler.process(column, **kw)


class iso_instant(FunctionElement[str]):
    """An instant as `2026-03-02T09:30:00Z` text (UTC), formatted by the database."""

    type = String()
    inherit_cache = True
    name = "iso_instant"


class iso_day(FunctionElement[str]):
    """A date as `2026-03-02` text."""

    type = String()
    inherit_cache = True
    name = "iso_day"


@compiles(iso_instant, "sqlite")
def _iso_instant_sqlite(element: iso_instant, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    text = compiler.process(column, **kw)  # stored as naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`
    return f"(substr({text}, 1, 10) || 'T' || substr({text}, 12, 8) || 'Z')"


@compiles(iso_instant)
def _iso_instant_default(element: iso_instant, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    text = compiler.process(column, **kw)
    return f"to_char({text} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


@compiles(iso_day, "sqlite")
def _iso_day_sqlite(element: iso_day, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return compiler.process(column, **kw)


@compiles(iso_day)
def _iso_day_default(element: iso_day, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"to_char({compiler.process(column, **kw)}, 'YYYY-MM-DD')"


class packed(FunctionElement[Any]):
    """Text and integer values as one text per row, joined by SEPARATOR; NULL packs as nothing.

    A reader then takes one value per row from the driver instead of one per column. On SQLite
    the text comes back as its UTF-8 bytes (a BLOB: the driver does not decode it, the reader
    does not encode it again), on PostgreSQL as text. SQLite's `printf` stops at a NUL, which
    SQLite text may hold (PostgreSQL text cannot): a row whose stored text holds one packs as
    its first value and one separator more than the values, so the reader sees a row with the
    wrong number of separators, as it does for a value that holds the separator itself. Only
    text columns are checked: the others hold what SQLAlchemy wrote for them (numbers, ISO dates
    and instants), which has no NUL.
    """

    type = String()
    inherit_cache = True
    name = "packed"

    def __init__(self, *values: ColumnElement[Any] | InstrumentedAttribute[Any]) -> None:
        super().__init__(*values)
        for value in self.clauses:
            if not isinstance(value.type, String | Integer):
                raise TypeError(f"packed takes text and integers, not {value.type!r}")


def _stored_text(element: packed) -> list[Column[Any]]:
    """The text columns the values read, each once, in a stable order."""
    found: dict[tuple[str, str], Column[Any]] = {}
    for node in visitors.iterate(element):
        if isinstance(node, Column) and isinstance(node.type, String):
            found.setdefault((str(node.table), node.name), node)
    return [found[key] for key in sorted(found)]


def _sqlite_layout(layout: str) -> str:
    """A printf layout in which `|` stands for SEPARATOR (so the SQL stays printable)."""
    return f"replace('{layout}', '|', char({ord(SEPARATOR)}))"


@compiles(packed, "sqlite")
def _packed_sqlite(element: packed, compiler: SQLCompiler, **kw: Any) -> str:
    values = [compiler.process(c, **kw) for c in element.clauses]
    text = f"printf({_sqlite_layout('|'.join(['%s'] * len(values)))}, {', '.join(values)})"
    stored = [compiler.process(c, **kw) for c in _stored_text(element)]
    if stored:
        holds_nul = " OR ".join(f"instr({c}, char(0))" for c in stored)
        flagged = f"printf({_sqlite_layout('%s' + '|' * len(values))}, {values[0]})"
        text = f"CASE WHEN {holds_nul} THEN {flagged} ELSE {text} END"
    return f"CAST({text} AS BLOB)"


@compiles(packed)
def _packed_default(element: packed, compiler: SQLCompiler, **kw: Any) -> str:
    values = [compiler.process(c, **kw) for c in element.clauses]
    return f"concat({f', chr({ord(SEPARATOR)}), '.join(values)})"


class packed_rows(FunctionElement[Any]):
    """The `packed` values of a group in `key` order, joined by SEPARATOR (an aggregate).

    A batch of rows then reaches Python as one value: no driver or Python object per row. SQLite
    (3.40) has no ORDER BY inside an aggregate; it concatenates in the order its FROM subquery
    yields the rows, so the caller orders (and limits) that subquery and checks the order.
    """

    type = String()
    inherit_cache = True
    name = "packed_rows"


@compiles(packed_rows, "sqlite")
def _packed_rows_sqlite(element: packed_rows, compiler: SQLCompiler, **kw: Any) -> str:
    value, _key = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(group_concat({value}, char({ord(SEPARATOR)})) AS BLOB)"


@compiles(packed_rows)
def _packed_rows_default(element: packed_rows, compiler: SQLCompiler, **kw: Any) -> str:
    value, key = (compiler.process(c, **kw) for c in element.clauses)
    return f"string_agg({value}, chr({ord(SEPARATOR)}) ORDER BY {key})"
