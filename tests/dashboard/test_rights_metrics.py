"""The CCPA-style metrics count every request type: know, delete, correct, opt-out, appeals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lib.core.appeals import decide_appeal, open_appeal
from lib.core.db import Database
from lib.core.enums import Channel, RejectionCode, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request, reject, transition
from lib.core.models import Store
from lib.dashboard import reports
from lib.dashboard.queries import Scope

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _open(session, store: Store, kind: RequestType, regime: str, at: datetime):
    new = NewRequest(
        store,
        kind,
        Channel.LOGGED_IN,
        f"{kind}-{regime}@example.com",
        country="US",
        subdivision="CA" if regime == "ccpa" else "CO",
        regime=regime,
    )
    return open_request(session, new, actor="customer", at=at)


def test_metrics_count_correction_opt_out_and_appeals(db: Database, store: Store) -> None:
    with db.write() as session:
        shop = session.get_one(Store, store.id)
        for kind in (RequestType.ACCESS, RequestType.ERASURE, RequestType.CORRECTION):
            done = _open(session, shop, kind, "ccpa", T0)
            transition(session, done, Status.COMPLETED, actor="staff:a", at=T0 + timedelta(days=4))
        opt_out = _open(session, shop, RequestType.OPT_OUT, "ccpa", T0)
        transition(session, opt_out, Status.COMPLETED, actor="staff:a", at=T0 + timedelta(days=2))
        refused = _open(session, shop, RequestType.CORRECTION, "us_state", T0)
        reject(
            session,
            refused,
            actor="staff:a",
            code=RejectionCode.OTHER,
            text="The address matches the invoice.",
            at=T0 + timedelta(days=1),
        )
        appeal = open_appeal(session, refused, fingerprint="c" * 64, at=T0 + timedelta(days=3))
        decide_appeal(
            session,
            appeal,
            actor="staff:olga",
            grant=False,
            reason="Still matches.",
            at=T0 + timedelta(days=9),
        )
    table = reports.metrics(db, Scope())
    rows = {(r.regime, r.type): r for r in table.itertuples(index=False)}
    for kind in ("access", "erasure", "correction"):
        assert rows[("ccpa", kind)].received == 1
        assert rows[("ccpa", kind)].complied_in_whole_or_part == 1
    assert rows[("ccpa", "opt_out")].median_days_to_respond == 2
    assert (rows[("us_state", "correction")].denied, rows[("us_state", "appeal")].denied) == (1, 1)
    assert rows[("us_state", "appeal")].median_days_to_respond == 6
    assert rows[("all", "all")].received == 6
