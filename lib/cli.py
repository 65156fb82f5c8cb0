"""`python -m lib COMMAND`: the command contract of DESIGN.md.

Each command parses its arguments here and calls one library function; heavy imports happen
inside the handlers so that `python -m lib deadline` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad input on the command line: one line for people, exit status 2."""


def _database():  # noqa: ANN202 - returns lib.core.db.Database, imported lazily
    from lib.core.db import get_database

    db = get_database()
    db.check()
    return db


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Apply every pending schema migration."""
    from lib.core.migrate import upgrade

    upgrade(_database())
    print("database is up to date")
    return 0


def cmd_deadline(args: argparse.Namespace) -> int:
    """Print the due date (or the extended due date) of a request received on a day."""
    from lib.core.deadlines import DeadlineInputError, compute_deadline, parse_country, parse_regime

    try:
        received = date.fromisoformat(args.received)
    except ValueError:
        raise UsageError(f"--received {args.received!r} is not a date; use YYYY-MM-DD") from None
    try:
        deadline = compute_deadline(
            parse_regime(args.regime),
            received,
            parse_country(args.country),
            subdivision=args.subdivision,
            request_type=args.type,
        )
    except DeadlineInputError as exc:
        raise UsageError(str(exc)) from None
    if args.extended:
        if deadline.extended_due is None:
            raise UsageError(f"{args.type} requests under {deadline.regime} allow no extension")
        print(deadline.extended_due.isoformat())
    else:
        print(deadline.due.isoformat())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Verify the audit chain: exit 0 when intact, 1 naming the first bad event."""
    from lib.core.audit import verify_chain

    with _database().read() as session:
        report = verify_chain(session)
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def cmd_settings(args: argparse.Namespace) -> int:
    """List, read or change merchant settings (changes are audited as the system actor)."""
    from lib.core import settings as merchant_settings

    db = _database()
    try:
        if args.action == "list":
            with db.read() as session:
                values = merchant_settings.all_settings(session)
            for spec in merchant_settings.SPECS:
                print(f"{spec.key:30} {values[spec.key]!s:24} {spec.label}")
        elif args.action == "get":
            with db.read() as session:
                print(merchant_settings.get_setting(session, args.key))
        else:
            with db.write() as session:
                change = merchant_settings.set_setting(session, args.key, args.value, "system")
            print(f"{args.key} = {change.after}" if change else f"{args.key} unchanged")
    except merchant_settings.SettingError as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Migrate, then seed demo stores, customers, orders and requests."""
    from lib.core.demo import seed_demo
    from lib.core.migrate import upgrade

    db = _database()
    upgrade(db)
    summary = seed_demo(db, requests=args.requests, seed=args.seed, progress=not args.quiet)
    print(summary)
    return 0


def _log_to_console(level: str) -> None:
    """The processes' console log; httpx's line per HTTP request (every store call) stays out."""
    import logging

    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a worker until SIGINT/SIGTERM (or one round with --once)."""
    import signal
    import threading

    from lib.core.config import get_config
    from lib.core.secrets_check import connected_shops, require_strong_secrets
    from lib.jobs.handlers import chores, job_handlers, periodic_jobs
    from lib.jobs.worker import Worker, new_worker_id
    from lib.store.versions import warn_if_unsupported

    config = get_config()
    db = _database()
    require_strong_secrets(config, shops=connected_shops(db, config))
    _log_to_console(config.log_level)
    warn_if_unsupported(config.shopify_api_version)
    worker = Worker(
        db,
        job_handlers(config),
        chores(config),
        periodic_jobs(),
        worker_id=args.id or new_worker_id(),
        poll_seconds=args.poll,
    )
    if args.once:
        worker.run_once()
        return 0
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker.run_forever(stop)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark suite; print the table, optionally write JSON."""
    import os
    from pathlib import Path

    from lib.bench.suite import BenchError, format_table, run_suite, write_json

    postgres_url = os.environ.get("BENCH_DATABASE_URL")
    if args.backends:
        backends = tuple(args.backends.split(","))
    else:
        backends = ("sqlite", "postgresql") if postgres_url else ("sqlite",)
    if set(backends) - {"sqlite", "postgresql"}:
        raise UsageError("--backends takes sqlite, postgresql or both (comma-separated)")
    cases = tuple(args.cases.split(",")) if args.cases else None
    try:
        rows = run_suite(
            tuple(args.requests),
            cases,
            backends,
            args.repeats,
            postgres_url,
            report=lambda line: print(line, file=sys.stderr, flush=True),
            store_orders=args.store_orders,
            intake_submissions=args.intake_submissions,
        )
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    print(format_table(rows))
    if args.json:
        write_json(rows, Path(args.json))
    return 0


def cmd_intake(args: argparse.Namespace) -> int:
    """Serve the intake service (storefront page, verify links, webhooks) until Ctrl-C."""

    import uvicorn

    from lib.core.config import get_config
    from lib.core.secrets_check import connected_shops, require_strong_secrets
    from lib.intake.app import create_app
    from lib.intake.logs import uvicorn_log_config
    from lib.intake.serving import header_deadline
    from lib.store.versions import warn_if_unsupported

    config = get_config()
    config = config.replace(  # what the app checks (Host header) is where it really listens
        intake_host=config.intake_host if args.host is None else args.host,
        intake_port=args.port or config.intake_port,
    )
    db = _database()
    require_strong_secrets(config, [config.intake_host], shops=connected_shops(db, config))
    _log_to_console(config.log_level)
    warn_if_unsupported(config.shopify_api_version)
    uvicorn.run(
        create_app(db, config),
        host=config.intake_host,
        port=config.intake_port,
        log_config=uvicorn_log_config(config.log_level),
        server_header=False,
        proxy_headers=False,  # the visitor's address is TRUSTED_PROXY_HOPS's business alone
        http=header_deadline(config.request_timeout_seconds),
    )
    return 0


def cmd_secrets(_args: argparse.Namespace) -> int:
    """Print freshly generated secrets, ready to paste into `.env` and `secrets.toml`."""
    from lib.core.secrets_check import strong_values

    values = strong_values()
    print("# Generated now from the operating system's random source; keep them out of git.")
    print("# For .env (changing TOKEN_ENCRYPTION_KEYS: put the new key first and keep the old")
    print("# ones after it until the tokens are re-encrypted, see docs/deploy.md):")
    print(f"TOKEN_SECRET={values['TOKEN_SECRET']}")
    print(f"TOKEN_ENCRYPTION_KEYS={values['TOKEN_ENCRYPTION_KEYS']}")
    print("# SHOPIFY_API_SECRET is your app's client secret: copy it from Shopify.")
    print("# For .streamlit/secrets.toml, in [auth] (a new one signs everyone out):")
    print(f'cookie_secret = "{values["cookie_secret"]}"')
    return 0


def cmd_tokens(_args: argparse.Namespace) -> int:
    """Re-encrypt every stored store token with the first key of TOKEN_ENCRYPTION_KEYS."""
    from lib.core.config import get_config
    from lib.core.crypto import TokenKeyError, rotate_tokens

    try:
        count = rotate_tokens(_database(), get_config())
    except TokenKeyError as exc:
        raise UsageError(str(exc)) from None
    print(f"re-encrypted {count} stored tokens with the first key of TOKEN_ENCRYPTION_KEYS")
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    """Print signed storefront links (as a guest, as customers) for the local walk-through."""
    from lib.core.config import get_config
    from lib.intake.links import walkthrough_links

    config = get_config()
    with _database().read() as session:
        links = walkthrough_links(
            session, config, shop=args.shop, customers=args.count, also=args.customer
        )
    for link in links:
        print(f"{link.label}:\n  {link.url}")
    print("(valid for 5 minutes, like Shopify's own proxy signatures; run again for fresh ones)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the dashboard's request register (or metrics) CSV, streamed, acting as the admin."""
    from pathlib import Path

    from lib.dashboard.queries import Scope
    from lib.dashboard.reports import metrics, metrics_csv, use_system_allocator, write_request_csv

    use_system_allocator()

    try:
        start = date.fromisoformat(args.start) if args.start else None
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError:
        raise UsageError("--from and --to take dates as YYYY-MM-DD") from None
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    db, out, scope = _database(), Path(args.out), Scope(start=start, end=end)
    if args.metrics:
        out.write_bytes(metrics_csv(metrics(db, scope)))
        print(f"wrote the metrics report to {out}")
        return 0
    rows = write_request_csv(db, out, scope, unmask=args.unmask)
    masked = "unmasked" if args.unmask else "identities masked"
    print(f"wrote {rows:,} requests to {out} ({masked})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate, seed demo data into an empty database, then run every local process."""
    from sqlalchemy import func, select

    from lib.core.config import get_config
    from lib.core.demo import seed_demo
    from lib.core.migrate import upgrade
    from lib.core.models import Request
    from lib.runner import local_services, run_services

    db = _database()
    upgrade(db)
    with db.read() as session:
        empty = session.scalar(select(func.count()).select_from(Request)) == 0
    if empty:
        print(seed_demo(db, requests=args.demo_requests, progress=True))
    return run_services(local_services(get_config()))


def cmd_store(args: argparse.Namespace) -> int:
    """Serve the demo store (Shopify Admin GraphQL subset over the demo tables) until Ctrl-C."""

    from lib.core.config import get_config
    from lib.store.demo_server import serve

    config = get_config()
    _log_to_console(config.log_level)
    _database()
    serve(config, args.port)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export a customer's data (a staff request); with --wait, print the package's path."""
    from lib.core.config import get_config
    from lib.jobs.exports import ExportFailed, export_by_email, wait_for_export

    db = _database()
    try:
        reference, job_id, created = export_by_email(db, args.email, args.actor, args.shop)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    print(f"{reference}: export job {job_id} {'queued' if created else 'already queued'}")
    if not args.wait:
        return 0
    try:
        path = wait_for_export(db, get_config(), job_id, lambda line: print(line, file=sys.stderr))
    except ExportFailed as exc:
        print(f"error: the export failed: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m lib", description="Privacy Desk commands")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    add("migrate", cmd_migrate, "apply database migrations")

    tokens = add("tokens", cmd_tokens, "stored store tokens: re-encrypt them with the newest key")
    tokens.add_argument("action", choices=["rotate"])

    deadline = add("deadline", cmd_deadline, "print a request's legal due date")
    deadline.add_argument("--regime", required=True)
    deadline.add_argument("--received", required=True, help="YYYY-MM-DD")
    deadline.add_argument("--country", help="ISO 3166 code, e.g. DE (holidays)")
    deadline.add_argument("--subdivision", help="state/province code, e.g. CA")
    deadline.add_argument("--extended", action="store_true", help="print the extended due date")
    deadline.add_argument(
        "--type",
        default="access",
        help="request type: access, erasure, correction, opt_out, appeal (default access)",
    )

    audit = add("audit", cmd_audit, "check the audit trail")
    audit.add_argument("action", choices=["verify"])

    settings = add("settings", cmd_settings, "list, get or set merchant settings")
    settings.add_argument("action", choices=["list", "get", "set"])
    settings.add_argument("key", nargs="?")
    settings.add_argument("value", nargs="?")

    worker = add("worker", cmd_worker, "run a background worker")
    worker.add_argument("--id", help="worker name (default host:pid:random)")
    worker.add_argument("--poll", type=float, default=1.0, help="idle wait in seconds")
    worker.add_argument("--once", action="store_true", help="one round, then exit")

    intake = add("intake", cmd_intake, "serve the storefront page, verify links and webhooks")
    intake.add_argument("--host", help="address to bind (default INTAKE_HOST)")
    intake.add_argument("--port", type=int, help="port (default INTAKE_PORT)")

    add("secrets", cmd_secrets, "print strong secrets for .env and secrets.toml")

    links = add("links", cmd_links, "print signed storefront links for the local walk-through")
    links.add_argument("--shop", help="shop domain (default: the first store)")
    links.add_argument("--count", type=int, default=3, help="how many customers to list")
    links.add_argument("--customer", action="append", default=[], help="also as this customer id")

    bench = add("bench", cmd_bench, "run the benchmark suite")
    bench.add_argument("--requests", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    bench.add_argument("--cases", help="comma-separated case names (default: all)")
    bench.add_argument("--repeats", type=int, default=3, help="measured runs per side")
    bench.add_argument("--json", help="write the results as JSON here")
    bench.add_argument(
        "--backends", help="sqlite,postgresql (default: sqlite, + postgresql if BENCH_DATABASE_URL)"
    )
    bench.add_argument("--store-orders", type=int, default=5000, help="store_export size")
    bench.add_argument(
        "--intake-submissions", type=int, default=2000, help="submissions per intake run"
    )

    report = add("report", cmd_report, "write the request register CSV (as the admin)")
    report.add_argument("--out", required=True, help="CSV file to write")
    report.add_argument("--from", dest="start", help="received on or after YYYY-MM-DD")
    report.add_argument("--to", dest="end", help="received on or before YYYY-MM-DD")
    report.add_argument("--unmask", action="store_true", help="show emails and names")
    report.add_argument("--metrics", action="store_true", help="the regulatory metrics instead")

    run = add("run", cmd_run, "migrate, seed if empty, start every local process")
    run.add_argument("--demo-requests", type=int, default=2000)

    demo = add("demo", cmd_demo, "migrate and seed demo data")
    demo.add_argument("--requests", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")

    store = add("store", cmd_store, "serve the demo store (when no real shop is configured)")
    store.add_argument("--port", type=int, help="port (default DEMO_STORE_PORT)")

    export = add("export", cmd_export, "export a customer's data into a package")
    export.add_argument("--email", required=True, help="the customer's email address")
    export.add_argument("--shop", help="shop domain (needed when there are several stores)")
    export.add_argument("--actor", default="cli", help="who asks (recorded in the audit trail)")
    export.add_argument("--wait", action="store_true", help="run it now and print the path")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors people can fix are one line on stderr, never a traceback."""
    from lib.core.config import ConfigError
    from lib.core.db import DatabaseUnavailable

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "settings" and args.action in ("get", "set") and not args.key:
        parser.error(f"settings {args.action} needs a KEY")
    if args.command == "settings" and args.action == "set" and args.value is None:
        parser.error("settings set needs KEY VALUE")
    try:
        code: int = args.handler(args)
        return code
    except (UsageError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
