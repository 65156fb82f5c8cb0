"""The one escaping rule for every CSV Privacy Desk writes (reports, export packages).

OWASP CSV injection: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (OWASP ASVS 5.0, 1.2.10, adds NUL). Such text cells get a leading
`'`, which spreadsheets show as plain text; quoting of commas, quotes and newlines is left to
the `csv` module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\x00")
_RISKY = frozenset(FORMULA_PREFIXES)


def safe_cell(value: object) -> str:
    """The text to write for `value`: None → "", instants → ISO 8601 UTC, risky text escaped.

    Numbers are written as numbers (a negative number is data, not a formula); every other
    value is turned into text and escaped when it starts like a formula. Text is checked first:
    reports call this for every cell.
    """
    if value.__class__ is str:
        return f"'{value}" if value[:1] in _RISKY else value  # type: ignore[index]
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
