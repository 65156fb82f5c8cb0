"""The growth chart of docs/BENCHMARKS.md: each case's seconds and peak memory from 10k to 1M
requests, measured next to its baseline, one panel per case.

`python -m lib.bench.chart docs/bench/sqlite.json [more.json …] --out docs/bench/growth.svg`
(PNG or SVG by the suffix; rendered by vl-convert); `--markdown` also prints the figures as a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from lib.bench.suite import format_markdown, read_json

CASE_ORDER = (
    "overview_queries",
    "overview_render",
    "requests_page",
    "csv_report",
    "seed",
    "intake",
)


def long_form(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One line per (case, backend, side, n): seconds and peak MB, database cases only."""
    records = []
    for row in rows:
        if row["backend"] not in ("sqlite", "postgresql"):
            continue
        served = row["extra"].get("server_peak_rss_mb")  # intake: the server does the work
        for side, seconds, peak in (
            ("measured", row["seconds"], served or row["peak_rss_mb"]),
            ("baseline", row["baseline_seconds"], row["extra"].get("baseline_peak_rss_mb")),
        ):
            records.append(
                {
                    "case": row["case"],
                    "backend": row["backend"],
                    "side": side,
                    "n": row["n"],
                    "seconds": seconds,
                    "peak_rss_mb": peak,
                }
            )
    return pd.DataFrame(records)


def growth_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """Seconds (log) over requests (log) per case; colour = side, dash = backend."""
    base = alt.Chart(frame).encode(
        x=alt.X("n:Q", scale=alt.Scale(type="log"), title="requests in the database"),
        color=alt.Color(
            "side:N",
            title=None,
            scale=alt.Scale(domain=["measured", "baseline"], range=["#1f77b4", "#999999"]),
        ),
        strokeDash=alt.StrokeDash("backend:N", legend=None),
        shape=alt.Shape("backend:N", title="backend (line: sqlite dashed)"),
        tooltip=["case", "backend", "side", "n", "seconds", "peak_rss_mb"],
    )
    seconds = base.mark_line(point=True).encode(
        y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="seconds (median)")
    )
    chart: alt.FacetChart = (
        seconds.properties(width=220, height=150)
        .facet(facet=alt.Facet("case:N", title=None, sort=list(CASE_ORDER)), columns=3)
        .resolve_scale(y="independent")
        .properties(title="Cost by database size: measured path vs its baseline")
    )
    return chart


def memory_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """Peak RSS of the measured side per case over requests (log)."""
    measured = frame.loc[frame["side"] == "measured"]
    chart: alt.FacetChart = (
        alt.Chart(measured)
        .mark_line(point=True)
        .encode(
            x=alt.X("n:Q", scale=alt.Scale(type="log"), title="requests in the database"),
            y=alt.Y("peak_rss_mb:Q", title="peak RSS (MB)"),
            strokeDash=alt.StrokeDash("backend:N", legend=None),
            shape=alt.Shape("backend:N", title="backend (line: sqlite dashed)"),
        )
        .properties(width=220, height=120)
        .facet(facet=alt.Facet("case:N", title=None, sort=list(CASE_ORDER)), columns=3)
        .properties(title="Peak memory of the measured process (intake: the server's)")
    )
    return chart


def main(argv: list[str] | None = None) -> None:
    """Read benchmark JSON files and save the chart."""
    parser = argparse.ArgumentParser(prog="python -m lib.bench.chart")
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    rows = [row for path in args.inputs for row in json.loads(path.read_text())]
    if args.markdown:
        print(format_markdown([row for path in args.inputs for row in read_json(path)]))
    frame = long_form(rows)
    chart = alt.vconcat(growth_chart(frame), memory_chart(frame))
    options: dict[str, Any] = {"scale_factor": 1.25} if args.out.suffix == ".png" else {}
    chart.save(str(args.out), **options)


if __name__ == "__main__":
    main()
