"""Doubling benchmark: does the time grow linearly with the input?

Runs each case at sizes n, 2n, 4n, ... and prints the CPU time and the ratio of each
time to the previous one. Linear code gives ratios near 2; a ratio near 4 is
quadratic (issue 26: one 100,000-character abstract took 4.5 s to extract, 200,000
took 13 s; 20,000 BibTeX entries took 11x the time of 5,000).

Cases:

* ``extract``: one abstract of n characters (seed sentences repeated) through
  :class:`paperkg.extract.Extractor` (with the field limit raised so nothing is cut);
* ``bibtex``: a BibTeX file of n entries through :func:`paperkg.load.load_papers`;
* ``jsonl``: a JSON Lines file of n papers through :func:`paperkg.load.load_papers`.

Usage::

    python bench/bench_doubling.py extract --start 25000 --steps 4
    python bench/bench_doubling.py bibtex --start 5000 --steps 3
    python bench/bench_doubling.py jsonl --start 20000 --steps 3

The verdict is the growth exponent fitted over the whole range, ``log(t_last /
t_first) / log(n_last / n_first)`` (1 = linear, 2 = quadratic), steadier than any one
ratio on a shared machine; the script exits 1 when it is above ``--max-exponent``
(default 1.3), so it can guard a CI job. Compare CPU times, not wall times.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    found = [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
             if 80 <= len(s.strip()) <= 400 and "\n" not in s.strip()]
    return found or ["We propose a graph neural network trained on ImageNet with Adam."]


# entity-dense: defined acronyms, known terms, their variants ("GNN models"), so the
# resolver has thousands of candidates to relate to each other
_DENSE = ("We train a Graph Neural Network (GNN) with Adam on ImageNet and the CIFAR-10 "
          "dataset using Vision Transformers and Fourier Neural Operators (FNO) in Sobolev "
          "spaces; GNN models and the FNO architecture improve on the PaRIS algorithm.")


def _abstract(n: int) -> str:
    """Seed sentences alternating with an entity-dense one, ``n`` characters."""
    pool, out, size, i = _sentences(), [], 0, 0
    while size < n:
        out.append(pool[i % len(pool)] if i % 2 else _DENSE)
        size += len(out[-1]) + 1
        i += 1
    return " ".join(out)[:n]


def _extract_case(n: int) -> Callable[[], object]:
    from paperkg.extract import Extractor
    from paperkg.models import Paper

    extractor = _extract_case.extractor = getattr(_extract_case, "extractor", None) or Extractor()
    paper = Paper(id="long", title="A long abstract", abstract=_abstract(n))
    return lambda: extractor.extract(paper)


def _bibtex_case(n: int, tmp: Path) -> Callable[[], object]:
    from paperkg.load import load_papers

    path = tmp / f"refs-{n}.bib"
    body = _abstract(600)
    path.write_text("".join(
        f"@article{{key{i},\n  title = {{Paper number {i}}},\n  author = {{A. One and B. Two}},"
        f"\n  abstract = {{{body}}},\n  year = 2024\n}}\n" for i in range(n)), encoding="utf-8")
    return lambda: load_papers([path])


def _jsonl_case(n: int, tmp: Path) -> Callable[[], object]:
    from paperkg.load import load_papers

    path = tmp / f"papers-{n}.jsonl"
    body = _abstract(600)
    path.write_text("".join(json.dumps({"title": f"Paper number {i}", "abstract": body}) + "\n"
                            for i in range(n)), encoding="utf-8")
    return lambda: load_papers([path])


def _cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=["extract", "bibtex", "jsonl"])
    parser.add_argument("--start", type=int, default=None)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--max-exponent", type=float, default=1.3)
    args = parser.parse_args(argv)
    start = args.start or {"extract": 25_000, "bibtex": 5_000, "jsonl": 20_000}[args.case]
    if args.case == "extract":
        # the loaders would cut a field this long; the extractor itself is measured
        import os

        os.environ.setdefault("PAPERKG_MAX_FIELD_CHARS", str(10 * start * 2**args.steps))
    import math

    first = previous = None
    with tempfile.TemporaryDirectory() as tmp:
        for step in range(args.steps + 1):
            n = start * 2**step
            if args.case == "extract":
                run = _extract_case(n)
                run()  # warm-up: vocabulary caches
            elif args.case == "bibtex":
                run = _bibtex_case(n, Path(tmp))
            else:
                run = _jsonl_case(n, Path(tmp))
            secs = min(_cpu(run) for _ in range(2))
            ratio = secs / previous if previous else float("nan")
            first = first or (n, secs)
            print(f"{args.case} n={n:>9,}: {secs:8.3f} s CPU"
                  + (f"  x{ratio:.2f} for 2x the input" if previous else ""), flush=True)
            previous = secs
    exponent = math.log(previous / first[1]) / math.log(n / first[0])
    verdict = "linear" if exponent <= args.max_exponent else "SUPERLINEAR"
    print(f"growth exponent {exponent:.2f} ({verdict}; limit {args.max_exponent})")
    return 0 if exponent <= args.max_exponent else 1


if __name__ == "__main__":
    sys.exit(main())
