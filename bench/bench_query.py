"""Query benchmark: wall time and peak memory of each ``paperkg query`` call on a built graph.

Each measurement is a fresh process (as a user's shell call is): ``paperkg query
papers-with|related|why|entities-of|top|repos-for|communities`` and one
``KnowledgeGraph.load`` followed by a ``papers_with`` query. Wall time is the child's
from start to exit, CPU time its ``os.wait4`` usage, peak RSS its own ``VmHWM``
(``ru_maxrss`` would count the bench's image the child was forked from). Prints the median of
``--runs`` runs per call, from the query store (``kg.sqlite``) and, with
``--graphml-runs N``, from the GraphML files alone (``PAPERKG_NO_STORE``-free: the bench
hides the store by loading with ``store=False``), with the ratio.

Usage::

    paperkg build real20k.jsonl -o graphs/20k           # writes kg.sqlite beside kg.graphml
    python bench/bench_query.py graphs/20k/kg.graphml --runs 5 --graphml-runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# One call: the CLI's own entry point with the store either used or hidden.
CHILD = """
import atexit, sys

def _peak():  # VmHWM: this process's own peak, not the forked parent's image
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    sys.stderr.write(f"\\nPEAK_KB {kb}\\n")

atexit.register(_peak)
from paperkg import kg as kg_module
if sys.argv[1] == "graphml":
    original = kg_module.KnowledgeGraph.load.__func__
    kg_module.KnowledgeGraph.load = classmethod(
        lambda cls, path, store=True: original(cls, path, store=False))
if sys.argv[2] == "load":
    kg = kg_module.KnowledgeGraph.load(sys.argv[3])
    kg.papers_with(sys.argv[4])
else:
    from paperkg.cli import main
    args = sys.argv[2:]
    sys.argv = ["paperkg", *(args if args[0].startswith("-") else ["-q", "query", *args])]
    main()
"""


def run_once(mode: str, args: list[str]) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MB, exit code) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    peak = [line for line in stderr.decode().splitlines() if line.startswith("PEAK_KB ")]
    return (wall, usage.ru_utime + usage.ru_stime, int(peak[-1].split()[1]) / 1024 if peak
            else usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))


def pick_arguments(graph: Path) -> dict[str, list[str]]:
    """Query arguments taken from the graph itself: its most frequent method, the paper
    with the most links, and two papers that share no entity."""
    from paperkg.kg import KnowledgeGraph

    kg = KnowledgeGraph.load(graph)
    top = kg.top_entities(type="method", n=1)[0].entity.name
    repos = next(c.entity.name for c in kg.top_entities(type="method", n=50)
                 if kg.repos_for(c.entity.id))
    con = kg._con  # the store's connection (the store is required here)
    (busy,) = con.execute("SELECT n.id FROM link JOIN node AS n ON n.seq = link.u "
                          "GROUP BY link.u ORDER BY count(*) DESC LIMIT 1").fetchone()
    papers = [r[0] for r in con.execute(
        "SELECT id FROM node WHERE kind = 'paper' ORDER BY seq LIMIT 400")]
    other = next(p for p in reversed(papers) if not kg.why(papers[0], p).shared)
    g = ["-g", str(graph)]
    return {
        "baseline: --version": ["--version"],
        "papers-with": ["papers-with", top, *g],
        "related": ["related", busy, *g],
        "why": ["why", papers[0], other, *g],
        "entities-of": ["entities-of", busy, *g],
        "top": ["top", *g],
        "repos-for": ["repos-for", repos, *g],
        "communities": ["communities", *g],
        "KnowledgeGraph.load": ["load", str(graph), top],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("graph", type=Path, help="kg.graphml written by paperkg build")
    parser.add_argument("--runs", type=int, default=5, help="runs per call from the store")
    parser.add_argument("--graphml-runs", type=int, default=0,
                        help="runs per call from the GraphML alone (slow on big graphs)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args()
    from paperkg.store import open_store

    if open_store(opts.graph) is None:
        sys.exit(f"{opts.graph}: no current query store beside it; run paperkg build")
    calls = pick_arguments(opts.graph)
    print(f"# {opts.graph}  python {platform.python_version()}  "
          f"{os.cpu_count()} cores  medians of {opts.runs} (store) / {opts.graphml_runs} (GraphML)")
    print(f"{'call':22} {'wall s':>7} {'CPU s':>6} {'peak MB':>8} | {'GraphML wall s':>14} "
          f"{'peak MB':>8} {'ratio':>6}")
    figures = {}
    for name, args in calls.items():
        row = {}
        for mode, runs in (("store", opts.runs), ("graphml", opts.graphml_runs)):
            if not runs:
                continue
            if mode == "graphml" and name.startswith("baseline"):
                continue
            results = [run_once(mode, args) for _ in range(runs)]
            if any(code != 0 for *_, code in results):
                sys.exit(f"{name} ({mode}) failed: {' '.join(args)}")
            row[mode] = tuple(statistics.median(r[k] for r in results) for k in range(3))
        figures[name] = row
        store, graphml = row["store"], row.get("graphml")
        tail = (f"{graphml[0]:14.2f} {graphml[2]:8.0f} {graphml[0] / store[0]:5.0f}x"
                if graphml else "")
        print(f"{name:22} {store[0]:7.2f} {store[1]:6.2f} {store[2]:8.0f} | {tail}", flush=True)
    if opts.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
