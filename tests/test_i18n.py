"""The translation catalogs and locale handling (lib.core.i18n): a catalog that misses a message,
keeps a fuzzy guess or changes a placeholder fails here, not in a customer's mail."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lib.core import i18n
from lib.core.config import PROJECT_ROOT

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt_PT", "pt_BR", "pl", "sv", "da")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
TAG = re.compile(r"</?[a-z]+")


def _extracted() -> set[str | tuple[str, ...]]:
    """Every msgid in the code and templates, as `make i18n-extract` finds them."""
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message if isinstance(message, str) else tuple(m for m in message if m)
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT, method_map, options_map
        )
    }


def _catalog(locale: str) -> Catalog:
    path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _messages(catalog: Catalog) -> dict[str | tuple[str, ...], Message]:
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}


def _forms(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def test_the_shipped_languages_are_the_catalogs() -> None:
    assert set(i18n.languages()) == set(LANGUAGES)
    assert i18n.languages()[0] == i18n.SOURCE_LOCALE
    names = [i18n.language_name(locale) for locale in LANGUAGES]
    assert len(set(names)) == len(names) and "Deutsch" in names and "Português (Brasil)" in names


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_message_is_translated_and_nothing_is_stale_or_fuzzy(locale: str) -> None:
    catalog = _catalog(locale)
    messages = _messages(catalog)
    wanted = _extracted()
    assert wanted, "nothing extracted: babel.cfg points nowhere"
    assert sorted(map(str, wanted - messages.keys())) == [], "run make i18n-update"
    assert sorted(map(str, messages.keys() - wanted)) == [], "stale entries: make i18n-update"
    assert not catalog.fuzzy
    for key, message in messages.items():
        assert "fuzzy" not in message.flags, key
        forms = _forms(message)
        if isinstance(key, tuple):
            assert len(forms) == catalog.num_plurals, (key, catalog.plural_forms)
        assert all(form.strip() for form in forms), f"{locale}: untranslated {key!r}"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_placeholders_and_markup_are_those_of_the_msgid(locale: str) -> None:
    for key, message in _messages(_catalog(locale)).items():
        source = key if isinstance(key, str) else key[-1]
        for form in _forms(message):
            assert Counter(PLACEHOLDER.findall(form)) == Counter(PLACEHOLDER.findall(source)), (
                f"{locale}: {form!r} does not keep the placeholders of {source!r}"
            )
            assert TAG.findall(form) == TAG.findall(source), (locale, form)
            if "%(" in source:  # formatted with its values: a stray % would raise here
                assert form % {name: 7 for name in re.findall(r"%\((\w+)\)", form)}


@pytest.mark.parametrize("locale", LANGUAGES)
def test_each_catalog_compiles_and_translates(locale: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, _catalog(locale))
    assert compiled.getbuffer().nbytes > 1000
    verify = i18n.gettext(locale, "Verify Request")
    assert (verify == "Verify Request") == (locale == "en")


def test_verify_request_keeps_its_meaning_of_confirming_the_request() -> None:
    expected = {
        "de": "Anfrage bestätigen",
        "fr": "Confirmer la demande",
        "es": "Confirmar solicitud",
        "it": "Conferma richiesta",
        "nl": "Verzoek bevestigen",
        "pt_PT": "Confirmar pedido",
        "pt_BR": "Confirmar solicitação",
        "pl": "Potwierdź wniosek",
        "sv": "Bekräfta begäran",
        "da": "Bekræft anmodning",
    }
    assert {locale: i18n.gettext(locale, "Verify Request") for locale in expected} == expected


def test_plural_forms_follow_the_language() -> None:
    forms = i18n.translations("pl").ngettext
    hours = (
        "The link works once, for %(count)s hour.",
        "The link works once, for %(count)s hours.",
    )
    assert [forms(*hours, n) % {"count": n} for n in (1, 3, 5, 22)] == [
        "Link działa jeden raz przez 1 godzinę.",
        "Link działa jeden raz przez 3 godziny.",
        "Link działa jeden raz przez 5 godzin.",
        "Link działa jeden raz przez 22 godziny.",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("DE_de", "de"),
        ("pt-BR", "pt_BR"),
        ("pt-pt", "pt_PT"),
        ("pt", "pt_BR"),
        ("fr-CA", "fr"),
        ("en-US", "en"),
        ("xx", None),
        ("zh-Hant-TW", None),
        ("../../etc", None),
        ("de/../../etc/passwd", None),
        ("a" * 500, None),
        ("de-" + "x" * 40, None),
        ("", None),
        (None, None),
        ("de\x00", None),
        ("<script>", None),
    ],
)
def test_parse_locale_accepts_only_catalog_locales(raw: str | None, expected: str | None) -> None:
    assert i18n.parse_locale(raw) == expected


def test_negotiation_falls_back_to_the_shop_then_the_source_language() -> None:
    assert i18n.negotiate(["xx", "../../etc", None, "sv-FI"], "de") == "sv"
    assert i18n.negotiate(["xx", "a" * 500], "da") == "da"
    assert i18n.negotiate(["xx"], "klingon") == "en"
    header = "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.95, *;q=0.5, nl;q=0, it;q=oops"
    assert i18n.accept_language(header) == ["fr-CH", "de", "fr", "en"]
    assert i18n.accept_language(None) == [] and i18n.accept_language(";;,,q=") == []


def test_dates_and_numbers_are_written_the_locale_s_way() -> None:
    day, instant = date(2027, 1, 11), datetime(2026, 12, 11, 20, 5, tzinfo=UTC)
    formats = {locale: i18n.formatters(locale) for locale in ("en", "de", "fr", "pl")}
    assert [formats[loc]["date"](day) for loc in formats] == [
        "January 11, 2027",
        "11. Januar 2027",
        "11 janvier 2027",
        "11 stycznia 2027",
    ]
    assert formats["de"]["datetime"](instant) == "11. Dezember 2026, 20:05 UTC"
    assert formats["de"]["number"](1234567.5) == "1.234.567,5"
    assert formats["fr"]["money"]("1234.5", "EUR") == "1\u202f234,50\u00a0€"
    assert formats["en"]["money"]("1234.5", "USD") == "$1,234.50"


def test_text_direction_comes_from_the_locale() -> None:
    assert {i18n.text_direction(locale) for locale in LANGUAGES} == {"ltr"}
    assert i18n.text_direction("ar") == "rtl" and i18n.text_direction("he") == "rtl"
    assert i18n.html_lang("pt_BR") == "pt-BR"
