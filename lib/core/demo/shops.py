"""The two demo stores and the history of the `guest_support` setting (few rows: the ORM)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lib.core.audit import append_event
from lib.core.db import Database
from lib.core.demo.clock import EPOCH_UTC, ONE_US
from lib.core.demo.world import HISTORY_DAYS, STORES, StoreSpec
from lib.core.enums import EventKind
from lib.core.models import Setting, SettingChange, Store


@dataclass(frozen=True, slots=True)
class StoreRef:
    """A demo store's row id and its spec."""

    id: int
    spec: StoreSpec


def ensure_stores(db: Database, now: datetime) -> list[StoreRef]:
    """Create the demo stores that are missing; every demo store in STORES order."""
    refs = []
    with db.write() as session:
        for spec in STORES:
            store = session.scalar(select(Store).where(Store.shop_domain == spec.domain))
            if store is None:
                store = Store(
                    shop_domain=spec.domain,
                    name=spec.name,
                    default_regime=spec.default_regime,
                    country=spec.country,
                    contact_email=spec.contact_email,
                    timezone=spec.timezone,
                    created_at=now - timedelta(days=HISTORY_DAYS + 30),
                )
                session.add(store)
                session.flush()
            refs.append(StoreRef(store.id, spec))
    return refs


def ensure_setting_history(db: Database, store: StoreRef, now: datetime) -> list[tuple[int, int]]:
    """Guest support switched off and on again in the past (once); its off windows in µs."""
    key, actor = "guest_support", store.spec.staff[0]
    with db.write() as session:
        if session.scalar(select(func.count()).where(SettingChange.key == key)) == 0:
            day = (now - timedelta(days=301)).replace(hour=7, minute=12, second=0, microsecond=0)
            off, on = day, day + timedelta(days=14, hours=8, minutes=28)
            for at, before, after in ((off, True, False), (on, False, True)):
                session.add(
                    SettingChange(
                        key=key,
                        actor=actor,
                        at=at,
                        before=json.dumps(before),
                        after=json.dumps(after),
                    )
                )
                append_event(
                    session,
                    actor=actor,
                    kind=EventKind.SETTING,
                    at=at,
                    details={"key": key, "before": before, "after": after},
                )
            if session.get(Setting, key) is None:
                session.add(
                    Setting(key=key, value=json.dumps(True), updated_at=on, updated_by=actor)
                )
        changes = session.execute(
            select(SettingChange.at, SettingChange.after)
            .where(SettingChange.key == key)
            .order_by(SettingChange.at, SettingChange.id)
        ).all()
    windows, off_since = [], None
    for at, after in changes:
        at_us = (at - EPOCH_UTC) // ONE_US
        if json.loads(after) is False and off_since is None:
            off_since = at_us
        elif json.loads(after) is True and off_since is not None:
            windows.append((off_since, at_us))
            off_since = None
    if off_since is not None:
        windows.append((off_since, 2**62))
    return windows
