"""Scaling benchmark: synthetic corpora of 10^3 ... 10^6 papers through the whole pipeline.

For each size a synthetic corpus is written once (``bench/synth.py``), then each
repeat runs in a fresh Python process (so peak memory is per size) and measures:

* ``extract``: reading and de-duplicating the JSON Lines corpus
  (``stream_sources``), batched extraction (``--jobs`` processes) of the papers as they
  are read, and canonicalisation, writing a fresh SQLite cache, as ``paperkg build``
  does by default;
* ``load``: the part of ``extract`` this process spent reading the corpus, shown in
  parentheses (a paperkg without ``stream_sources`` loads first: ``load_sources``,
  then ``load`` is a stage of its own and counts in the end-to-end time);
* ``rerun``: streaming load + extraction again with the warm cache (all reused;
  ``--no-rerun`` skips it);
* ``build``: the graph stage as ``paperkg build`` runs it,
  :func:`paperkg.workflow.build_graph` (projection, communities; in an older paperkg,
  :func:`paperkg.graph.build_knowledge_graph`);
* ``graphml``: writing the knowledge graph and the paper graph as GraphML;
* CPU seconds of the main process for ``build`` and ``graphml`` (on a shared machine
  they vary less than the wall-clock figures);
* ``export``: :func:`paperkg.export.export_all` (every format; HTML sampled for big
  graphs), unless ``--no-export-all``;
* peak RSS of the main process and of the largest worker process, papers/s of the
  cold extraction, node and edge counts; ``rss_children_mb`` (JSON only): the peak RSS
  of the processes ``build`` and ``graphml`` fork on big graphs; ``gc_extract``,
  ``gc_build``, ``gc_graphml`` (JSON only): seconds the main process spent in Python's
  cyclic garbage collector during those stages;
* two yardsticks of the machine itself, since a shared machine's speed varies from day
  to day (the same workers' CPU time for the same 10^6 extraction has differed 2.2x):
  ``calib ms``, the median time of a fixed pure-Python workload (dict and string
  operations, one core, the collector off) measured in a fresh process just before
  the run, and ``steal %``, the share of the machine's CPU time the hypervisor gave to
  other guests during the run (``/proc/stat``; ``-`` where there is none).

The end-to-end figure is ``extract + build + graphml`` (plus ``load`` when it is a
stage of its own). The scaling exponent is the
log-log slope of that figure between consecutive sizes (1.0 is linear).

Usage::

    python bench/bench_scale.py                      # 1e3 1e4 1e5
    python bench/bench_scale.py --sizes 1e3 1e4 --repeat 3
    python bench/bench_scale.py --million            # adds 1e6
    python bench/bench_scale.py --sizes 1e4 --profile  # cProfile of one run
    python bench/bench_scale.py --sizes 1e6 --stop-after extract  # load + extraction only
    python bench/bench_scale.py --sizes 1e5 --stages  # + each build/save step's time

``--stages`` prints, for each step of canonicalisation, of the build and of writing
GraphML (in the main process and in the processes it forks), its wall time, the
process's RSS after it and its peak so far, and records the main process's step times
in the JSON (``stages``; a step's second call, in the warm re-run, as ``name#2``).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


class _Workers(threading.Thread):
    """Samples the extraction workers (grandchildren via forkserver) with psutil.

    ``getrusage(RUSAGE_CHILDREN)`` does not see them: they are the forkserver's
    children, not ours. Records each worker's peak RSS and last CPU time. Direct
    children are left out: the forkserver, and the child forked for half of the
    canonicalisation, whose RSS counts the pages it shares with this process.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self.cpu: dict[int, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil is optional
            return
        me = psutil.Process()
        while not self._done.wait(0.5):
            for proc in me.children(recursive=True):
                try:
                    # asked of each process: a child forked between two listings (the
                    # canonicalisation's half) was once taken for a worker
                    if proc.ppid() == me.pid:
                        continue
                    self.peak_mb = max(self.peak_mb, proc.memory_info().rss / 2**20)
                    times = proc.cpu_times()
                    self.cpu[proc.pid] = times.user + times.system
                except psutil.Error:
                    continue

    def stop(self) -> float:
        """Stop sampling; return the workers' CPU seconds."""
        self._done.set()
        self.join()
        return sum(self.cpu.values())


class _TimedStream:
    """Iterates a loader's stream, adding up the seconds spent reading (in ``seconds``)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.seconds = 0.0

    def __iter__(self):
        it = iter(self.stream)
        while True:
            t0 = time.perf_counter()
            try:
                paper = next(it)
            except StopIteration:
                self.seconds += time.perf_counter() - t0
                return
            self.seconds += time.perf_counter() - t0
            yield paper

    @property
    def papers(self):
        return self.stream.papers


def _cpu() -> float:
    """CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: The steps ``--stages`` times: module -> functions (looked up at call time by their
#: callers, so wrapping the module attribute is enough; a module or name missing in
#: the paperkg under test is skipped).
STAGES = {
    "paperkg.canonical": ["canonicalize_json", "reduce_canonical_json", "surface_counts",
                          "plan_of", "rewrite_records", "_surfaces", "_plan"],
    "paperkg.workflow": ["canonicalize_corpus", "_collect_forked", "_project_halves",
                         "_graphs_and_layouts"],
    "paperkg.graph.tally": ["collect", "corpus_from_tally"],
    "paperkg.graph.projection": ["paper_graph", "plan_projection"],
    "paperkg.graph.bipartite": ["corpus_links", "knowledge_graph"],
    "paperkg.graph.communities": ["link_louvain"],
    "paperkg.graph.labels": ["assign_communities"],
    # an older paperkg's graph module
    "paperkg.graph": ["_collect", "_corpus_links", "paper_graph", "_edge_attrs",
                      "knowledge_graph", "_link_louvain", "assign_communities"],
    "paperkg.export.layout": ["layout_from_edges", "compute_layout"],
    "paperkg.export.graphml": ["write_graphml"],
}


class _GcClock:
    """Wall seconds this process spends in the cyclic garbage collector (a
    ``gc.callbacks`` hook: every collection reports its start and its end)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def time_stages(record: dict[str, float]) -> None:
    """Wrap the :data:`STAGES` to print their times and memory (stderr); the main
    process's times go to ``record`` (forked children only print)."""
    import functools
    import importlib

    main = os.getpid()
    for module_name, names in STAGES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # not in the paperkg under test
            continue
        for name in names:
            func = getattr(module, name, None)
            if func is None:
                continue

            @functools.wraps(func)
            def timed(*args, _func=func, _name=name, **kwargs):
                t0 = time.perf_counter()
                result = _func(*args, **kwargs)
                took = time.perf_counter() - t0
                where = "" if os.getpid() == main else f" (forked child {os.getpid()})"
                print(f"  stage {_name}: {took:.1f} s, rss {_rss_mb():,.0f} MB, peak "
                      f"{_peak_mb(resource.RUSAGE_SELF):,.0f} MB{where}",
                      file=sys.stderr, flush=True)
                if not where:  # a second call (the warm re-run's) as "name#2"
                    key, k = _name, 1
                    while key in record:
                        k += 1
                        key = f"{_name}#{k}"
                    record[key] = took
                return result

            setattr(module, name, timed)


def child(n: int, corpus: Path, work: Path, jobs: int | None, export_all: bool,
          profile: bool, stop_after: str | None = None, stages: bool = False,
          rerun: bool = True) -> dict:
    """One measured run (in its own process); returns the figures as a dict."""
    import networkx as nx

    from paperkg.workflow import extract_corpus, iter_sources, load_sources

    try:  # the graph stage as paperkg build runs it (both cores on a big corpus)
        from paperkg.workflow import build_graph as build_knowledge_graph
    except ImportError:  # an older paperkg, whose graph stage scheduled its own forks
        from paperkg.graph import build_knowledge_graph

    try:
        from paperkg.workflow import stream_sources
    except ImportError:  # an older paperkg
        stream_sources = None

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    out: dict = {"n": n}
    if stages:
        out["stages"] = {}
        time_stages(out["stages"])

    import gc

    gc_clock = _GcClock()
    gc.callbacks.append(gc_clock)
    workers = _Workers()
    if stream_sources is not None:
        # as `paperkg build` runs: the corpus is read while the workers extract, so
        # "extract" includes loading and "load" is the part of it spent reading
        t0, c0, g0 = time.perf_counter(), _cpu(), gc_clock.total
        workers.start()
        stream = _TimedStream(stream_sources([str(corpus)], fmt="jsonl"))
        # and, where this paperkg has it, with the graph's tally made while canonicalising
        fused = ({"for_graph": True}
                 if "for_graph" in inspect.signature(extract_corpus).parameters else {})
        run = extract_corpus(stream, jobs=jobs, cache=cache, **fused)
        papers = stream.papers
        out["load"] = stream.seconds
        out["load_overlapped"] = 1
    else:  # a paperkg without the streaming loader: load, then extract
        t0 = time.perf_counter()
        papers, _ = load_sources([str(corpus)], fmt="jsonl")
        out["load"] = time.perf_counter() - t0
        t0, c0, g0 = time.perf_counter(), _cpu(), gc_clock.total
        workers.start()
        run = extract_corpus(papers, jobs=jobs, cache=cache)
    out["n_papers"] = len(papers)
    out["extract"] = time.perf_counter() - t0
    out["gc_extract"] = gc_clock.total - g0
    out["extract_cpu_main"] = _cpu() - c0
    out["extract_cpu_workers"] = workers.stop()
    out["rss_workers_mb"] = workers.peak_mb
    out["rss_extract_mb"] = _peak_mb(resource.RUSAGE_SELF)

    if rerun:
        t0 = time.perf_counter()
        again = extract_corpus(iter_sources([str(corpus)], fmt="jsonl"), jobs=jobs, cache=cache)
        out["rerun"] = time.perf_counter() - t0
        out["rerun_reused"] = again.n_reused
        del again

    if stop_after == "extract":
        return _finish(out, profiler)

    t0, c0, g0 = time.perf_counter(), _cpu(), gc_clock.total
    kg = build_knowledge_graph(papers, run.results)
    out["build"] = time.perf_counter() - t0
    out["build_cpu"] = _cpu() - c0
    out["gc_build"] = gc_clock.total - g0
    graph = kg.graph
    out["nodes"] = graph.number_of_nodes()
    out["edges"] = graph.number_of_edges()
    # the view, where there is one: reading kg.paper_graph would make the networkx graph
    paper_graph = getattr(kg, "paper_graph_view", None) or getattr(kg, "paper_graph", None)
    if paper_graph is not None:
        out["paper_edges"] = paper_graph.number_of_edges()
    out["rss_build_mb"] = _peak_mb(resource.RUSAGE_SELF)
    del run, papers

    t0, c0, g0 = time.perf_counter(), _cpu(), gc_clock.total
    try:  # knowledge graph + paper graph, as `paperkg build` writes them
        from paperkg.workflow import save_graphs
    except ImportError:  # an older paperkg: KnowledgeGraph.save did it
        save_graphs = None
    if save_graphs is not None:
        save_graphs(kg, work / "kg.graphml")
    elif hasattr(kg, "save"):
        kg.save(work / "kg.graphml")
    else:
        nx.write_graphml(graph, work / "kg.graphml")
    out["graphml"] = time.perf_counter() - t0
    out["graphml_cpu"] = _cpu() - c0
    out["gc_graphml"] = gc_clock.total - g0

    if export_all:
        from paperkg.export import export_all as _export_all

        t0 = time.perf_counter()
        _export_all(kg, work / "export")
        out["export"] = time.perf_counter() - t0
    return _finish(out, profiler)


def _finish(out: dict, profiler) -> dict:
    out["rss_mb"] = _peak_mb(resource.RUSAGE_SELF)
    # reaped direct children: the processes build and save fork on big graphs (their RSS
    # counts the pages they share with this process after the fork, so it overstates
    # what they add); not the extraction workers, which are the forkserver's children
    out["rss_children_mb"] = _peak_mb(resource.RUSAGE_CHILDREN)
    out["load_avg_1m"] = os.getloadavg()[0]
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
    return out


def _size(text: str) -> int:
    return int(float(text))


def _fmt_n(n: int) -> str:
    exp = math.log10(n)
    return f"1e{int(exp)}" if exp.is_integer() else str(n)


def calibrate(rounds: int = 7) -> float:
    """Milliseconds of a fixed pure-Python workload, the median of ``rounds``: counting
    500,000 short strings in a dict (lower-casing, look-ups, one sort), the kind of work
    the extractor's rules do, with the cyclic collector off so the caller's heap does
    not weigh on it. A yardstick of this machine's speed at the moment, to compare runs
    made on different days; :func:`run_size` measures it in a fresh process."""
    words = [f"Word{i % 5000}" for i in range(500_000)]
    times = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            t0 = time.perf_counter()
            counts: dict[str, int] = {}
            for word in words:
                key = word.lower()
                counts[key] = counts.get(key, 0) + 1
            sorted(counts.items())
            times.append(time.perf_counter() - t0)
    finally:
        if was_enabled:
            gc.enable()
    return statistics.median(times) * 1000


def _calibrate_fresh() -> float | None:
    """:func:`calibrate` in a new interpreter (an empty heap, nothing inherited);
    ``None`` if that process fails."""
    proc = subprocess.run([sys.executable, __file__, "--calibrate"], stdout=subprocess.PIPE,
                          text=True, check=False)
    try:
        return float(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else None
    except (ValueError, IndexError):
        return None


def _cpu_ticks() -> list[int] | None:
    """The machine's CPU time so far, ``/proc/stat``'s first line (``user nice system
    idle iowait irq softirq steal``, in ticks); ``None`` without it."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 9:
        return None
    return [int(x) for x in fields[1:9]]


def steal_pct(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share (%) of the CPU time between two :func:`_cpu_ticks` readings that was
    stolen by the hypervisor; ``None`` without both readings."""
    if before is None or after is None:
        return None
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(spent)
    return 100.0 * spent[7] / total if total > 0 else None


def run_size(n: int, args: argparse.Namespace) -> list[dict]:
    corpus = args.out / f"synth-{_fmt_n(n)}-seed{args.seed}.jsonl"
    if not corpus.exists():
        t0 = time.perf_counter()
        synth.write_corpus(corpus, n, args.seed)
        print(f"# generated {corpus} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    runs = []
    for rep in range(args.repeat):
        cmd = [sys.executable, __file__, "--child", str(n), "--corpus", str(corpus),
               "--work", str(args.out / f"work-{_fmt_n(n)}")]
        if args.jobs:
            cmd += ["--jobs", str(args.jobs)]
        if not args.export_all:
            cmd.append("--no-export-all")
        if args.profile:
            cmd.append("--profile")
        if args.stop_after:
            cmd += ["--stop-after", args.stop_after]
        if args.stages:
            cmd.append("--stages")
        if not args.rerun:
            cmd.append("--no-rerun")
        calib = _calibrate_fresh()
        ticks = _cpu_ticks()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"bench: size {n} run {rep + 1} failed (exit {proc.returncode})")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures["wall"] = time.perf_counter() - t0
        if calib is not None:
            figures["calib_ms"] = calib
        steal = steal_pct(ticks, _cpu_ticks())
        if steal is not None:
            figures["steal_pct"] = steal
        print(f"# {_fmt_n(n)} run {rep + 1}: {json.dumps(figures)}", file=sys.stderr)
        runs.append(figures)
    return runs


def median_of(runs: list[dict]) -> dict:
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float))]
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def table(rows: list[dict], export_all: bool) -> str:
    head = ["papers", "load s", "extract s", "CPU main s", "CPU workers s", "papers/s", "rerun s", "build s", "graphml s"]
    if export_all:
        head.append("export s")
    head += ["e2e s", "slope", "peak RSS MB", "worker RSS MB", "nodes", "edges", "paper edges",
             "load avg", "build CPU s", "graphml CPU s", "calib ms", "steal %"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    prev = None
    for r in rows:
        # the end-to-end figure needs every stage; runs stopped after extraction have none
        full = all(k in r for k in ("build", "graphml"))
        load = 0 if r.get("load_overlapped") else r["load"]  # else inside "extract"
        e2e = load + r["extract"] + r["build"] + r["graphml"] if full else None
        slope = "" if prev is None or e2e is None else (
            f"{math.log(e2e / prev[1]) / math.log(r['n'] / prev[0]):.2f}")
        shown_load = f"({r['load']:.1f})" if r.get("load_overlapped") else f"{r['load']:.1f}"
        cells = [f"{int(r['n']):,}", shown_load, f"{r['extract']:.1f}",
                 f"{r['extract_cpu_main']:.1f}", f"{r['extract_cpu_workers']:.1f}", f"{r['n'] / r['extract']:,.0f}",
                 _opt(r, "rerun"), _opt(r, "build"), _opt(r, "graphml")]
        if export_all:
            cells.append(_opt(r, "export"))
        cells += ["-" if e2e is None else f"{e2e:.1f}", slope, f"{r['rss_mb']:,.0f}",
                  f"{r['rss_workers_mb']:,.0f}",
                  f"{int(r['nodes']):,}" if "nodes" in r else "-",
                  f"{int(r['edges']):,}" if "edges" in r else "-",
                  f"{int(r['paper_edges']):,}" if "paper_edges" in r else "-",
                  f"{r['load_avg_1m']:.1f}", _opt(r, "build_cpu"), _opt(r, "graphml_cpu"),
                  _opt(r, "calib_ms"), _opt(r, "steal_pct")]
        lines.append("| " + " | ".join(cells) + " |")
        if e2e is not None:
            prev = (r["n"], e2e)
    return "\n".join(lines)


def _opt(row: dict, key: str) -> str:
    return f"{row[key]:.1f}" if key in row else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="paperkg scaling benchmark")
    parser.add_argument("--sizes", nargs="+", type=_size, default=[1_000, 10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also run 1e6 papers")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--jobs", type=int, default=None, help="extraction processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--no-export-all", dest="export_all", action="store_false",
                        help="skip export_all (GraphML is always timed)")
    parser.add_argument("--profile", action="store_true", help="cProfile each run (stderr)")
    parser.add_argument("--stop-after", choices=["extract"],
                        help="stop each run after this stage (e.g. sizes whose graph "
                             "does not fit in memory)")
    parser.add_argument("--stages", action="store_true",
                        help="time each step of canonicalisation, the build and writing "
                             "GraphML (stderr)")
    parser.add_argument("--no-rerun", dest="rerun", action="store_false",
                        help="skip the warm-cache re-run (not part of the end-to-end time)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--calibrate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.calibrate:
        print(f"{calibrate():.3f}")
        return 0
    if args.child is not None:
        figures = child(args.child, args.corpus, args.work, args.jobs, args.export_all,
                        args.profile, args.stop_after, args.stages, args.rerun)
        print(json.dumps(figures))
        return 0

    sizes = sorted(set(args.sizes + ([1_000_000] if args.million else [])))
    try:
        from paperkg._accel import kernels as _kernels
        from paperkg._accel.speedups import COMPILED_MODULES, compiled_modules
    except ImportError:  # an older paperkg
        from paperkg._speedups import COMPILED_MODULES, compiled_modules

        from paperkg import _kernels

    kernels = (f"numba {_kernels.numba_version()}" if _kernels.available()
               else "python (no numba)")
    extractor = f"{len(compiled_modules())}/{len(COMPILED_MODULES)} modules compiled"
    print(f"# paperkg scaling benchmark: sizes {sizes}, jobs {args.jobs or os.cpu_count()}, "
          f"repeat {args.repeat}, seed {args.seed}, cpus {os.cpu_count()}, "
          f"graph kernels {kernels}, extractor {extractor}", file=sys.stderr)
    rows = []
    for n in sizes:
        rows.append(median_of(run_size(n, args)))
        print(table(rows, args.export_all), file=sys.stderr)
    print(table(rows, args.export_all))
    return 0


if __name__ == "__main__":
    sys.exit(main())
