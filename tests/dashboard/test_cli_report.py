"""`python -m lib report`: the dashboard's CSV from the command line, acting as the admin."""

from __future__ import annotations

import csv
import subprocess

from tests.helpers.cli import run_lib


def _report(db, *args: str) -> subprocess.CompletedProcess[str]:
    return run_lib("report", *args, database_url=db.url, timeout=60)


def test_report_writes_the_masked_register(seeded, tmp_path):
    out = tmp_path / "register.csv"
    done = _report(seeded.db, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote 7 requests to {out} (identities masked)"
    rows = list(csv.DictReader(out.open(newline="")))
    assert {r["reference"] for r in rows} == set(seeded.refs.values())
    assert all("•••" in r["email"] for r in rows)
    formula = next(r for r in rows if r["reference"] == seeded.refs["formula"])
    assert formula["name"] == "'=."  # masked, and still escaped


def test_report_unmasks_and_filters_by_date(seeded, tmp_path):
    out = tmp_path / "r.csv"
    done = _report(
        seeded.db, "--out", str(out), "--unmask", "--from", "2000-01-01", "--to", "2000-12-31"
    )
    assert done.returncode == 0 and "wrote 0 requests" in done.stdout
    assert _report(seeded.db, "--out", str(out), "--unmask").returncode == 0
    rows = list(csv.DictReader(out.open(newline="")))
    formula = next(r for r in rows if r["reference"] == seeded.refs["formula"])
    assert formula["name"] == '\'=HYPERLINK("http://x")'
    assert formula["email"] == "formula@example.com"


def test_report_metrics_and_bad_dates(seeded, tmp_path):
    out = tmp_path / "m.csv"
    assert _report(seeded.db, "--out", str(out), "--metrics").returncode == 0
    assert out.read_bytes().startswith(b"regime,type,received,complied_in_whole_or_part,denied")
    bad = _report(seeded.db, "--out", str(out), "--from", "2026-02-30")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
