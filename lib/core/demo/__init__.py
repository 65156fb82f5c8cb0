"""Synthetic demo data: two stores, a Shopify-like customer base and N data-subject requests.

`seed_demo` is what `python -m lib demo --requests N` runs. Built for volume: a million requests
with their audit events in well under three minutes on two cores, in bounded memory.

- Stores `demo-shop.myshopify.com` (GDPR, Europe/Berlin) and `demo-us.myshopify.com` (CCPA,
  America/Los_Angeles) are created when absent. The demo store's customers, orders and line items
  are seeded once (when the demo shops have no customers yet), including the heavy customer
  `heavy.buyer@example.com` with exactly 5,000 orders; later runs reuse them. So is the history
  of the `guest_support` setting (switched off for two weeks ~10 months ago, no guest requests
  then).
- Requests are appended: ids continue after the highest existing id and the audit chain continues
  from `audit_head`. Every request carries exactly the events `lib.core.lifecycle` would have
  written (creation event, the move to the channel's first status, each later legal transition,
  EXTENDED events, notes), hashed with `lib.core.audit.event_hash`, and the timestamps
  `lifecycle.transition` sets. As with `open_request`, no request stays in `received`.
- Deterministic for (seed, now, chunk size, what the database held before): pass `now` to pin
  the clock. Every instant is drawn relative to `now`.
- Rows are generated in chunks and inserted with DB-API `executemany` (SQLite) or `COPY`
  (PostgreSQL); each chunk is one transaction that also moves `audit_head`, so the chain is
  intact after every commit and an interrupted run leaves consistent data. From
  `PARALLEL_MIN_REQUESTS` on, generating and hashing (the chain is sequential) run in a forked
  child process while the parent formats and writes.

Modules, each with one job (imports go down this list only):

- `world`: the shops, names, places, products and texts (data only);
- `clock`: instants as integer µs and their database text;
- `shops`: the demo stores and the `guest_support` setting history (ORM);
- `plan`: what the generator needs from the database;
- `calendars`: per-store local days and cached deadlines;
- `stories`: one request's life and its events (the story planner);
- `sealing`: the events of a run of stories, hashed in chain order;
- `rows`: a generated part → rows in the database's text forms (in the writer's process);
- `writers`: bulk inserts (`executemany` / `COPY`) and the per-chunk transactions;
- `store_data`: the demo store's customers, orders and line items;
- `generator`: plan → parts of chunks (request rows and hashed events);
- `child`: the generator in a child process while the parent writes;
- `seed`: `seed_demo`, the order of the steps.
"""

from lib.core.demo.seed import CHUNK_REQUESTS, PARALLEL_MIN_REQUESTS, seed_demo
from lib.core.demo.world import HEAVY_EMAIL, HEAVY_ORDERS, STORES, StoreSpec, customers_for

__all__ = [
    "CHUNK_REQUESTS",
    "HEAVY_EMAIL",
    "HEAVY_ORDERS",
    "PARALLEL_MIN_REQUESTS",
    "STORES",
    "StoreSpec",
    "customers_for",
    "seed_demo",
]
