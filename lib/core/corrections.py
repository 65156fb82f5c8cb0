"""What a correction request asks to change, as the customer stated it on the storefront.

`parse_correction` turns the form's inputs into the statement (free text) and the structured
values (only those given, trimmed, each within its length); `record_ask` keeps them beside the
request (`correction_asks`) for staff to review against the store's current values.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from lib.core.models import CorrectionAsk

STATEMENT_MAX = 2000
INPUTS: Mapping[str, tuple[str, int]] = {
    "first_name": ("first_name", 120),
    "last_name": ("last_name", 120),
    "new_email": ("email", 320),
    "phone": ("phone", 40),
    "address1": ("address1", 200),
    "city": ("city", 120),
}
"""Form input → (correction field, longest value kept)."""


def parse_correction(form: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """(statement, fields) from the storefront's inputs; blanks are left out."""
    statement = str(form.get("correction_note") or "").strip()[:STATEMENT_MAX]
    fields = {}
    for name, (field, longest) in INPUTS.items():
        value = " ".join(str(form.get(name) or "").split())[:longest]
        if value:
            fields[field] = value
    return statement, fields


def record_ask(session: Session, request_id: int, statement: str, fields: dict[str, str]) -> None:
    """Keep the stated correction beside its request (once; a repeat keeps the first)."""
    if session.get(CorrectionAsk, request_id) is None:
        session.add(CorrectionAsk(request_id=request_id, statement=statement, fields=fields))
