"""Report links over a real socket (uvicorn, SQLite and PostgreSQL): a valid link streams exactly
what `request_csv` writes, chunked, once, and audited; forged, expired, reused and wrong-role
links are refused with a short answer and change nothing."""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import RequestEvent, utcnow
from lib.dashboard import actions, report_links
from lib.dashboard.queries import Scope
from lib.dashboard.report_links import LINK_SECONDS, ReportGrant
from lib.dashboard.reports import request_csv
from lib.dashboard.roles import PermissionDenied, Role
from lib.security import issue_token
from tests.dashboard.conftest import Seeded, actor, seed_requests, signed_in
from tests.helpers.report_links import ALL, BASE, config_for, serving, state


@pytest.fixture
def seeded_db(db: Database) -> Seeded:
    return seed_requests(db)


EVERYTHING = Scope()


def link(db: Database, role: Role | str, scope: Scope = EVERYTHING, **kw: object) -> str:
    """A link minted by the page's action for `role`."""
    columns = kw.pop("columns", ALL)
    return actions.report_link(
        actor(role), scope, columns, base_path=BASE, config=config_for(db), **kw
    )


def signed(db: Database, grant: ReportGrant, now: float | None = None) -> str:
    """A link signed with the real secret but never checked by the action (a stand-in for a bug
    or an old page): the route must check it on its own."""
    token = report_links.issue(config_for(db), grant, now)
    return report_links.link_url(token, BASE)


def last_event(db: Database) -> RequestEvent:
    with db.read() as session:
        return session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()


def test_a_link_streams_the_register_once_chunked_and_audited(seeded_db):
    db = seeded_db.db
    today = utcnow().date()
    scope = Scope(seeded_db.store.id, today - timedelta(days=45), today)
    url = link(db, Role.COMPLIANCE, scope, unmask=True)
    assert url.startswith(f"/{BASE}/reports/requests.csv?token=")
    before = state(db)
    with serving(db) as http:
        with http.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
            assert response.status_code == 200
            body = response.read()
        again = http.get(url)
    headers = response.headers
    assert "content-length" not in headers and headers["transfer-encoding"] == "chunked"
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert headers["content-disposition"] == (
        f'attachment; filename="requests_{scope.start}_{scope.end}.csv"'
    )
    assert headers["cache-control"] == "no-store"
    assert body == b"".join(request_csv(db, scope, ALL, unmask=True))
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == 6  # the 50-day-old request is outside the range
    assert {"verified@example.com", "pending@example.com"} <= {r["email"] for r in rows}
    assert '\'=HYPERLINK("http://x")' in {r["name"] for r in rows}  # escaped, not a formula
    event = last_event(db)
    assert (event.kind, event.actor) == ("download", "compliance@shop.example")
    assert event.details == {
        "report": "requests",
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "store_id": seeded_db.store.id,
        "columns": list(ALL),
        "unmasked": True,
        "rows": 6,
    }
    assert state(db) == (before[0] + 1, before[1] + 1)
    assert again.status_code == 410 and "already been used" in again.text
    assert state(db) == (before[0] + 1, before[1] + 1)  # the refused second use wrote nothing


def test_masked_link_masks_identities(seeded_db):
    db = seeded_db.db
    with serving(db) as http:
        response = http.get(link(db, Role.ANALYST, columns=["reference", "email", "name"]))
    assert response.status_code == 200
    assert response.content == b"".join(request_csv(db, Scope(), ["reference", "email", "name"]))
    assert b"verified@example.com" not in response.content
    assert "v•••@e•••.com" in response.text
    assert last_event(db).details["unmasked"] is False


def _tampered(url: str) -> str:
    path, token = url.split("token=")
    payload, mac = token.split(".")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    return f"{path}token={flipped}.{mac}"


REFUSED = {
    "forged": (lambda db: link(db, Role.ADMIN).replace("token=", "token=x"), 403, "not valid"),
    "tampered": (lambda db: _tampered(link(db, Role.ANALYST)), 403, "not valid"),
    "other secret": (
        lambda db: report_links.link_url(
            report_links.issue(
                config_for(db).replace(token_secret="not-ours"),
                ReportGrant("admin@shop.example", Role.ADMIN, Scope(), ALL, True),
            ),
            BASE,
        ),
        403,
        "not valid",
    ),
    "another purpose": (
        lambda db: report_links.link_url(
            issue_token(config_for(db).token_secret, "verify", "1", 600), BASE
        ),
        403,
        "not valid",
    ),
    "no token": (lambda db: f"/{BASE}/reports/requests.csv", 403, "not valid"),
    "expired": (
        lambda db: signed(
            db,
            ReportGrant("admin@shop.example", Role.ADMIN, Scope(), ALL, False),
            now=time.time() - LINK_SECONDS - 1,
        ),
        410,
        "has expired",
    ),
    "analyst unmasked": (
        lambda db: signed(
            db, ReportGrant("analyst@shop.example", Role.ANALYST, Scope(), ALL, True)
        ),
        403,
        "does not allow",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_links_answer_briefly_and_change_nothing(seeded_db, case):
    db = seeded_db.db
    make, status, text = REFUSED[case]
    url = make(db)
    before = state(db)
    with serving(db) as http:
        response = http.get(url)
    assert response.status_code == status
    assert text in response.text and len(response.text) < 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    assert state(db) == before


def test_signed_in_roles_are_read_again_when_a_link_is_followed(seeded_db):
    db = seeded_db.db
    admin = actor(Role.ADMIN)
    actions.set_role(db, admin, "analyst@shop.example", "analyst")
    actions.set_role(db, admin, "compliance@shop.example", "compliance")
    analyst, analyst_cookie = signed_in(db, "analyst@shop.example")
    compliance, compliance_cookie = signed_in(db, "compliance@shop.example")
    boss, boss_cookie = signed_in(db, "admin@shop.example", ("admin@shop.example",))

    def mint(who, columns=ALL, **kw):
        return actions.report_link(
            who, Scope(), columns, base_path=BASE, config=config_for(db), **kw
        )

    kept, revoked = mint(analyst, ["reference"]), mint(analyst, ["reference"])
    demoted = mint(compliance, unmask=True)
    bootstrap = mint(boss, unmask=True)  # admin@… is in secrets, bound at its first sign-in
    with serving(db, sign_in=True, admins=("admin@shop.example",)) as http:
        assert http.get(kept, headers={"cookie": analyst_cookie}).status_code == 200
        actions.remove_role(db, admin, "analyst@shop.example")  # its sessions end
        actions.set_role(db, admin, "compliance@shop.example", "analyst")
        before = state(db)
        response = http.get(revoked, headers={"cookie": analyst_cookie})
        assert response.status_code == 403 and "session" in response.text
        response = http.get(demoted, headers={"cookie": compliance_cookie})
        assert response.status_code == 403 and "does not allow" in response.text
        assert state(db) == before
        assert http.get(bootstrap, headers={"cookie": boss_cookie}).status_code == 200
    assert last_event(db).actor == "admin@shop.example"


def test_local_mode_trusts_the_role_picked_in_the_session(seeded_db):
    db = seeded_db.db  # no staff roles stored at all
    with serving(db, sign_in=False) as http:
        assert http.get(link(db, Role.MERCHANT)).status_code == 200


def test_local_mode_links_work_only_while_the_server_serves_this_machine_alone(seeded_db):
    db = seeded_db.db
    url = link(db, Role.ADMIN, unmask=True)
    before = state(db)
    with serving(db, sign_in=False, local_ok=False) as http:  # e.g. --server.address 0.0.0.0
        response = http.get(url)
    assert response.status_code == 403 and "serves this machine only" in response.text
    assert state(db) == before


def test_with_sign_in_the_public_default_secret_signs_nothing(seeded_db):
    db = seeded_db.db
    public = config_for(db).replace(token_secret=Config().token_secret)
    actions.set_role(db, actor(Role.ADMIN), "compliance@shop.example", "compliance")
    url = actions.report_link(actor(Role.COMPLIANCE), Scope(), ALL, unmask=True, config=public)
    before = state(db)
    with serving(db, sign_in=True, config=public) as http:
        response = http.get(url.replace("/reports/", f"/{BASE}/reports/"))
    assert response.status_code == 503 and "TOKEN_SECRET" in response.text
    assert state(db) == before


def test_the_same_link_followed_twice_at_once_streams_once(seeded_db):
    db = seeded_db.db
    url = link(db, Role.ADMIN)
    before = state(db)
    with serving(db) as http:
        barrier = threading.Barrier(4)

        def follow() -> int:
            barrier.wait()
            return http.get(url).status_code

        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(follow())) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(results) == [200, 410, 410, 410]
    assert state(db) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("role", "unmask"), [(Role.ANALYST, True), (Role.MERCHANT, True), (Role.ANALYST, False)]
)
def test_minting_checks_the_rights_first(app_db, role, unmask):
    if not unmask:
        assert link(app_db, role, unmask=unmask)
    else:
        with pytest.raises(PermissionDenied, match="unmask reports"):
            link(app_db, role, unmask=unmask)
    with pytest.raises(ValueError, match="unknown report columns"):
        link(app_db, Role.ADMIN, columns=["password"])


def test_a_link_carries_the_grant_it_was_minted_for(app_db):
    scope = Scope(3, date(2026, 1, 1), date(2026, 3, 31))
    url = link(app_db, Role.COMPLIANCE, scope, columns=["email", "reference"], unmask=True)
    read = report_links.read(config_for(app_db), url.split("token=")[1])
    assert read.grant == ReportGrant(
        "compliance@shop.example", Role.COMPLIANCE, scope, ("reference", "email"), True
    )
    assert read.grant.filename == "requests_2026-01-01_2026-03-31.csv"
