"""Customers with *All stores* search every store (each result names its store, the export
reads from the store of the picked result), against a running demo store serving two shops;
masked roles cannot confirm a person by searching a whole email or phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lib.core import config as process_config
from lib.core.db import Database
from lib.core.models import Request, Store
from lib.dashboard.masking import IDENTITY_SEARCH_REFUSED, identity_search_refusal
from lib.dashboard.roles import Role
from lib.store.demo_data import add_demo_customer
from tests.dashboard.conftest import page
from tests.helpers.stores import make_store
from tests.store.helpers import TOKEN, running_store

BERLIN, LYON = "demo-shop.myshopify.com", "lyon-shop.myshopify.com"


@pytest.fixture
def two_shops(app_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """Two stores, each with a different customer called Ada Lovelace, and the demo store."""
    stores = {BERLIN: make_store(app_db, BERLIN).id, LYON: make_store(app_db, LYON).id}
    with app_db.write() as session:
        session.get(Store, stores[LYON]).name = "Lyon Shop"
    add_demo_customer(app_db, email="ada@berlin.example", shop_domain=BERLIN, orders=1)
    add_demo_customer(
        app_db, email="ada@lyon.example", shop_domain=LYON, orders=2, phone="+33 4 7200 0000"
    )
    with running_store(app_db) as server:
        monkeypatch.setenv("DEMO_STORE_URL", server.url)
        monkeypatch.setenv("DEMO_STORE_TOKEN", TOKEN)
        monkeypatch.setenv("EXPORT_DIR", str(tmp_path / "exports"))
        process_config.get_config.cache_clear()
        yield stores


def search(at, text: str):
    at.text_input(key="pd_cu_query").input(text).run()
    assert not at.exception, at.exception
    return at


def test_all_stores_searches_every_store_and_names_the_store_of_each_result(app_db, two_shops):
    at = search(page("pages/customers.py", Role.MERCHANT).run(), "Lovelace")
    assert at.text_input(key="pd_cu_query").label == "Search all stores"
    options = [at.radio(key="pd_cu_pick").format_func(i) for i in range(2)]
    assert sorted(options) == [
        "Ada Lovelace \\<ada@berlin.example\\> · Demo Shop",
        "Ada Lovelace \\<ada@lyon.example\\> · Lyon Shop",
    ]
    lyon = next(i for i, o in enumerate(options) if "lyon" in o)
    at.radio(key="pd_cu_pick").set_value(lyon).run()
    assert "store Lyon Shop \\(lyon-shop.myshopify.com\\)" in at.caption[0].value
    popover_text = " ".join(c.value for c in at.caption)
    assert "Records a staff request for **Lyon Shop \\(lyon-shop.myshopify.com\\)**" in (
        popover_text
    )
    at.button(key="pd_cu_export").click().run()
    assert [s.value for s in at.success] == [
        "Export started for ada@lyon.example from Lyon Shop (lyon-shop.myshopify.com)"
    ]
    with app_db.read() as session:
        (request,) = session.scalars(select(Request))
        assert (request.email, request.store_id) == ("ada@lyon.example", two_shops[LYON])


def test_a_picked_store_is_the_only_one_searched(two_shops):
    at = page("pages/customers.py", Role.ADMIN)
    at.session_state["pd_store_id"] = two_shops[BERLIN]
    at = search(at.run(), "Lovelace")
    assert at.text_input(key="pd_cu_query").label == f"Search {BERLIN}"
    assert at.subheader[0].value == "Ada Lovelace"
    assert at.radio(key="pd_cu_pick").options == ["Ada Lovelace \\<ada@berlin.example\\>"]
    assert "ada@berlin.example" in at.caption[0].value
    at = search(at, "ada@lyon.example")
    assert f"No customer of {BERLIN} matches" in at.info[0].value


def test_no_match_in_any_store_says_so(two_shops):
    at = search(page("pages/customers.py", Role.MERCHANT).run(), "Turing")
    assert "No customer of any of the 2 stores matches 'Turing'" in at.info[0].value


@pytest.mark.parametrize(
    "term",
    ["jane.doe@example.com", "Jane.Doe@Example.COM ", "verified@example.com", "jane@",
     "+44 20 7946 0958", "030-1234567", "(030) 123 456"],
)  # fmt: skip
def test_whole_identities_are_refused_for_masked_roles(term):
    assert identity_search_refusal(term) == IDENTITY_SEARCH_REFUSED


@pytest.mark.parametrize("term", ["DSR-2026-000123", "Jane", "Doe", "@example.com", "2026", ""])
def test_references_and_parts_of_names_may_be_searched(term):
    assert identity_search_refusal(term) is None


def test_an_analyst_cannot_confirm_a_person_on_the_requests_page(seeded):
    at = page("pages/requests.py", Role.ANALYST).run()
    at.text_input(key="pd_rq_search").input("verified@example.com").run()
    assert [e.value for e in at.error] == [IDENTITY_SEARCH_REFUSED]
    assert not at.dataframe and "requests" not in " ".join(m.value for m in at.markdown)
    at.text_input(key="pd_rq_search").input("Jane").run()  # a part of a name still works
    assert not at.error and len(at.dataframe[0].value) == 1


def test_roles_that_see_identities_still_search_by_email(seeded):
    at = page("pages/requests.py", Role.COMPLIANCE).run()
    at.text_input(key="pd_rq_search").input("verified@example.com").run()
    assert not at.error and at.dataframe[0].value["email"].tolist() == ["verified@example.com"]


def test_an_export_from_a_request_names_the_store_it_reads_from(seeded):
    at = page("pages/request_detail.py", Role.MERCHANT, ref=seeded.refs["verified"]).run()
    button = at.button(key="pd_act_export")
    assert button.help == "Collects the customer's data from Demo Shop."
    button.click().run()
    assert [s.value for s in at.success] == ["Export queued: reading from Demo Shop"]
