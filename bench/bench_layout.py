"""Layout benchmark: do communities show as regions on the map?

For every paper in a community of at least ``--min-size`` papers, the share of its
``--k`` nearest papers on the map (Euclidean, positions ``x``/``y``) that are in its own
community, against the share random positions give, ``(|C| - 1) / (n - 1)``. The lift is
the mean observed share over the mean expected share: 1 means no visible structure.

Two uses::

    # the positions a build wrote (papers.graphml of `paperkg build`)
    python bench/bench_layout.py graphs/papers.graphml

    # lay the graph out again with the current code, timed (median of --repeat runs)
    python bench/bench_layout.py graphs/papers.graphml --relayout --repeat 3

Prints one row per file; no thresholds (the README states the targets).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["neighbour_lift"]


def neighbour_lift(
    positions: np.ndarray, communities: np.ndarray, *, k: int = 10, min_size: int = 10
) -> tuple[float, float, float]:
    """``(observed, expected, lift)`` of the k-nearest-neighbour community share.

    ``positions`` is ``(n, 2)``, ``communities`` ``(n,)`` integer labels (negative: none).
    O(n log n) (a k-d tree).
    """
    n = len(positions)
    if n <= k:
        raise ValueError(f"need more than k={k} papers, got {n}")
    sizes = Counter(communities.tolist())
    counted = np.array([c >= 0 and sizes[c] >= min_size for c in communities.tolist()])
    if not counted.any():
        raise ValueError(f"no community has {min_size} papers or more")
    # jitter-free ties: identical positions still give k distinct neighbours
    _, nearest = cKDTree(positions).query(positions[counted], k=k + 1)
    own = communities[counted]
    # drop each paper itself (its own row may not come first when positions coincide)
    rows = np.flatnonzero(counted)
    share = []
    for row, found, label in zip(rows, nearest, own, strict=True):
        others = [j for j in found if j != row][:k]
        share.append(float(np.mean(communities[others] == label)))
    observed = float(np.mean(share))
    expected = float(np.mean([(sizes[c] - 1) / (n - 1) for c in own.tolist()]))
    return observed, expected, observed / expected


def _read(path: Path) -> tuple[nx.Graph, np.ndarray, np.ndarray]:
    graph = nx.read_graphml(path)
    papers = [node for node, data in graph.nodes(data=True) if data.get("kind", "paper") == "paper"]
    pos = np.array([(float(graph.nodes[p].get("x", 0.0)), float(graph.nodes[p].get("y", 0.0)))
                    for p in papers])
    labels = np.array([int(graph.nodes[p].get("community", -1)) for p in papers])
    return graph.subgraph(papers).copy(), pos, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graphml", nargs="+", type=Path)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--min-size", type=int, default=10)
    parser.add_argument("--relayout", action="store_true",
                        help="lay the graph out again with compute_layout, timed")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    print(f"{'file':<40} {'papers':>7} {'links':>8} {'own':>6} {'random':>7} {'lift':>6}"
          f" {'layout s':>9}")
    for path in args.graphml:
        graph, pos, labels = _read(path)
        seconds = float("nan")
        if args.relayout:
            from paperkg.export.layout import compute_layout

            times = []
            for _ in range(args.repeat):
                fresh = nx.Graph(graph)  # no layout memo
                start = time.perf_counter()
                layout = compute_layout(fresh, seed=args.seed)
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            pos = np.array([layout[node] for node in graph])
        observed, expected, lift = neighbour_lift(pos, labels, k=args.k, min_size=args.min_size)
        name = str(path)[-40:]
        print(f"{name:<40} {graph.number_of_nodes():>7,} {graph.number_of_edges():>8,}"
              f" {observed:>6.1%} {expected:>7.1%} {lift:>5.2f}x {seconds:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
