"""The register's column-at-a-time escaping writes exactly what `safe_cell` cell by cell
would: same text for any mix of text, None and numbers, formula-like cells anywhere."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from lib.core.csvsafe import FORMULA_PREFIXES, safe_cell
from lib.dashboard.masking import mask_email
from lib.dashboard.reports import _batch_csv

TEXT = st.text(alphabet=st.sampled_from([*FORMULA_PREFIXES, "a", "\n", '"', ",", " ", "é"]))
CELL = st.one_of(TEXT, st.none(), st.integers(-5, 5), st.booleans(), st.floats(-2, 2))


def reference(rows: list[tuple[object, ...]], masks: list) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(m(v) if m else v) for m, v in zip(masks, row, strict=True)])
    return buffer.getvalue().encode()


@given(st.lists(st.tuples(CELL, CELL, TEXT), max_size=8))
def test_same_text_as_cell_by_cell(rows):
    masks = [None, None, None]
    assert _batch_csv(rows, masks) == reference(rows, masks)


@given(st.lists(st.tuples(TEXT | st.none(), st.integers(-3, 3) | st.none()), max_size=8))
def test_masked_columns_are_escaped_after_masking(rows):
    masks = [mask_email, None]
    assert _batch_csv(rows, masks) == reference(rows, masks)


def test_a_formula_after_a_line_break_is_still_left_alone_in_its_cell():
    rows = [("a\n=1",), ("=2",), (None,), ("",)]
    assert _batch_csv(rows, [None]) == b'"a\n=1"\r\n\'=2\r\n""\r\n""\r\n'
