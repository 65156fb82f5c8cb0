"""The request-story planner: one request's whole life, drawn from 24 uniform numbers.

A story is the request row plus its audit events, exactly as `lib.core.lifecycle` would have
written them: the creation event, the move to the channel's first status, each later legal
transition (checked against TRANSITIONS), EXTENDED events and notes, with the timestamps
`lifecycle.transition` sets. Instants stay integer µs here; the generator formats them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

from lib.core.audit import CUSTOMER_ACTOR, SHOPIFY_ACTOR, SYSTEM_ACTOR
from lib.core.deadlines import Regime, regime_for
from lib.core.demo.calendars import Calendar, Due
from lib.core.demo.clock import DAY, HOUR, MINUTE, SEC
from lib.core.demo.plan import Plan
from lib.core.demo.world import (
    CANCEL_REASONS,
    DOWNLOAD_DAYS,
    EXPIRE_AFTER_DAYS,
    EXTENSION_REASONS,
    LINK_HOURS,
    NOTES,
    REJECTION_TEXTS,
    STORES,
    words,
)
from lib.core.enums import RejectionCode, Status
from lib.core.lifecycle import FIRST_STATUS, TRANSITIONS
from lib.core.models import make_reference

REQUEST_COLUMNS = words(
    "id reference store_id type channel status regime country subdivision email name "
    "customer_id received_at verified_at responded_at closed_at due_on legal_due_on "
    "extended_due_on extended_at extension_reason confirm_by_on target_on paused_days "
    "paused_since rejection_code rejection_text shopify_request_id orders_requested "
    "contract_due_on"
)
"""The request row a story starts with, in this column order."""
ROW_INSTANTS = tuple(
    REQUEST_COLUMNS.index(c)
    for c in ("received_at", "verified_at", "responded_at", "closed_at", "extended_at")
)
"""Positions of the instants in a request row (µs until the generator formats them)."""

S = Status
_RECEIVED, _PENDING, _VERIFIED = S.RECEIVED.value, S.PENDING_VERIFICATION.value, S.VERIFIED.value
_IN_PROGRESS, _READY, _DELIVERED = S.IN_PROGRESS.value, S.READY_FOR_REVIEW.value, S.DELIVERED.value
_COMPLETED, _REJECTED, _CANCELED, _EXPIRED = "completed", "rejected", "canceled", "expired"
_ALLOWED = {str(k): {str(v) for v in vs} for k, vs in TRANSITIONS.items()}
_TERMINAL = frozenset(k for k, vs in _ALLOWED.items() if not vs)
_FIRST = {str(k): str(v) for k, v in FIRST_STATUS.items()}
_TRANSITION, _EXTENDED, _NOTE = "transition", "extended", "note"
_RESPONDED = (_DELIVERED, _REJECTED)

# Cumulative weights: a uniform draw u picks the first entry whose bound exceeds it.
_CHANNELS = (("logged_in", 0.48), ("guest", 0.82), ("staff", 0.97), ("webhook", 1.0))
_TYPES = (("access", 0.72), ("erasure", 0.86), ("correction", 0.92), ("opt_out", 1.0))
_WEBHOOK_TYPES = (("access", 0.55), ("erasure", 1.0))  # customers/data_request, /redact
_REJECT_CODES = (
    ("duplicate", 0.40), ("manifestly_unfounded", 0.60), ("excessive", 0.75),
    ("no_data_found", 0.85), ("other", 1.0),
)  # fmt: skip
_CREATORS = {"logged_in": CUSTOMER_ACTOR, "guest": CUSTOMER_ACTOR, "webhook": SHOPIFY_ACTOR}
"""Who opens a request, by channel (staff otherwise)."""
_TEXTS = {str(k): v for k, v in REJECTION_TEXTS.items()}
assert {c for c, _w in _REJECT_CODES} <= set(_TEXTS)
assert {c for c, _w in _CHANNELS} == set(_FIRST)

# Shares of the outcomes (of the requests that reach each point).
P_UNKNOWN_GUEST = 0.10  # guest email the shop does not know
P_NEVER_VERIFIED = 0.15  # guest never clicks the link → expired (or rejected, 1 in 10)
P_LATE = 0.08
P_EXTENDED = 0.055  # of requests whose regime allows an extension
P_CANCELED = 0.015
P_REJECTED = 0.025  # known customers; unknown emails: half are rejected as no data found
P_FAILED_EXPORT = 0.02
P_DOWNLOADED = 0.75  # else the link expires and the system completes the request
P_NOTE = 0.03

Step = tuple[int, str, str, str | None, Any]
"""A planned transition: (at µs, actor, to status, reason, details)."""
Event = tuple[int, str, str, str | None, str | None, str | None, Any]
"""An audit event: (at µs, actor, kind, from status, to status, reason, details)."""


def _pick(table: tuple[tuple[str, float], ...], u: float) -> str:
    for value, bound in table:
        if u < bound:
            return value
    return table[-1][0]


def _expo(u: float, mean: int) -> int:
    return int(-math.log(1.0 - u) * mean)


def _at(event: Event) -> int:
    return event[0]


class StoryPlanner:
    """Draws request stories for a plan (deterministic: the same draws give the same story)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.calendars = [Calendar(store) for store in plan.stores]
        self.regimes: dict[tuple[str | None, str | None, str], Regime] = {}
        self.off_starts = [w[0] for w in plan.guest_off]

    def _guest_blocked(self, at: int) -> bool:
        k = bisect_right(self.off_starts, at) - 1
        return k >= 0 and at < self.plan.guest_off[k][1]

    def _regime(self, country: str | None, subdivision: str | None, default: str) -> Regime:
        key = (country, subdivision, default)
        found = self.regimes.get(key)
        if found is None:
            found = self.regimes[key] = regime_for(country, subdivision, default)
        return found

    def request(
        self, rid: int, t0: int, u: list[float], slow: float, verify_delay: float
    ) -> tuple[list[Any], list[Event]]:
        """One request row and its events. `u` holds 24 uniform draws, used by position."""
        plan = self.plan
        store_index = 0 if u[0] < STORES[0].share else 1
        store, cal = plan.stores[store_index], self.calendars[store_index]
        staff = store.staff[int(u[22] * len(store.staff))]
        channel = _pick(_CHANNELS, u[1])
        if channel == "guest" and self._guest_blocked(t0):
            channel = "logged_in"  # guest support was switched off then
        kind = _pick(_WEBHOOK_TYPES if channel == "webhook" else _TYPES, u[2])
        # Who: a demo customer of the store, or (some guests) an email the shop does not know.
        unknown = (channel == "guest" and u[3] < P_UNKNOWN_GUEST) or not store.customers
        if unknown:
            country, sub, _w = store.countries[int(u[4] * len(store.countries))]
            email, name, customer_id, orders = f"visitor.{rid}@example.org", None, None, "null"
        else:
            pick = int(u[4] * len(store.customers))
            customer_id, email, name, sub, country = store.customers[pick]
            webhook_access = channel == "webhook" and kind == "access"
            orders = store.latest_orders[pick] if webhook_access else "null"
        rule = self._regime(country, sub, store.default_regime)
        due = cal.deadline(rule, cal.day(t0), country, sub)
        regime = rule.value  # rows and event details hold the plain text
        creator = _CREATORS.get(channel, staff)

        steps, side = self._story(t0, channel, kind, unknown, due, cal, creator, staff, u, slow,
                                  verify_delay)  # fmt: skip
        created: Event = (t0, creator, _TRANSITION, None, _RECEIVED, None,
                          {"channel": channel, "type": kind, "regime": regime})  # fmt: skip
        timeline, status, verified, responded, closed = replay(created, steps, plan.now_us)
        end = closed or plan.now_us
        if u[23] < P_NOTE:
            note = NOTES[int(u[19] * len(NOTES))]
            side.append((t0 + int((end - t0) * u[21]), staff, _NOTE, None, None, note, None))
        extended = None
        for event in side:  # an extension only while the request is open
            if event[0] <= end and not (event[2] == _EXTENDED and closed and event[0] >= closed):
                timeline.append(event)
                extended = event if event[2] == _EXTENDED else extended
        if side:
            timeline.sort(key=_at)
        rejected = timeline[-1] if status == _REJECTED else None
        if rejected is not None and rejected[4] != _REJECTED:  # a note sorted after it
            rejected = next(e for e in reversed(timeline) if e[4] == _REJECTED)
        row = [  # instants stay µs here; the generator turns ROW_INSTANTS into text in one go
            rid, make_reference(rid, cal.day(t0)), store.id, kind,
            channel, status, regime, country, sub, email, name, customer_id, t0, verified,
            responded, closed,
            due.extended if extended else due.due, due.due, due.extended if extended else None,
            extended[0] if extended else None, extended[5] if extended else None,
            due.confirm_by, due.target, 0, None,
            rejected[5] if rejected else None, rejected[6]["text"] if rejected else None,
            str(9_000_000 + rid) if channel == "webhook" else None, orders,
            due.contract if channel == "webhook" else None,
        ]  # fmt: skip
        return row, timeline

    def _story(
        self, t0: int, channel: str, kind: str, unknown: bool, due: Due, cal: Calendar,
        creator: str, staff: str, u: list[float], slow: float, verify_delay: float,
    ) -> tuple[list[Step], list[Event]]:  # fmt: skip
        """The whole planned life of a request (it is cut at `now` later) and its side events."""
        first = _FIRST[channel]
        steps: list[Step] = [(t0, creator, first, None, None)]
        side: list[Event] = []
        verified = t0 if first == _VERIFIED else None
        if verified is None:  # a guest: verification link (72 h), or never
            delay = int(verify_delay) + 30 * SEC
            if u[5] < P_NEVER_VERIFIED or delay > LINK_HOURS * HOUR:
                if u[6] < 0.1:
                    code = RejectionCode.IDENTITY_NOT_VERIFIED.value
                    at = t0 + 3 * DAY + int(u[7] * 9 * DAY)
                    steps.append((at, staff, _REJECTED, code, {"text": _TEXTS[code]}))
                else:
                    at = t0 + EXPIRE_AFTER_DAYS * DAY + int(u[7] * HOUR)  # the hourly job
                    reason = f"not verified within {EXPIRE_AFTER_DAYS} days"
                    steps.append((at, SYSTEM_ACTOR, _EXPIRED, reason, None))
                return steps, side
            verified = t0 + delay
            steps.append((verified, CUSTOMER_ACTOR, _VERIFIED, None, None))
        # When it is answered: mostly on time (local 17:00 on the due day at the latest).
        window = due.due_close - verified
        late = u[8] < P_LATE or window < HOUR
        if due.extended is not None and u[9] < P_EXTENDED and window > DAY:
            extend_at = verified + int(window * (0.35 + 0.6 * u[10]))
            notice = cal.day(extend_at).isoformat()
            details = {"previous_due": due.due, "extended_due": due.extended, "notice_on": notice}
            reason = EXTENSION_REASONS[int(u[21] * len(EXTENSION_REASONS))]
            side.append((extend_at, staff, _EXTENDED, None, None, reason, details))
            respond = (
                due.ext_late + _expo(u[11], 5 * DAY) if late
                else due.due_close + int((due.ext_close - due.due_close) * slow)
            )  # fmt: skip
        elif late:
            respond = due.due_late + min(_expo(u[11], 6 * DAY), 40 * DAY)
        elif kind == "opt_out":  # quick to honour
            respond = verified + 5 * MINUTE + min(_expo(u[11], 36 * HOUR), int(window * 0.8))
        else:
            respond = verified + max(5 * MINUTE, int(window * slow))
        gap = respond - verified
        if kind == "access":
            steps += self._export(verified, respond, gap, staff, u)
        elif kind in ("erasure", "correction"):
            start = verified + min(_expo(u[12], DAY), int(gap * 0.4))
            steps += [(start, staff, _IN_PROGRESS, None, None),
                      (respond, staff, _COMPLETED, None, None)]  # fmt: skip
        else:
            steps.append((respond, staff, _COMPLETED, None, None))
        # Side exits cut the story short, before the delivery (`gap` is at least 5 minutes).
        cut: Step | None = None
        if u[18] < P_CANCELED:
            by_customer = u[20] < 0.7
            cut = (verified + MINUTE + int(gap * 0.8 * u[19]),
                   CUSTOMER_ACTOR if by_customer else staff, _CANCELED,
                   CANCEL_REASONS[0 if by_customer else 1], None)  # fmt: skip
        elif (unknown and u[18] < 0.5) or (not unknown and u[18] > 1 - P_REJECTED):
            code = "no_data_found" if unknown else _pick(_REJECT_CODES, u[19])
            at = verified + MINUTE + int(min(gap, max(window, 0)) * 0.8 * u[20])
            cut = (at, staff, _REJECTED, code, {"text": _TEXTS[code]})
        if cut is not None:
            steps = [s for s in steps if s[0] < cut[0]]
            steps.append(cut)
        return steps, side

    @staticmethod
    def _export(verified: int, respond: int, gap: int, staff: str, u: list[float]) -> list[Step]:
        """Access: export job, package ready for review, delivered link, downloaded (or not)."""
        steps: list[Step] = []
        start = verified + min(_expo(u[12], 14 * HOUR), int(gap * 0.35))
        if u[13] < P_FAILED_EXPORT and gap > 6 * HOUR:  # handed back, then retried
            failed = start + 2 * MINUTE + int(u[14] * 20 * MINUTE)
            steps += [(start, staff, _IN_PROGRESS, None, None),
                      (failed, SYSTEM_ACTOR, _VERIFIED, "export failed: store API timed out",
                       None)]  # fmt: skip
            start = failed + min(_expo(u[14], 2 * HOUR), (respond - failed) // 3)
        built = start + MINUTE + min(_expo(u[15], 20 * MINUTE), (respond - start) // 3)
        steps += [(start, staff, _IN_PROGRESS, None, None),
                  (built, SYSTEM_ACTOR, _READY, None, None),
                  (respond, staff, _DELIVERED, None, None)]  # fmt: skip
        if u[16] < P_DOWNLOADED:
            steps.append((respond + 5 * MINUTE + _expo(u[17], 16 * HOUR), CUSTOMER_ACTOR,
                          _COMPLETED, None, None))  # fmt: skip
        else:
            steps.append((respond + DOWNLOAD_DAYS * DAY + int(u[17] * HOUR), SYSTEM_ACTOR,
                          _COMPLETED, "download link expired", None))  # fmt: skip
        return steps


def replay(
    created: Event, steps: list[Step], now: int
) -> tuple[list[Event], str, int | None, int | None, int | None]:
    """Apply the steps up to `now` as lifecycle.transition would: events and timestamps.

    Returns (events, status, verified_at, responded_at, closed_at). Times are made
    non-decreasing; every move is checked against TRANSITIONS.
    """
    status, last_at = _RECEIVED, created[0]
    timeline = [created]
    verified = responded = closed = None
    for at, actor, to, reason, details in steps:
        if at < last_at:
            at = last_at
        if at > now:
            break
        if to not in _ALLOWED[status]:
            raise AssertionError(f"demo story makes an illegal move {status} -> {to}")
        timeline.append((at, actor, _TRANSITION, status, to, reason, details))
        status, last_at = to, at
        if to == _VERIFIED and verified is None:
            verified = at
        if responded is None and (to in _RESPONDED or to == _COMPLETED):
            responded = at
        if to in _TERMINAL:
            closed = at
    return timeline, status, verified, responded, closed
