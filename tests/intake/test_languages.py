"""The storefront page and the customer's mails in the customer's language, over real sockets:
uvicorn, signed app-proxy queries, aiosmtpd."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from lib.core import i18n
from lib.core.models import RequestEvent, Setting
from lib.core.settings import SettingError, set_setting
from lib.intake.languages import LIQUID_LOCALE
from lib.intake.pages import render
from lib.security import sign_app_proxy_query
from tests.intake.conftest import SHOP, Intake, add_customer, sqlite_only, verify_link
from tests.mail.smtp_sink import SmtpSink, html_part, text_part

PAGE = {  # the page's title and its button, as a native reader sees them
    "en": ("Customer Data Requests", "Request Data Export"),
    "de": ("Datenschutzanfragen", "Datenauskunft anfordern"),
    "fr": ("Demandes relatives aux données personnelles", "Demander une copie de mes données"),
    "es": ("Solicitudes sobre datos personales", "Solicitar mis datos"),
    "it": ("Richieste sui dati personali", "Richiedi i miei dati"),
    "nl": ("Privacyverzoeken", "Mijn gegevens opvragen"),
    "pt_PT": ("Pedidos relativos a dados pessoais", "Pedir os meus dados"),
    "pt_BR": ("Solicitações de dados pessoais", "Solicitar meus dados"),
    "pl": ("Wnioski dotyczące danych osobowych", "Poproś o kopię danych"),
    "sv": ("Förfrågningar om personuppgifter", "Begär mina uppgifter"),
    "da": ("Anmodninger om personoplysninger", "Anmod om mine data"),
}


def _set(intake: Intake, key: str, value: object) -> None:
    with intake.db.write() as session:
        set_setting(session, key, value, "test")


def _title(html: str) -> str:
    match = re.search(r'<h1 id="pd-title">([^<]*)</h1>', html)
    assert match, html
    return match.group(1)


@sqlite_only
def test_a_signed_storefront_request_in_each_language_renders_that_language(
    intake: Intake,
) -> None:
    assert set(PAGE) == set(i18n.languages())
    for locale, (title, button) in PAGE.items():
        for liquid in (False, True):
            response = intake.http.get(intake.page_url(liquid=liquid, locale=locale))
            assert response.status_code == 200, locale
            tag = i18n.html_lang(locale)
            assert f'lang="{tag}" dir="ltr"' in response.text
            assert _title(response.text) == title and f">{button}</button>" in response.text
            assert response.headers["content-language"] == tag
        logged_in = intake.http.get(intake.page_url("101", locale=locale)).text
        assert "Ada Lovelace" in logged_in and f">{button}</button>" in logged_in


@sqlite_only
def test_without_a_choice_the_browser_then_the_shop_language_decides(intake: Intake) -> None:
    headers = {"accept-language": "xx, sv-FI;q=0.9, en;q=0.5"}
    assert _title(intake.http.get(intake.page_url(), headers=headers).text) == PAGE["sv"][0]
    _set(intake, "shop_language", "it")
    assert _title(intake.http.get(intake.page_url()).text) == PAGE["it"][0]
    headers = {"accept-language": "zh-CN, *;q=0.1"}
    assert _title(intake.http.get(intake.page_url(), headers=headers).text) == PAGE["it"][0]


@sqlite_only
def test_a_language_folder_in_front_of_the_proxy_path_is_the_storefront_s(intake: Intake) -> None:
    params = {
        "shop": SHOP,
        "logged_in_customer_id": "",
        "path_prefix": f"/fr{intake.config.app_proxy_prefix}",
        "timestamp": str(int(time.time())),
        "view": "page",
    }
    query = sign_app_proxy_query(params, intake.config.shopify_api_secret)
    page = intake.http.get(f"{intake.config.app_proxy_prefix}?{query}")
    assert page.status_code == 200 and _title(page.text) == PAGE["fr"][0]


@sqlite_only
@pytest.mark.parametrize("raw", ["xx", "../../etc/passwd", "a" * 500, "de%00", "<b>", ""])
def test_an_unknown_or_malformed_locale_falls_back_cleanly(intake: Intake, raw: str) -> None:
    _set(intake, "shop_language", "da")
    before = intake.count(RequestEvent)
    response = intake.http.get(intake.page_url(locale=raw))
    assert response.status_code == 200
    assert 'lang="da"' in response.text and _title(response.text) == PAGE["da"][0]
    assert raw not in response.text or raw == ""
    assert intake.count(RequestEvent) == before


@sqlite_only
def test_the_picker_switches_language_and_keeps_the_signed_query_working(intake: Intake) -> None:
    page = intake.http.get(intake.page_url(locale="de")).text
    links = dict(re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang', page))
    assert sorted(links.values()) == sorted(
        i18n.html_lang(loc) for loc in i18n.languages() if loc != "de"
    )
    assert '<span aria-current="true" lang="de">Deutsch</span>' in page
    polish = next(url for url, lang in links.items() if lang == "pl").replace("&amp;", "&")
    assert "signature=" in polish and "locale=pl" in polish
    followed = intake.http.get(polish)
    assert followed.status_code == 200 and _title(followed.text) == PAGE["pl"][0]
    tampered = polish.replace("locale=pl", "locale=fr")
    assert intake.http.get(tampered).status_code == 401  # still Shopify's signature rules
    liquid = intake.http.get(intake.page_url(liquid=True, locale="de")).text
    assert '<a href="?locale=fr" lang="fr" hreflang="fr">Français</a>' in liquid


@sqlite_only
def test_the_liquid_form_posts_the_storefront_language_and_the_request_keeps_it(
    intake: Intake, smtp: SmtpSink
) -> None:
    fragment = intake.http.get(intake.page_url(liquid=True)).text
    assert f'<input type="hidden" name="locale" value="{LIQUID_LOCALE}">' in fragment
    assert LIQUID_LOCALE not in intake.http.get(intake.page_url()).text  # no Liquid on a page
    # Shopify renders {{ request.locale.iso_code }} before the customer sees the form.
    posted = intake.http.post(
        intake.page_url(liquid=True), data={"email": "ada@example.com", "locale": "pt-BR"}
    )
    assert posted.status_code == 200 and "Enviamos um e-mail" in posted.text
    [request] = intake.requests()
    assert request.locale == "pt_BR"
    assert intake.deliver() == 1
    [mail] = smtp.wait_for(1)
    assert mail["Subject"] == "Confirme sua solicitação de dados para Demo Shop"


@sqlite_only
@pytest.mark.parametrize(
    ("locale", "subject", "button", "date", "received", "body"),
    [
        (
            "de",
            "Bitte bestätigen Sie Ihre Datenanfrage an Demo Shop",
            "Anfrage bestätigen",
            r"Wir antworten spätestens am \d{1,2}\. \w+ 20\d\d\.",
            "Wir haben Ihre Datenanfrage erhalten (DSR-",
            "Vielen Dank, dass Sie Ihre Anfrage bestätigt haben.",
        ),
        (
            "fr",
            "Veuillez confirmer votre demande de données auprès de Demo Shop",
            "Confirmer la demande",
            r"Nous vous répondrons au plus tard le \d{1,2} \w+ 20\d\d\.",
            "Nous avons bien reçu votre demande de données (DSR-",
            "Merci d'avoir confirmé votre demande.",
        ),
    ],
)
def test_verification_and_confirmation_mails_arrive_over_smtp_in_the_request_s_language(
    intake: Intake,
    smtp: SmtpSink,
    locale: str,
    subject: str,
    button: str,
    date: str,
    received: str,
    body: str,
) -> None:
    page = intake.http.post(
        intake.page_url(locale=locale), data={"email": "ada@example.com", "locale": locale}
    )
    assert page.status_code == 200 and f'lang="{locale}"' in page.text
    assert intake.deliver() == 1
    [verify] = smtp.wait_for(1)
    assert verify["Subject"] == subject
    html = html_part(verify)
    assert f'<html lang="{locale}" dir="ltr">' in html and f">{button}</a>" in html
    assert re.search(rf"{button} ?: http", text_part(verify))
    landed = intake.http.get(verify_link(text_part(verify)), follow_redirects=True)
    assert landed.status_code == 200 and f'lang="{locale}"' in landed.text
    notice = "Your request has been verified. Your data will be sent to you shortly."
    assert i18n.gettext(locale, notice) in landed.text
    assert intake.deliver() == 2
    confirmation = smtp.to("ada@example.com")[-1]
    assert confirmation["Subject"].startswith(received)
    text = " ".join(text_part(confirmation).split())
    assert body in text and re.search(date, text), text
    assert "Hello" not in text and "Questions?" not in text


@sqlite_only
def test_names_in_any_script_stay_intact_in_mails(intake: Intake, smtp: SmtpSink) -> None:
    name = ("Zoë", "Łukasiewicz-山田 محمد")
    add_customer(intake.db, "202", *name, "zoe@example.com", country="PL")
    assert intake.http.post(intake.page_url("202", locale="pl")).status_code == 200
    assert intake.deliver() == 2
    [mail] = smtp.to("zoe@example.com")
    assert "Dzień dobry Zoë Łukasiewicz-山田 محمد," in text_part(mail)
    assert "Zoë Łukasiewicz-山田 محمد" in html_part(mail)
    assert mail["Subject"].startswith("Otrzymaliśmy Twój wniosek o dane (DSR-")


@sqlite_only
def test_merchant_texts_replace_the_built_in_ones_per_language_and_render_escaped(
    intake: Intake, smtp: SmtpSink
) -> None:
    intro = {"de": 'Wir von "Demo & Co" {schicken} Ihnen alles, was wir über Sie wissen.'}
    _set(intake, "text_page_intro", intro)
    _set(intake, "text_mail_verify", {"fr": "Quelqu'un a demandé vos données chez nous."})
    german = intake.http.get(intake.page_url(locale="de")).text
    assert "Wir von &#34;Demo &amp; Co&#34; &#123;schicken&#125; Ihnen alles" in german
    english = intake.http.get(intake.page_url(locale="en")).text
    assert "You can ask Demo Shop for a copy of the personal data it holds about you." in english
    intake.http.post(intake.page_url(locale="fr"), data={"email": "ada@example.com"})
    assert intake.deliver() == 1
    [mail] = smtp.wait_for(1)
    assert "Quelqu'un a demandé vos données chez nous." in text_part(mail)
    assert "Quelqu&#39;un a demandé vos données chez nous." in html_part(mail)


@sqlite_only
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"de": "<script>alert(1)</script>"}, "plain text"),
        ({"de": "Hallo {{ shop.name }}"}, "plain text"),
        ({"de": "x" * 601}, "at most 600"),
        ({"xx": "Hallo"}, "is not a language"),
        ({"../../etc": "Hallo"}, "is not a language"),
        ({"de": 5}, "takes text"),
        ("not json", "JSON object"),
    ],
)
def test_bad_merchant_texts_are_refused_and_change_nothing(
    intake: Intake, value: object, message: str
) -> None:
    events = intake.count(RequestEvent)
    with pytest.raises(SettingError, match=message), intake.db.write() as session:
        set_setting(session, "text_page_intro", value, "test")
    with intake.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Setting)) == 0
    assert intake.count(RequestEvent) == events


def test_a_right_to_left_locale_sets_the_page_direction() -> None:
    context = {
        "store_name": "متجر",
        "mode": "login_required",
        "customer_name": None,
        "notice": None,
        "error": None,
        "email": None,
        "done": False,
        "login_url": "/account/login",
        "intro": "نص",
        "languages": [],
        "liquid_locale": None,
        "title": "طلبات البيانات",
    }
    for liquid in (False, True):
        html = render("page.html.j2", context, liquid=liquid, locale="ar")
        assert 'lang="ar" dir="rtl"' in html and "متجر" in html


@sqlite_only
def test_refusal_pages_speak_the_browser_s_language(intake: Intake) -> None:
    dutch = {"accept-language": "nl-BE, nl;q=0.9"}
    download = intake.http.get(f"{intake.config.app_proxy_prefix}/download/forged", headers=dutch)
    assert download.status_code == 404 and '<html lang="nl" dir="ltr">' in download.text
    assert "Deze link is ongeldig" in download.text
    unsigned = intake.http.get(intake.config.app_proxy_prefix, headers={"accept-language": "fr"})
    assert unsigned.status_code == 401 and "Veuillez ouvrir cette page depuis la boutique" in (
        unsigned.text
    )
    _set(intake, "shop_language", "sv")
    assert (
        "Länken är ogiltig" in intake.http.get(f"{intake.config.app_proxy_prefix}/download/x").text
    )


@sqlite_only
def test_the_json_api_keeps_the_asked_language_else_mails_take_the_shop_s(
    intake: Intake, smtp: SmtpSink
) -> None:
    _set(intake, "shop_language", "fr")
    german = intake.http.post(
        intake.api_url("requests"),
        json={"email": "ada@example.com"},
        headers={"accept-language": "de"},
    )
    assert german.status_code == 202 and "Vielen Dank." in german.json()["message"]
    plain = intake.http.post(intake.api_url("requests"), json={"email": "bob@example.com"})
    assert plain.status_code == 202 and plain.json()["message"].startswith("Thank you.")
    assert [r.locale for r in intake.requests()] == ["de", None]
    assert intake.deliver() == 2
    subjects = {mail["To"]: mail["Subject"] for mail in smtp.wait_for(2)}
    assert subjects == {
        "ada@example.com": "Bitte bestätigen Sie Ihre Datenanfrage an Demo Shop",
        "bob@example.com": "Veuillez confirmer votre demande de données auprès de Demo Shop",
    }


@sqlite_only
def test_the_json_state_names_the_page_s_language(intake: Intake) -> None:
    query = intake.api_url("state").split("?", 1)[1]
    state = intake.http.get(
        f"{intake.config.app_proxy_prefix}/api/state?{query}", headers={"accept-language": "pt-BR"}
    ).json()
    assert state["locale"] == "pt-BR" and state["mode"] == "guest"
