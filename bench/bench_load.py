"""Loader throughput: stream a synthetic JSON Lines corpus through iter_papers and load_papers.

Usage: python bench/bench_load.py [N_LINES]   (default 1,000,000)
Prints wall and CPU time (the CPU figure is the one to compare on a busy machine),
lines per CPU-second and peak memory (ru_maxrss) for the streaming and the merging loader.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from paperkg.load import iter_papers, load_papers
from paperkg.models import LoadReport


def _write(path: Path, n: int) -> None:
    abstract = ("We study a problem in depth and propose a method with provable guarantees. "
                "Experiments on standard benchmarks confirm the theory. ") * 2
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            # every 10th line repeats an earlier title (a duplicate to merge)
            t = i - 5 if i % 10 == 9 else i
            fh.write(json.dumps({"title": f"Paper number {t} on topic {t % 97}",
                                 "abstract": abstract, "year": 2000 + t % 25}) + "\n")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        _write(path, n)
        size = path.stat().st_size / 1e6
        report = LoadReport()
        start, cpu = time.perf_counter(), time.process_time()
        kept = sum(1 for _ in iter_papers([path], report=report))
        secs, cpu = time.perf_counter() - start, time.process_time() - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"iter_papers: {n:,} lines ({size:.0f} MB) in {secs:.1f}s wall, {cpu:.1f}s CPU "
              f"= {n / cpu:,.0f} lines per CPU-second; {kept:,} kept, "
              f"{report.duplicates_merged:,} duplicates; peak RSS {rss:.0f} MB")
        start, cpu = time.perf_counter(), time.process_time()
        papers, report = load_papers([path])
        secs, cpu = time.perf_counter() - start, time.process_time() - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"load_papers: {n:,} lines in {secs:.1f}s wall, {cpu:.1f}s CPU "
              f"= {n / cpu:,.0f} lines per CPU-second; {len(papers):,} kept; "
              f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
