"""The one escaping rule for every CSV Privacy Desk writes (reports, export packages).

OWASP CSV injection: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (OWASP ASVS 5.0, 1.2.10, adds NUL). Such text cells get a leading
`'`, which spreadsheets show as plain text; quoting of commas, quotes and newlines is left to
the `csv` module.

`safe_cell` is the rule for one value. `csv_lines` is the same rule, plus `csv.writer`'s
quoting, for a whole batch of rows held as one Arrow string array: the request register writes
a million rows through it without a Python call per cell. It writes exactly what
`csv.writer(lineterminator="\\r\\n")` writes for `[safe_cell(v) for v in row]` (property-tested
in `tests/core/test_csvsafe.py`). Arrow is imported on first use, so the export worker,
which only needs `safe_cell`, does not load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\x00")
_RISKY = frozenset(FORMULA_PREFIXES)
QUOTED_WHEN = (",", '"', "\r", "\n")
"""`csv.writer` (QUOTE_MINIMAL, `lineterminator="\\r\\n"`) quotes a field holding one of these."""


def safe_cell(value: object) -> str:
    """The text to write for `value`: None → "", instants → ISO 8601 UTC, risky text escaped.

    Numbers are written as numbers (a negative number is data, not a formula); every other
    value is turned into text and escaped when it starts like a formula. Text is checked first:
    reports call this for every cell.
    """
    if value.__class__ is str:
        return f"'{value}" if value[:1] in _RISKY else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(cells: pa.Array, width: int, numbers: Sequence[bool] = ()) -> pa.Array:
    """One CSV line (ending in CRLF) per row of `cells`, rows laid out one after the other.

    `cells` holds text (None and "" are both written as nothing); the columns flagged in
    `numbers` hold the digits of integers, which `safe_cell` never escapes. Every prefix is a
    single ASCII byte, so "starts like a formula" is a look-up of each cell's first byte; the
    quoting test is a byte search of the batch's text, so cells are only matched one by one
    when some cell needs quotes. A row of one empty cell is `""`, as `csv.writer` writes it.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = cells.cast(pa.string()).fill_null("")
    risky = _starts_like_formula(cells)
    if any(numbers):
        risky &= ~np.tile(np.asarray(numbers, dtype=bool), len(cells) // width)
    if risky.any():
        escaped = pc.binary_join_element_wise("'", cells, "")
        cells = pc.if_else(pa.array(risky), escaped, cells)
    text = cells.buffers()[2]
    batch = b"" if text is None else text.to_pybytes()
    if any(c.encode() in batch for c in QUOTED_WHEN):
        quote = pc.match_substring_regex(cells, "[" + "".join(QUOTED_WHEN) + "]")
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(cells, '"', '""'), '"', "")
        cells = pc.if_else(quote, quoted, cells)
    if width == 1:
        cells = pc.if_else(pc.equal(cells, ""), '""', cells)
    starts = pa.array(np.arange(0, len(cells) + 1, width, dtype=np.int32))
    rows = pc.binary_join(pa.ListArray.from_arrays(starts, cells), ",")
    return pc.binary_join_element_wise(rows, "\r\n", "")


@cache
def _risky_bytes() -> np.ndarray:
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[[ord(p) for p in FORMULA_PREFIXES]] = True
    return table


def _starts_like_formula(cells: pa.Array) -> np.ndarray:
    """A bool per cell: its first byte is one of FORMULA_PREFIXES (each a single ASCII byte, so
    never the first byte of a longer UTF-8 character)."""
    import numpy as np

    _, offsets, text = cells.buffers()
    bounds = np.frombuffer(offsets, np.int32, len(cells) + 1, cells.offset * 4)
    if text is None or text.size == 0:
        return np.zeros(len(cells), dtype=bool)
    data = np.frombuffer(text, np.uint8)
    starts = bounds[:-1]
    risky: np.ndarray = (bounds[1:] > starts) & _risky_bytes()[
        data[np.minimum(starts, data.size - 1)]
    ]
    return risky


def text_of(lines: pa.Array) -> bytes:
    """The UTF-8 text of a string array's values, one after the other (no copy per value)."""
    import numpy as np

    _, offsets, text = lines.buffers()
    if text is None or len(lines) == 0:
        return b""
    bounds = np.frombuffer(offsets, np.int32, len(lines) + 1, lines.offset * 4)
    value: bytes = text.slice(int(bounds[0]), int(bounds[-1] - bounds[0])).to_pybytes()
    return value
