"""The scaling benchmark's machine yardsticks and its table (bench/bench_scale.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_scale.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_scale_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_steal_share_of_the_time_between_readings(bench):
    before = [100, 0, 20, 500, 0, 0, 0, 10]
    after = [160, 0, 30, 520, 0, 0, 0, 20]  # 100 ticks spent, 10 of them stolen
    assert bench.steal_pct(before, after) == pytest.approx(10.0)
    assert bench.steal_pct(before, before) is None  # no time passed
    assert bench.steal_pct(None, after) is None


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="no /proc/stat")
def test_cpu_ticks_read_from_proc_stat(bench):
    first = bench._cpu_ticks()
    assert first is not None and len(first) == 8 and all(t >= 0 for t in first)
    sum(range(200_000))  # some time passes
    second = bench._cpu_ticks()
    assert all(b >= a for a, b in zip(first, second, strict=True))


def test_calibration_is_a_positive_time(bench):
    import gc

    assert gc.isenabled()
    assert bench.calibrate(rounds=1) > 0
    assert gc.isenabled()  # the collector is back on after timing


def test_calibration_in_a_fresh_process(bench):
    ms = bench._calibrate_fresh()
    assert ms is not None and ms > 0


def _row(**extra):
    row = {"n": 1000, "load": 1.0, "load_overlapped": 1, "extract": 10.0,
           "extract_cpu_main": 2.0, "extract_cpu_workers": 15.0, "build": 2.0,
           "graphml": 1.0, "rss_mb": 300.0, "rss_workers_mb": 150.0, "nodes": 1200,
           "edges": 9000, "paper_edges": 5000, "load_avg_1m": 1.5}
    row.update(extra)
    return row


def test_table_shows_the_yardsticks_or_a_dash(bench):
    text = bench.table([_row(calib_ms=31.25, steal_pct=0.5), _row(n=2000)], export_all=False)
    head, rule, first, second = text.splitlines()
    columns = [c.strip() for c in head.strip("|").split("|")]
    assert columns[-2:] == ["calib ms", "steal %"]
    assert len(rule.split("---:")) - 1 == len(columns)
    assert [c.strip() for c in first.strip("|").split("|")][-2:] == ["31.2", "0.5"]
    assert [c.strip() for c in second.strip("|").split("|")][-2:] == ["-", "-"]
    # the end-to-end time and the slope between the two sizes
    assert "13.0" in first and "1.00" not in first
    assert [c.strip() for c in second.strip("|").split("|")][columns.index("slope")] == "0.00"
