"""`csv_lines` writes exactly what `csv.writer` writes for `[safe_cell(v) for v in row]`.

The register writes its batches through `csv_lines`; rows it cannot pack go through
`safe_cell` and `csv.writer`. Both must give the same bytes for any text, None or integer.
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.csvsafe import FORMULA_PREFIXES, QUOTED_WHEN, csv_lines, safe_cell, text_of

AWKWARD = st.sampled_from(
    [*FORMULA_PREFIXES, *QUOTED_WHEN, "a", " ", "'", "\x1f", "é", "😀", "\u2028", "1"]
)
TEXT = st.text(alphabet=AWKWARD, max_size=8) | st.text(max_size=8)


def written(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([safe_cell(v) for v in r] for r in rows)
    return buffer.getvalue().encode()


def lines_of(rows: list[list[object]], numbers: list[bool]) -> bytes:
    cells = [None if v is None else str(v) for row in rows for v in row]
    return text_of(csv_lines(pa.array(cells, pa.string()), len(numbers), numbers))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[object]], list[bool]]:
    numbers = draw(st.lists(st.booleans(), min_size=1, max_size=5))
    cell = {True: st.integers(-999, 999) | st.none(), False: TEXT | st.none()}
    rows = draw(st.lists(st.tuples(*(cell[n] for n in numbers)), max_size=10))
    return [list(r) for r in rows], numbers


@settings(max_examples=500)
@given(tables())
def test_same_bytes_as_csv_writer_and_safe_cell(table: tuple[list[list[object]], list[bool]]):
    rows, numbers = table
    assert lines_of(rows, numbers) == written(rows)


@pytest.mark.parametrize(
    ("row", "line"),
    [
        (["=1+1", "-2", "@x", "\tx", "\rx", "\x00x"], "'=1+1,'-2,'@x,'\tx,\"'\rx\",'\x00x"),
        (['a "q", b', "x\ny", None, ""], '"a ""q"", b","x\ny",,'),
        (["a\n=1", "'=1"], '"a\n=1",\'=1'),
    ],
)
def test_examples(row: list[object], line: str) -> None:
    assert lines_of([row], [False] * len(row)).decode() == line + "\r\n"


def test_numbers_are_never_escaped_and_one_empty_cell_is_quoted() -> None:
    assert lines_of([[-3, "-3"], [None, None]], [True, False]) == b"-3,'-3\r\n,\r\n"
    assert lines_of([[None], [""], ["x"]], [False]) == b'""\r\n""\r\n' + b"x\r\n"
    assert lines_of([], [False, True]) == b""
