"""The export side of the seeded access requests: their job, package and delivery rows.

A demo request that reached *ready for review* has the export job that built its package (done,
started at its move to *in progress*, finished at *ready for review*) and the package's row; one
that was *delivered* has its download link, counted once when the customer downloaded it (the
request then completed by the customer) and expiring with the link's lifetime. The packages are
not on disk (a demo holds no files): closed requests' packages are marked purged at closing, as
the retention job would. Written with INSERT … SELECT over the events of this run's requests,
so it costs a few statements whatever the size.
"""

from __future__ import annotations

from sqlalchemy import text

from lib.core.audit import CUSTOMER_ACTOR
from lib.core.db import Database
from lib.core.demo.world import DOWNLOAD_DAYS

_SQLITE = {
    "payload": "'{\"request_id\": ' || ready.request_id || '}'",
    "sha": "printf('%064x', r.id)",
    "false": "0",
    "fingerprint": "printf('demo%060x', dl.request_id)",
    "expires": f"strftime('%Y-%m-%d %H:%M:%f', dl.at, '+{DOWNLOAD_DAYS} days') || '000'",
}
_POSTGRES = {
    "payload": "json_build_object('request_id', ready.request_id)",
    "sha": "lpad(to_hex(r.id), 64, '0')",
    "false": "false",
    "fingerprint": "'demo' || lpad(to_hex(dl.request_id), 60, '0')",
    "expires": f"dl.at + interval '{DOWNLOAD_DAYS} days'",
}

_JOBS = """
INSERT INTO jobs (kind, dedupe_key, request_id, payload, status, attempts, max_attempts,
                  run_after, progress_done, progress_total, created_by, created_at, started_at,
                  finished_at)
SELECT 'export', 'request:' || ready.request_id, ready.request_id, {payload}, 'done', 1, 3,
       start.at, 1, 1, start.actor, start.at, start.at, ready.at
FROM request_events ready
JOIN request_events start ON start.request_id = ready.request_id AND start.seq = (
    SELECT MAX(s.seq) FROM request_events s
    WHERE s.request_id = ready.request_id AND s.to_status = 'in_progress' AND s.seq < ready.seq)
WHERE ready.to_status = 'ready_for_review' AND ready.request_id >= :first
ORDER BY ready.seq
"""
_EXPORTS = """
INSERT INTO exports (request_id, job_id, path, size_bytes, sha256, encrypted, order_count,
                     created_at, purged_at)
SELECT j.request_id, j.id, 'demo-packages/' || r.reference || '.zip',
       20000 + ((r.id % 180000) * 7919) % 180000, {sha}, {false}, r.id % 17,
       j.finished_at, r.closed_at
FROM jobs j JOIN requests r ON r.id = j.request_id
WHERE j.kind = 'export' AND j.id > :after
ORDER BY j.id
"""
_DELIVERIES = """
INSERT INTO deliveries (export_id, token_fingerprint, expires_at, max_downloads, downloads,
                        last_download_at, created_by, created_at)
SELECT e.id, {fingerprint}, {expires}, 3,
       CASE WHEN done.actor = :customer THEN 1 ELSE 0 END,
       CASE WHEN done.actor = :customer THEN done.at END, dl.actor, dl.at
FROM request_events dl
JOIN exports e ON e.request_id = dl.request_id AND e.id > :after
LEFT JOIN request_events done ON done.request_id = dl.request_id AND done.to_status = 'completed'
WHERE dl.to_status = 'delivered' AND dl.request_id >= :first
ORDER BY dl.seq
"""


def seed_packages(db: Database, first_id: int) -> int:
    """Write the job, package and delivery rows of the access requests from `first_id` on, in
    one transaction; return how many packages."""
    forms = _SQLITE if db.is_sqlite else _POSTGRES
    max_id = "SELECT COALESCE(MAX(id), 0) FROM {}"
    with db.write_connection() as conn, conn.begin():
        jobs_before = conn.execute(text(max_id.format("jobs"))).scalar_one()
        exports_before = conn.execute(text(max_id.format("exports"))).scalar_one()
        conn.execute(text(_JOBS.format(**forms)), {"first": first_id})
        made = conn.execute(text(_EXPORTS.format(**forms)), {"after": jobs_before}).rowcount
        conn.execute(
            text(_DELIVERIES.format(**forms)),
            {"after": exports_before, "first": first_id, "customer": CUSTOMER_ACTOR},
        )
    return int(made or 0)
