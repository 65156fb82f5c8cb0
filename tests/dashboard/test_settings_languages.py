"""Settings → Languages: the shop's language and the merchant's own texts, saved validated and
audited through the page (AppTest) and its logic (lib.dashboard.languages_view)."""

from __future__ import annotations

from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import RequestEvent
from lib.core.settings import all_settings
from lib.dashboard import languages_view
from lib.dashboard.roles import Role
from tests.dashboard.conftest import actor, page
from tests.helpers.stores import make_store


def _settings(db: Database) -> dict:
    with db.read() as session:
        return all_settings(session)


def _setting_events(db: Database) -> list[dict]:
    with db.read() as session:
        events = session.scalars(select(RequestEvent).where(RequestEvent.kind == "setting"))
        return [event.details for event in events]


def _button(at, label: str):
    return next(button for button in at.button if button.label == label)


def test_a_merchant_words_the_german_introduction_and_it_is_audited(app_db: Database) -> None:
    make_store(app_db)
    at = page("pages/settings.py", Role.MERCHANT).run()
    at.selectbox(key="pd_text_slot").set_value("text_page_intro").run()
    at.selectbox(key="pd_text_locale").set_value("de").run()
    box = at.text_area(key="pd_text_text_page_intro_de_value")
    assert box.placeholder == (
        "Sie können bei your store eine Kopie der personenbezogenen Daten anfordern, die über Sie "
        "gespeichert sind."
    )
    box.input("Fragen Sie uns, wir zeigen Ihnen alles, was wir über Sie wissen.")
    _button(at, "Save text").click().run()
    assert not at.error and any("Page: introduction saved" in s.value for s in at.success)
    intro = {"de": "Fragen Sie uns, wir zeigen Ihnen alles, was wir über Sie wissen."}
    assert _settings(app_db)["text_page_intro"] == intro
    [event] = _setting_events(app_db)
    assert event == {"key": "text_page_intro", "before": {}, "after": intro}

    _button(at, "Save settings").click().run()  # the general form does not undo the text
    assert _settings(app_db)["text_page_intro"] == intro


def test_markup_is_refused_on_the_page_and_nothing_changes(app_db: Database) -> None:
    make_store(app_db)
    at = page("pages/settings.py", Role.MERCHANT).run()
    at.selectbox(key="pd_text_slot").set_value("text_mail_verify").run()
    at.text_area(key="pd_text_text_mail_verify_en_value").input("<img src=x onerror=alert(1)>")
    _button(at, "Save text").click().run()
    assert any("must be plain text, without HTML or Liquid" in e.value for e in at.error)
    assert _settings(app_db)["text_mail_verify"] == {} and _setting_events(app_db) == []


def test_the_shop_language_is_chosen_by_its_name(app_db: Database) -> None:
    make_store(app_db)
    at = page("pages/settings.py", Role.MERCHANT).run()
    labels = [languages_view.language_label(code) for code in languages_view.languages()]
    assert "Deutsch (de)" in labels and "Português (Portugal) (pt-PT)" in labels
    shop = next(box for box in at.selectbox if box.label == "Shop language")
    shop.set_value("sv")
    _button(at, "Save shop language").click().run()
    assert _settings(app_db)["shop_language"] == "sv"
    assert _setting_events(app_db) == [{"key": "shop_language", "before": "en", "after": "sv"}]


def test_an_emptied_text_goes_back_to_the_built_in_one(app_db: Database) -> None:
    admin = actor("admin")
    assert languages_view.save_text(app_db, admin, "text_mail_received", "fr", "Merci !")
    assert languages_view.save_text(app_db, admin, "text_mail_received", "de", "Danke!")
    assert not languages_view.save_text(app_db, admin, "text_mail_received", "de", " Danke! ")
    assert languages_view.save_text(app_db, admin, "text_mail_received", "fr", "  ")
    assert _settings(app_db)["text_mail_received"] == {"de": "Danke!"}
