"""Display labels for widget options.

Module-level functions (not lambdas) because the session state must pickle, and AppTest keeps
each widget's `format_func` there.
"""

from __future__ import annotations

from collections.abc import Mapping

from lib.core.deadlines import REGIME_LABELS, Regime


def words(value: str | None) -> str:
    """`pending_verification` → `pending verification`; None → `All`."""
    return "All" if value is None else value.replace("_", " ")


def regime(value: str | None) -> str:
    """A regime's legal name; None → `All regimes`."""
    if value is None:
        return "All regimes"
    try:
        return REGIME_LABELS[Regime(value)]
    except ValueError:
        return value


def request_type(value: str | None) -> str:
    """A request type in words; None → `All types`."""
    return "All types" if value is None else value.replace("_", " ")


def store(names: Mapping[int, str], value: int | None) -> str:
    """A store's name (bind `names` with functools.partial); 0 or None → `All stores`."""
    return "All stores" if not value else names.get(value, str(value))


def customer(people: list[str], index: int) -> str:
    """The `index`-th search result's label, escaped (bind `people` with functools.partial)."""
    return plain(people[index])


_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()!|<>~$:"} | {"\n": " ", "\r": " "})


def plain(text: object) -> str:
    """Text from customers or mails, escaped so that Streamlit shows it as typed: no links,
    images, emphasis, math, icons or autolinked URLs can come from a name, and it stays on one
    line (markdown elements and widget labels)."""
    return "" if text is None else str(text).translate(_MARKDOWN)
