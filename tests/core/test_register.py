"""The processing register: shipped defaults marked to review, validated edits, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lib.core import register
from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.models import ProcessingRegister, RequestEvent, Store


def test_a_store_without_a_register_gets_unreviewed_defaults(db: Database, store: Store) -> None:
    with db.read() as session:
        found = register.load(session, store)
    assert not found.reviewed
    assert all(found.texts[key] for key in register.TEXT_KEYS)
    assert "owner@demo-shop.test" in found.texts["contact"]
    assert found.recipients[0].name == "Shopify International Limited"


def test_the_shops_country_names_its_authority(db: Database) -> None:
    shop = Store(shop_domain="x.myshopify.com", name="X", country="NL")
    assert "Autoriteit Persoonsgegevens" in register.defaults(shop)["authority"]


def test_an_edit_is_stored_audited_and_unreviewed_until_confirmed(
    db: Database, store: Store
) -> None:
    content = {**register.defaults(store), "purposes": "Selling tea."}
    with db.write() as session:
        assert register.save(session, store, content, "merchant@shop.test", reviewed=False)
    with db.read() as session:
        found = register.load(session, store)
        event = session.scalars(select(RequestEvent)).one()
    assert found.texts["purposes"] == "Selling tea." and not found.reviewed
    assert event.kind == "setting" and event.actor == "merchant@shop.test"
    assert event.details["changed"] == ["purposes"] and event.details["reviewed"] is False

    with db.write() as session:
        assert register.save(session, store, content, "compliance@shop.test", reviewed=True)
        assert not register.save(session, store, content, "compliance@shop.test", reviewed=True)
    with db.read() as session:
        found = register.load(session, store)
        assert verify_chain(session).ok
    assert found.reviewed and found.reviewed_by == "compliance@shop.test"

    edited = {**content, "retention": "Ten years."}
    with db.write() as session:
        register.save(session, store, edited, "merchant@shop.test", reviewed=False)
    with db.read() as session:
        assert not register.load(session, store).reviewed  # an edit is to review again


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"purposes": "  "}, "Purposes and legal bases is empty"),
        ({"retention": "x" * 4001}, "longer than 4,000 characters"),
        ({"recipients": [{"name": "", "country": "Ireland"}]}, "Recipient 1 has no name"),
        ({"recipients": [{"name": "A", "country": "x" * 301}]}, "country is over 300"),
    ],
)
def test_bad_edits_are_refused_with_a_sentence_and_change_nothing(
    db: Database, store: Store, change: dict, message: str
) -> None:
    content = {**register.defaults(store), **change}
    with db.write() as session, pytest.raises(register.RegisterError, match=message):
        register.save(session, store, content, "merchant@shop.test", reviewed=True)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ProcessingRegister)) == 0
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == 0


def test_empty_recipient_rows_from_the_table_editor_are_dropped(store: Store) -> None:
    content = {**register.defaults(store), "recipients": [{"name": "A"}, {"name": None}]}
    assert [r["name"] for r in register.validate(content)["recipients"]] == ["A"]
