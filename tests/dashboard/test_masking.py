"""The column twins of the masks write exactly what the value functions write, for any text.

`mask_emails` / `mask_names` mask the CSV register a batch at a time; `mask_email` / `mask_name`
mask one value (pages, fallback rows). Any difference would make the register depend on which
path a row took.
"""

from __future__ import annotations

import sys

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.dashboard.masking import (
    MASK,
    WHITESPACE,
    mask_email,
    mask_emails,
    mask_name,
    mask_names,
)

AWKWARD = st.sampled_from(
    [
        "a",
        "Z",
        "@",
        ".",
        " ",
        ",",
        '"',
        "=",
        "-",
        "\x00",
        "\x1f",
        "\t",
        "\n",
        "\r",
        "\u3000",
        "\x85",
        "\xa0",
        "\x1c",
        "\u200b",
        "é",
        "\u0301",
        "日",
        "😀",
        "\u202e",
    ]
)
TEXT = st.text(alphabet=AWKWARD, max_size=12) | st.text(max_size=12)
COLUMN = st.lists(TEXT | st.none(), max_size=30)


def test_whitespace_is_what_str_split_splits_on() -> None:
    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert every == WHITESPACE
    assert len(("x" + "x".join(WHITESPACE) + "x").split()) == len(WHITESPACE) + 1


@settings(max_examples=400)
@given(COLUMN)
def test_mask_emails_is_mask_email_per_value(values: list[str | None]) -> None:
    assert mask_emails(pa.array(values, pa.string())).to_pylist() == list(map(mask_email, values))


@settings(max_examples=400)
@given(COLUMN)
def test_mask_names_is_mask_name_per_value(values: list[str | None]) -> None:
    assert mask_names(pa.array(values, pa.string())).to_pylist() == list(map(mask_name, values))


@given(TEXT)
def test_a_masked_name_shows_initials_only(name: str) -> None:
    masked = mask_name(name)
    assert masked == "" or len(masked.replace(MASK, "").replace(". ", "").rstrip(".")) <= 2


def test_examples() -> None:
    emails = ["jane.doe@example.com", "x@localhost", "@mail.co.uk", "noat", ".@.", None, ""]
    assert mask_emails(pa.array(emails)).to_pylist() == [
        "j•••@e•••.com",
        "x•••@l•••",
        "•••@m•••.uk",
        "n•••@•••",
        ".•••@•••.",
        "",
        "",
    ]
    names = ["Jane Doe", "  Ana  María  López ", "Cher", "Jean\u3000Luc", " \t ", None]
    assert mask_names(pa.array(names)).to_pylist() == [
        "J. D•••",
        "A. L•••",
        "C.",
        "J. L•••",
        "",
        "",
    ]
