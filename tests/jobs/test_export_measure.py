"""The export benchmark's measuring function, run fast (high limits) so it cannot rot."""

from __future__ import annotations

from pathlib import Path

from lib.jobs.measure import measure_export


def test_measure_export_reports_rate_use_throttling_and_memory(tmp_path: Path) -> None:
    small = measure_export(100, restore_rate=20_000, bucket=2_000, workdir=tmp_path)
    large = measure_export(1_500, restore_rate=20_000, bucket=2_000, workdir=tmp_path)
    assert (small.orders, small.line_items, small.pages) == (100, 300, 4)
    assert large.pages == 52 and large.points_spent > 10 * small.points_spent
    for run in (small, large):
        assert run.throttled_after_first == 0 and run.seconds > 0
        assert 0 < run.steady_efficiency <= run.efficiency
    # Memory against the orders is the benchmark's to judge (store_export's rss_growth_mb): a
    # threshold here fails by chance on a loaded machine.
    assert not list(tmp_path.iterdir())  # the scratch database and package are removed
