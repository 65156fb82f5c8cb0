"""Merchant settings: declared as data, validated, stored and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.models import RequestEvent, SettingChange
from lib.core.settings import SPECS, SettingError, all_settings, get_setting, set_setting


def test_every_setting_is_documented_and_its_default_valid() -> None:
    from lib.core.settings import validate

    for spec in SPECS:
        assert spec.label and len(spec.help) > 20, spec.key
        assert validate(spec.key, spec.default) == spec.default


def test_defaults_until_changed(db: Database) -> None:
    with db.read() as session:
        assert all_settings(session)["guest_support"] is True
        assert get_setting(session, "verification_link_hours") == 72


def test_change_is_stored_and_audited(db: Database) -> None:
    with db.write() as session:
        change = set_setting(session, "guest_support", "off", "admin@shop.test")
    assert (change.before, change.after) == ("true", "false")
    with db.read() as session:
        assert get_setting(session, "guest_support") is False
        history = session.scalars(select(SettingChange)).all()
        event = session.scalars(select(RequestEvent)).one()
        assert verify_chain(session).ok
    assert [(h.key, h.actor) for h in history] == [("guest_support", "admin@shop.test")]
    assert event.kind == "setting" and event.details == {
        "key": "guest_support",
        "before": True,
        "after": False,
    }


def test_unchanged_value_records_nothing(db: Database) -> None:
    with db.write() as session:
        assert set_setting(session, "download_max", "3", "admin") is None
    with db.read() as session:
        assert session.scalars(select(SettingChange)).all() == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nope", "1", "unknown setting 'nope'; known: guest_support"),
        ("guest_support", "maybe", "takes true or false"),
        ("download_max", "lots", "takes a whole number"),
        ("download_max", "0", "takes 1 to 20"),
        ("default_regime", "mars", "takes one of gdpr, uk_gdpr"),
        ("merchant_email", "not-an-email", "takes an email address"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(db: Database, key, value, message) -> None:
    with pytest.raises(SettingError, match=message), db.write() as session:
        set_setting(session, key, value, "admin")
    with db.read() as session:
        assert session.scalars(select(SettingChange)).all() == []
