"""Demo seeding: deterministic, lifecycle-faithful requests and an intact audit chain."""

from __future__ import annotations

import os
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from lib.core.audit import GENESIS_HASH, verify_chain
from lib.core.db import Database
from lib.core.deadlines import compute_deadline
from lib.core.demo import HEAVY_EMAIL, HEAVY_ORDERS, STORES, seed_demo
from lib.core.demo.child import CAN_FORK, GeneratorProcess
from lib.core.demo.generator import Generator
from lib.core.demo.plan import Part, Plan, build_plan
from lib.core.demo.shops import ensure_setting_history, ensure_stores
from lib.core.demo.store_data import ensure_store_data
from lib.core.demo.writers import write_requests
from lib.core.enums import CLOSED_STATUSES, Channel, EventKind, RequestType, Status
from lib.core.lifecycle import FIRST_STATUS, TRANSITIONS, NewRequest, local_date, open_request
from lib.core.models import (
    DemoCustomer,
    DemoLineItem,
    DemoOrder,
    Request,
    RequestEvent,
    SettingChange,
    Store,
    make_reference,
)
from tests.helpers.cli import run_lib

NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)
RESPONDED = {Status.DELIVERED, Status.REJECTED, Status.COMPLETED}


def _snapshot(db: Database) -> list[tuple]:
    with db.read() as session:
        return (
            session.execute(
                select(
                    Request.reference,
                    Request.status,
                    Request.email,
                    Request.received_at,
                    Request.due_on,
                ).order_by(Request.id)
            ).all()
            + session.execute(
                select(RequestEvent.seq, RequestEvent.hash).order_by(RequestEvent.seq)
            ).all()
        )


def _reset(db: Database) -> None:
    """Back to an empty installation, keeping the stores (their ids stay the same)."""
    with db.write() as session:
        for table in (
            "deliveries",
            "exports",
            "jobs",
            "request_events",
            "requests",
            "demo_line_items",
            "demo_orders",
            "demo_records",
            "demo_customers",
            "setting_changes",
            "settings",
        ):
            session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
        session.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": GENESIS_HASH})


def _timelines(db: Database) -> tuple[dict[int, Request], dict[int, list[RequestEvent]]]:
    with db.read() as session:
        requests = {r.id: r for r in session.scalars(select(Request))}
        events: dict[int, list[RequestEvent]] = defaultdict(list)
        for event in session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id.is_not(None))
            .order_by(RequestEvent.seq)
        ):
            events[event.request_id].append(event)
        session.expunge_all()
    return requests, events


def test_same_seed_same_data_in_process_and_in_a_child(db: Database) -> None:
    seed_demo(db, requests=300, seed=11, now=NOW, progress=False, parallel=False, chunk_size=64)
    first = _snapshot(db)
    _reset(db)
    seed_demo(db, requests=300, seed=11, now=NOW, progress=False, parallel=True, chunk_size=64)
    assert _snapshot(db) == first
    assert first[0][0] == f"DSR-{first[0][3].year}-000001"
    _reset(db)
    seed_demo(db, requests=300, seed=12, now=NOW, progress=False, chunk_size=64)
    assert _snapshot(db) != first


def test_every_request_tells_a_legal_story(db: Database) -> None:
    summary = seed_demo(db, requests=500, seed=7, now=NOW, progress=False)
    assert "500 requests" in summary and "rows/s" in summary and " s (" in summary
    requests, events = _timelines(db)
    with db.read() as session:
        zones = {s.id: s.timezone for s in session.scalars(select(Store))}
    assert len(requests) == 500
    for rid, request in requests.items():
        story = events[rid]
        assert story, f"{request.reference} has no events"
        created, moves = story[0], [e for e in story if e.kind == EventKind.TRANSITION][1:]
        assert (created.kind, created.from_status, created.to_status) == (
            "transition",
            None,
            "received",
        )
        assert created.details == {
            "channel": request.channel,
            "type": request.type,
            "regime": request.regime,
        }
        assert created.at == request.received_at
        assert moves[0].to_status == FIRST_STATUS[Channel(request.channel)]
        status = Status.RECEIVED
        for move in moves:
            assert move.from_status == status
            assert Status(move.to_status) in TRANSITIONS[status], (request.reference, move)
            status = Status(move.to_status)
        assert status == request.status
        assert [e.at for e in story] == sorted(e.at for e in story)
        assert all(e.at <= NOW for e in story)
        # Timestamps as lifecycle.transition sets them.
        verified = [e.at for e in moves if e.to_status == Status.VERIFIED]
        assert request.verified_at == (verified[0] if verified else None)
        responded = [e.at for e in moves if e.to_status in (Status.DELIVERED, Status.REJECTED)]
        responded += [e.at for e in moves if e.to_status == Status.COMPLETED]
        assert request.responded_at == (responded[0] if responded else None)
        assert (request.closed_at is not None) == (Status(request.status) in CLOSED_STATUSES)
        if request.closed_at:
            assert request.closed_at == moves[-1].at
        chain = [request.received_at, request.verified_at, request.responded_at, request.closed_at]
        present = [t for t in chain if t is not None]
        assert present == sorted(present), request.reference
        # Reference and deadlines as open_request / extend write them.
        day = local_date(request.received_at, zones[request.store_id])
        assert request.reference == make_reference(rid, day)
        deadline = compute_deadline(
            request.regime, day, request.country, subdivision=request.subdivision
        )
        assert (request.legal_due_on, request.target_on, request.confirm_by_on) == (
            deadline.due,
            deadline.target,
            deadline.confirm_by,
        )
        extensions = [e for e in story if e.kind == EventKind.EXTENDED]
        if request.extended_due_on is None:
            assert not extensions and request.due_on == deadline.due
        else:
            (ext,) = extensions
            assert request.due_on == request.extended_due_on == deadline.extended_due
            assert request.extended_at == ext.at and request.extension_reason == ext.reason
            assert local_date(ext.at, zones[request.store_id]) <= deadline.due
            assert ext.details == {
                "previous_due": deadline.due.isoformat(),
                "extended_due": deadline.extended_due.isoformat(),
                "notice_on": local_date(ext.at, zones[request.store_id]).isoformat(),
            }
        if request.status == Status.REJECTED:
            assert moves[-1].reason == request.rejection_code
            assert moves[-1].details == {"text": request.rejection_text}
        else:
            assert request.rejection_code is None
        if request.channel == Channel.WEBHOOK:
            assert request.shopify_request_id
            assert request.contract_due_on == day + timedelta(days=30)
        else:
            assert request.shopify_request_id is None and request.contract_due_on is None


def test_the_mix_has_a_live_queue_and_every_outcome(db: Database) -> None:
    seed_demo(db, requests=500, seed=7, now=NOW, progress=False)
    requests, events = _timelines(db)
    statuses = {r.status for r in requests.values()}
    assert {"completed", "rejected", "expired", "canceled"} <= statuses
    open_statuses = {r.status for r in requests.values() if r.closed_at is None}
    assert len(open_statuses) >= 3, open_statuses
    recent = [r for r in requests.values() if r.received_at > NOW - timedelta(days=45)]
    assert sum(r.closed_at is None for r in recent) > len(recent) / 2
    assert {r.channel for r in requests.values()} == {c.value for c in Channel}
    seeded = {t.value for t in RequestType} - {"shop_erasure", "appeal"}
    assert {r.type for r in requests.values()} == seeded
    assert any(r.extended_due_on for r in requests.values())
    late = [
        r
        for r in requests.values()
        if r.responded_at
        and r.status != Status.REJECTED
        and r.responded_at.date() > r.due_on + timedelta(days=1)
    ]
    assert 0.02 < len(late) / len(requests) < 0.15
    assert any(e.kind == EventKind.NOTE for story in events.values() for e in story)
    with db.read() as session:
        changes = session.scalars(select(SettingChange).order_by(SettingChange.at)).all()
    assert [(c.key, c.after) for c in changes] == [
        ("guest_support", "false"),
        ("guest_support", "true"),
    ]
    off, on = changes[0].at, changes[1].at
    assert not [
        r for r in requests.values() if r.channel == Channel.GUEST and off <= r.received_at < on
    ]


def test_seeding_twice_appends_and_keeps_the_chain(db: Database) -> None:
    seed_demo(db, requests=300, progress=False)
    with db.read() as session:
        assert verify_chain(session).ok
        first_max = session.scalar(select(func.max(Request.id)))
        customers = session.scalar(select(func.count()).select_from(DemoCustomer))
    seed_demo(db, requests=200, seed=8, progress=False)
    with db.read() as session:
        report = verify_chain(session)
        assert report.ok, report.summary()
        ids = session.scalars(select(Request.id).order_by(Request.id)).all()
        assert ids == list(range(1, first_max + 201))
        assert session.scalar(select(func.count()).select_from(Store)) == len(STORES)
        assert session.scalar(select(func.count()).select_from(DemoCustomer)) == customers
        assert session.scalar(select(func.count()).select_from(SettingChange)) == 2
    # The ORM keeps working afterwards (PostgreSQL: the id sequence was moved past the seed).
    with db.write() as session:
        store = session.scalar(select(Store).where(Store.shop_domain == STORES[0].domain))
        request = open_request(
            session,
            NewRequest(
                store=store,
                type=RequestType.ACCESS,
                channel=Channel.LOGGED_IN,
                email="new@example.com",
                country="DE",
            ),
            actor="customer",
        )
    assert request.id == first_max + 201
    with db.read() as session:
        assert verify_chain(session).ok


def test_demo_store_has_the_heavy_buyer_and_unicode_customers(db: Database) -> None:
    seed_demo(db, requests=300, progress=False)
    with db.read() as session:
        heavy = session.scalar(select(DemoCustomer).where(DemoCustomer.email == HEAVY_EMAIL))
        orders = session.scalar(select(func.count()).where(DemoOrder.customer_id == heavy.id))
        customers = session.scalars(select(DemoCustomer)).all()
        per_order = session.execute(
            select(DemoLineItem.order_id, func.count()).group_by(DemoLineItem.order_id)
        ).all()
        order_count = session.scalar(select(func.count()).select_from(DemoOrder))
        price = session.scalar(select(DemoOrder.total_price).limit(1))
    assert orders == HEAVY_ORDERS
    assert heavy.id == 7_000_000_000_001  # Shopify-sized ids on both databases
    assert len(customers) == 200
    assert len({c.email for c in customers}) == len(customers)
    assert {c.shop_domain for c in customers} == {s.domain for s in STORES}
    names = " ".join(f"{c.first_name} {c.last_name}" for c in customers)
    assert any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in names)  # Arabic/Hebrew
    assert any(unicodedata.combining(ch) for ch in names)
    assert any(ord(ch) > 0xFFFF for ch in names)  # emoji
    assert len(per_order) == order_count and all(1 <= n <= 5 for _o, n in per_order)
    assert str(price).count(".") == 1 and len(str(price).split(".")[1]) == 2
    assert {c.country for c in customers} >= {"DE", "FR", "US", "GB"}


def test_cli_seed_verify_and_tamper(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    url = f"sqlite:///{path}"
    seeded = run_lib("demo", "--requests", "200", "--quiet", database_url=url)
    assert seeded.returncode == 0, seeded.stderr
    assert "200 requests" in seeded.stdout and "rows/s" in seeded.stdout
    intact = run_lib("audit", "verify", database_url=url)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE request_events SET reason='x' WHERE seq=5")
    broken = run_lib("audit", "verify", database_url=url)
    assert broken.returncode == 1
    assert "seq 5" in broken.stderr


@pytest.mark.parametrize("bad", [{"requests": -1}, {"requests": 10, "chunk_size": 0}])
def test_bad_arguments_are_refused(sqlite_db: Database, bad: dict) -> None:
    with pytest.raises(ValueError, match="requests must be"):
        seed_demo(sqlite_db, progress=False, **bad)


def test_an_interrupted_run_keeps_whole_chunks_and_an_intact_chain(db: Database) -> None:
    """The writer commits a chunk only after its last part: a failure in the middle of a chunk
    (here: the generator dies after a chunk and a half) leaves the earlier chunks, whole."""
    plan = _plan_for(db, 300, 100)
    first, second, _third = Generator(plan).parts()

    def dies_in_the_second_chunk() -> Iterator[Part]:
        yield first
        yield replace(second, closes_chunk=False)  # as if the chunk had more parts to come
        raise RuntimeError("the demo generator process ended early")

    with pytest.raises(RuntimeError, match="ended early"):
        write_requests(db, dies_in_the_second_chunk(), plan, progress=False)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Request)) == 100
        assert session.scalar(select(func.max(RequestEvent.seq))) == plan.seq + len(first.events)
        report = verify_chain(session)
        assert report.ok, report.summary()


def _plan_for(db: Database, requests: int, chunk_size: int) -> Plan:
    now_us = (NOW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    stores = ensure_stores(db, NOW)
    ensure_store_data(db, stores, requests, 7, now_us, progress=False)
    off = ensure_setting_history(db, stores[0], NOW)
    return build_plan(db, stores, requests, 7, now_us, chunk_size, off)


@pytest.mark.skipif(not CAN_FORK, reason="the generator process is forked on Linux only")
def test_the_generator_process_reports_its_failure_and_can_be_stopped(
    sqlite_db: Database,
) -> None:
    plan = _plan_for(sqlite_db, 3_000, 1_000)
    mars = replace(plan.stores[0], timezone="Mars/Olympus_Mons")
    broken = replace(plan, stores=(mars, *plan.stores[1:]))
    failing = GeneratorProcess(broken)
    with pytest.raises(RuntimeError, match=r"(?s)demo generator failed.*Mars/Olympus_Mons"):
        list(failing.parts())
    failing.close()
    assert failing.pid is None  # reaped
    running = GeneratorProcess(plan)
    first = next(running.parts())
    assert first.requests[0][0] == plan.first_id and first.events[0][0] == plan.first_id
    pid = running.pid
    running.close()  # stopped halfway through the run
    assert running.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
