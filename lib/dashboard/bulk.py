"""Bulk actions on the Requests page: the selected rows or every filtered request.

Pure Python (no Streamlit). `start` checks the role and the input before anything is written,
freezes the chosen ids (the count the confirm dialog showed is the count acted on), then applies
a few at once or queues a `bulk` job for more (`lib.jobs.bulk_job`, which audits every request
it changes); `progress` reads that job for the page's polling fragment. `selection_csv` is the
chosen rows as CSV, audited as one download.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from lib.core.audit import append_event
from lib.core.csvsafe import safe_cell
from lib.core.db import Database
from lib.core.enums import EventKind, JobStatus
from lib.core.models import Job, Request, StaffRole
from lib.dashboard import labels
from lib.dashboard.actions import ActionError
from lib.dashboard.masking import mask_email, mask_name
from lib.dashboard.roles import Actor, Right, require
from lib.dashboard.worklist import COUNT_CAP
from lib.jobs.bulk_job import BulkAction, Tally, apply_all, enqueue_bulk

INLINE_MAX = 100
"""Up to this many requests are changed while the page waits; more go to a job."""
BULK_MAX = COUNT_CAP
"""The most requests one bulk action takes (the Requests page counts up to this)."""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """How the page offers a bulk action: its label, the right it needs, the text it asks."""

    label: str
    right: Right
    text_label: str = ""  # "" asks for nothing
    text_required: bool = False


ACTIONS: dict[BulkAction, ActionSpec] = {
    BulkAction.RESEND_VERIFICATION: ActionSpec(
        "Resend verification link", Right.RESEND_VERIFICATION
    ),
    BulkAction.START_EXPORT: ActionSpec("Start export", Right.EXPORT),
    BulkAction.ASSIGN_OWNER: ActionSpec("Assign owner", Right.NOTE, "Owner"),
    BulkAction.REJECT_DUPLICATE: ActionSpec(
        "Reject as duplicate", Right.REJECT, "Reason (kept with the rejection)", True
    ),
    BulkAction.REJECT_SPAM: ActionSpec(
        "Reject as spam", Right.REJECT, "Reason (kept with the rejection)", True
    ),
    BulkAction.CLOSE: ActionSpec("Close as completed", Right.CLOSE, "Note (optional)"),
    BulkAction.ADD_NOTE: ActionSpec("Add note", Right.NOTE, "Note", True),
    BulkAction.MERGE: ActionSpec(
        "Merge duplicates into…", Right.CLOSE, "Reference of the request to keep", True
    ),
}
"""Assigning an owner needs the note right: every role that works on requests has it."""

CSV_HEADERS = ("Reference", "Received", "Type", "Status", "Customer", "Email", "Due", "Owner")


def action_label(action: str) -> str:
    """A bulk action's label (select boxes keep the value, show this)."""
    return ACTIONS[BulkAction(action)].label


def offered(actor: Actor) -> list[str]:
    """The bulk actions the actor's role allows, in the menu's order."""
    return [a.value for a, spec in ACTIONS.items() if actor.can(spec.right)]


def owners(db: Database, actor: Actor) -> list[str]:
    """Who a request can be given to: staff with a role, and the actor (local mode has none)."""
    with db.read() as session:
        emails = set(session.scalars(select(StaffRole.email)))
    return sorted(emails | {actor.email.lower()})


@dataclass(frozen=True, slots=True)
class BulkStarted:
    """A bulk action applied at once (`tally`) or queued as a job (`job_id`)."""

    count: int
    job_id: int | None = None
    tally: Tally | None = None

    @property
    def summary(self) -> str:
        """What happened, in a sentence for the page."""
        if self.tally is None:
            return f"{_requests(self.count)} queued; progress is shown below."
        return outcome(self.tally)


def _requests(count: int) -> str:
    return labels.plural(count, "request")


def outcome(tally: Tally) -> str:
    """`12 requests changed, 3 skipped: DSR-… is closed` (the first reason)."""
    text = f"{_requests(tally.done)} changed"
    if tally.skipped:
        text += f", {tally.skipped:,} skipped"
        if tally.examples:
            text += f" (for example: {tally.examples[0]})"
    return text + "."


def start(
    db: Database, actor: Actor, action: str, ids: Sequence[int], text: str = ""
) -> BulkStarted:
    """Apply `action` to the requests `ids` as `actor`: refused (nothing written) when the role
    lacks its right, the selection is empty or too large, or its text is missing or unknown."""
    try:
        chosen = BulkAction(action)
    except ValueError:
        raise ActionError(f"{action!r} is not a bulk action") from None
    spec = ACTIONS[chosen]
    require(actor, spec.right)
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise ActionError("Choose at least one request first.")
    if len(ids) > BULK_MAX:
        raise ActionError(
            f"A bulk action takes at most {BULK_MAX:,} requests; narrow the filters first."
        )
    text = text.strip()
    if spec.text_required and not text:
        raise ActionError(f"{spec.label} needs a {spec.text_label.split(' (')[0].lower()}.")
    if chosen is BulkAction.ASSIGN_OWNER and text and text.lower() not in owners(db, actor):
        raise ActionError(f"{text} is not a staff member; give it to someone with a role.")
    if chosen is BulkAction.MERGE:
        _check_survivor(db, text)
    if len(ids) <= INLINE_MAX:
        return BulkStarted(len(ids), tally=apply_all(db, ids, chosen, text, actor.email))
    with db.write() as session:
        job = enqueue_bulk(session, ids, chosen, text, actor.email)
        session.flush()
        return BulkStarted(len(ids), job_id=job.id)


def _check_survivor(db: Database, reference: str) -> None:
    """The request duplicates are merged into must exist and be open."""
    with db.read() as session:
        closed = session.scalar(
            select(Request.closed_at.is_not(None)).where(Request.reference == reference.upper())
        )
    if closed is None:
        raise ActionError(
            f"There is no request {reference}; give the reference of the one to keep."
        )
    if closed:
        raise ActionError(f"{reference.upper()} is closed; merge only into an open request.")


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """A queued bulk action as the page shows it."""

    status: JobStatus
    done: int
    total: int
    tally: Tally | None
    error: str | None

    @property
    def finished(self) -> bool:
        """Done or failed: the page stops polling."""
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def fraction(self) -> float:
        """Share handled, 0..1, for a progress bar."""
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def summary(self) -> str:
        """Where the job is, in a sentence."""
        if self.status is JobStatus.FAILED:
            return f"The bulk action stopped: {self.error}"
        if self.status is JobStatus.DONE and self.tally is not None:
            return outcome(self.tally)
        if self.status is JobStatus.QUEUED and not self.done:
            return f"Waiting for a worker to start on {_requests(self.total)}…"
        return f"{self.done:,} of {_requests(self.total)} handled…"


def progress(db: Database, actor: Actor, job_id: int) -> BulkProgress:
    """The state of a bulk job the actor started (another's job is not shown)."""
    require(actor, Right.VIEW_REQUESTS)
    with db.read() as session:
        job = session.get(Job, job_id)
        if job is None or job.kind != "bulk" or job.created_by != actor.email:
            raise ActionError(f"bulk action {job_id} is not one of yours")
        total = job.progress_total or len(job.payload.get("ids", []))
        tally = Tally.from_dict(job.result, total) if job.result else None
        return BulkProgress(JobStatus(job.status), job.progress_done, total, tally, job.last_error)


def selection_csv(db: Database, actor: Actor, ids: Sequence[int]) -> bytes:
    """The chosen requests as CSV (human headers and labels), audited as one download.

    Identities are masked unless the role may unmask reports. At most BULK_MAX rows, so the
    file stays small enough to hand to the browser at once.
    """
    require(actor, Right.REPORTS)
    ids = list(dict.fromkeys(int(i) for i in ids))[:BULK_MAX]
    if not ids:
        raise ActionError("Choose at least one request first.")
    unmask = actor.can(Right.UNMASK_REPORTS)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    columns = (
        Request.reference,
        Request.received_at,
        Request.type,
        Request.status,
        Request.name,
        Request.email,
        Request.due_on,
        Request.owner_email,
    )
    with db.write() as session:
        for start_at in range(0, len(ids), 1000):
            chunk = ids[start_at : start_at + 1000]
            rows = session.execute(
                select(*columns).where(Request.id.in_(chunk)).order_by(Request.id)
            )
            for ref, received, kind, status, name, email, due, owner in rows:
                writer.writerow(
                    safe_cell(value)
                    for value in (
                        ref,
                        received.strftime("%Y-%m-%d %H:%M UTC"),
                        labels.label("type", kind),
                        labels.label("status", status),
                        (name or "") if unmask else mask_name(name),
                        email if unmask else mask_email(email),
                        due.isoformat(),
                        owner or "",
                    )
                )
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.DOWNLOAD,
            details={"report": "selection", "rows": len(ids), "unmasked": unmask},
        )
    return out.getvalue().encode("utf-8-sig")
