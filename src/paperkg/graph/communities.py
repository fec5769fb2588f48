"""Louvain communities of the paper graph.

Louvain (Blondel et al. 2008, "Fast unfolding of communities in large networks") on
integer arrays, with networkx's node order, random permutation and adjacency order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np

from paperkg._accel import kernels
from paperkg._accel.thresholds import THRESHOLDS
from paperkg.links import PaperGraphView

__all__ = ["detect_communities", "link_louvain", "ordered_groups", "groups_of", "MAX_PASSES",
           "MAX_LEVELS"]


def detect_communities(graph: nx.Graph | PaperGraphView, seed: int = 42) -> list[list[str]]:
    """Louvain communities of the paper graph, largest first.

    Ties in size are broken by the smallest node id, so ids are deterministic; a paper
    without links is a community of its own. Near-linear in the number of edges.
    """
    if graph.number_of_nodes() == 0:
        return []
    if isinstance(graph, PaperGraphView):  # the same partition, read off the arrays
        nodes = list(graph)
        labels = link_louvain(len(nodes), graph.links.rows, graph.links.cols,
                               graph.links.weights, seed)
        return ordered_groups(groups_of(nodes, labels) if labels is not None else [[n] for n in nodes])
    total = graph.size(weight="weight")
    use = "weight" if total > 0 else None
    if graph.is_directed() or graph.is_multigraph():
        found = nx.community.louvain_communities(graph, weight=use, seed=seed)
    else:
        found = _louvain(graph, use, seed)
    return ordered_groups(found)


def ordered_groups(found: Iterable[Iterable[str]]) -> list[list[str]]:
    groups = [sorted(c) for c in found]
    groups.sort(key=lambda c: (-len(c), c[0]))
    return groups


def link_louvain(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray,
                  seed: int) -> np.ndarray | None:
    """:func:`detect_communities` of the paper graph built from the links (as
    :func:`paper_graph` returns them: rows ``eu``, ``ev``, weights ``ew``) by
    :func:`_paper_graph_from_edges`, as community numbers of the rows (before
    ordering); ``None`` when there is no edge.

    That graph's nodes are the rows in order and its edges, sorted ``(i, j)`` pairs
    with ``i < j``, come out of ``graph.edges`` in the same order, so the arrays here are
    the ones :func:`_louvain` reads off the graph.
    """
    if not len(eu):
        return None
    if not (ew > 0).any():  # graph.size(weight="weight") == 0: networkx weighs by 1
        ew = np.ones(len(eu))
    return _louvain_arrays(n, eu, ev, ew, seed)


# Louvain (Blondel et al., 2008, "Fast unfolding of communities in large networks")
# as networkx runs it (``louvain_partitions`` / ``_one_level`` / ``_gen_graph``), on
# integer arrays instead of dict-of-dict graphs: the same node order, the same random
# permutation of it and the same adjacency order, several times faster. (The
# modularity that decides when to stop sums each community in index order; networkx
# sums it in set order, which varies with the hash seed.)
#
# It always ends. The gain of a move is computed times m**2, as networkx does since
# gh-8739: with the gain divided by m and 2 m**2, rounding made both directions of a
# move look like gains, and the 7-node graph of networkx's ``test_inf_loops`` never
# finished for seeds 0, 1, 24, 25, 29 (networkx 3.6.1 still hangs there; issue 26).
# With integer weights the rescaled gains are exact; for any weights a level makes at
# most MAX_PASSES passes and the hierarchy has at most MAX_LEVELS levels.

#: Passes over the nodes in one level at most (a pass moves each node at most once;
#: real graphs settle in a few dozen).
MAX_PASSES = 1_000
#: Levels of the hierarchy at most (each level merges communities; real graphs need
#: fewer than 20).
MAX_LEVELS = 100


def _level_arrays(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray):
    """Adjacency entries ``(src, dst, weight)`` sorted by source, each node's in
    networkx insertion order, of the graph whose edges were added in the order
    ``(eu, ev, ew)``; and its weighted degrees as networkx sums them."""
    other = eu != ev
    src = np.concatenate([eu, ev[other]])
    when = np.concatenate([np.arange(len(eu)), np.flatnonzero(other)])
    order = np.lexsort((when, src))
    del when
    # one array at a time: at 10^6 papers each is 32 M entries (256 MB; the node
    # numbers half that as int32)
    index = np.int32 if n < 2**31 - 1 else np.int64
    src = src[order].astype(index)
    dst = np.concatenate([ev, eu[other]])[order].astype(index)
    wts = np.concatenate([ew, ew[other]])[order]
    del order
    # sequential sums in adjacency order (bincount adds in array order), then the
    # self-loop once more, as Graph.degree does
    degrees = np.bincount(src, weights=wts, minlength=n)
    loops = ~other
    degrees += np.bincount(eu[loops], weights=ew[loops], minlength=n)
    return src, dst, wts, degrees


def _louvain_level(n, src, dst, wts, degrees, m, rng):
    """One ``_one_level`` pass (resolution 1); returns each node's community (not
    renumbered) and whether any node moved."""
    if len(src) >= THRESHOLDS.kernel_min_entries and kernels.available():
        order = list(range(n))
        rng.shuffle(order)
        cuts = np.searchsorted(src, np.arange(n + 1, dtype=src.dtype))
        return kernels.louvain_level(n, cuts, dst, wts, degrees,
                                      np.asarray(order, dtype=np.int64), m, MAX_PASSES)
    # per node: (neighbour, weight) pairs in adjacency order, self-loops left out
    keep = src != dst
    pairs = list(zip(dst[keep].tolist(), wts[keep].tolist(), strict=True))
    cuts = np.concatenate([[0], np.cumsum(np.bincount(src[keep], minlength=n))]).tolist()
    nbrs = [pairs[cuts[u]:cuts[u + 1]] for u in range(n)]
    del pairs
    deg = degrees.tolist()
    stot = list(deg)
    node2com = list(range(n))
    order = list(range(n))
    rng.shuffle(order)
    moves = 1
    passes = 0
    improved = False
    while moves > 0 and passes < MAX_PASSES:
        passes += 1
        moves = 0
        for u in order:
            best_mod = 0
            best_com = own = node2com[u]
            weights2com: dict[int, float] = {}
            for v, w in nbrs[u]:
                c = node2com[v]
                # networkx: defaultdict(float)[c] += w; the same sums, no method call
                if c in weights2com:
                    weights2com[c] += w
                else:
                    weights2com[c] = 0.0 + w
            degree = deg[u]
            stot[best_com] -= degree
            if best_com not in weights2com:
                weights2com[best_com] = 0.0  # networkx reads a defaultdict here
            # networkx multiplies both stot terms by resolution (1): exact, left out;
            # the gain is taken times m**2 so that it is exact for integer weights
            # ("multiply by m**2 to avoid floating point errors", networkx gh-8739)
            remove_cost = -weights2com[best_com] * m + (stot[best_com] * degree) / 2
            for nbr_com, w in weights2com.items():
                gain = remove_cost + w * m - (stot[nbr_com] * degree) / 2
                if gain > best_mod:
                    best_mod = gain
                    best_com = nbr_com
            stot[best_com] += degree
            if best_com != own:
                improved = True
                moves += 1
                node2com[u] = best_com
    return np.asarray(node2com, dtype=np.int64), improved


def _modularity(n, eu, ev, ew, degrees, com, resolution=1):
    """networkx ``modularity`` of the partition ``com`` (one community id per node)."""
    deg_sum = sum(degrees.tolist())
    m = deg_sum / 2
    norm = 1 / deg_sum**2
    k = int(com.max()) + 1 if n else 0
    inside = com[eu] == com[ev]
    internal = np.bincount(com[eu[inside]], weights=ew[inside], minlength=k).tolist()
    totals = np.bincount(com, weights=degrees, minlength=k).tolist()
    present = np.bincount(com, minlength=k).astype(bool).tolist()
    return sum(
        internal[c] / m - resolution * totals[c] * totals[c] * norm
        for c in range(k) if present[c]
    )


def _louvain(graph: nx.Graph, weight: str | None, seed: int,
             threshold: float = 0.0000001) -> list[list[Any]]:
    """``nx.community.louvain_communities(graph, weight=weight, seed=seed)`` for an
    undirected simple graph, as lists of nodes."""
    nodes = list(graph)
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    triples = [(index[u], index[v], w) for u, v, w in graph.edges(data=weight, default=1)]
    if not triples:
        return [[node] for node in nodes]
    eu = np.fromiter((t[0] for t in triples), dtype=np.int64, count=len(triples))
    ev = np.fromiter((t[1] for t in triples), dtype=np.int64, count=len(triples))
    ew = np.fromiter((t[2] for t in triples), dtype=np.float64, count=len(triples))
    del triples
    return groups_of(nodes, _louvain_arrays(n, eu, ev, ew, seed, threshold))


def groups_of(nodes: Sequence[Any], result: np.ndarray) -> list[list[Any]]:
    """Nodes grouped by their community number (``result``, one per node)."""
    if len(nodes) == 0:
        return []
    groups: list[list[Any]] = [[] for _ in range(int(result.max()) + 1)]
    for node, c in zip(nodes, result.tolist(), strict=True):
        groups[c].append(node)
    return groups


def _louvain_arrays(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray, seed: int,
                    threshold: float = 0.0000001) -> np.ndarray:
    """:func:`_louvain` on the graph of nodes ``0..n-1`` whose edges were added in the
    order ``(eu, ev, ew)`` (at least one); each node's community number."""
    rng = random.Random(seed)
    src, dst, wts, degrees = _level_arrays(n, eu, ev, ew)
    mod = _modularity(n, eu, ev, ew, degrees, np.arange(n))
    m = sum(degrees.tolist()) / 2
    member = np.arange(n)  # original node -> node of the current level
    level_n = n
    com, improved = _louvain_level(level_n, src, dst, wts, degrees, m, rng)
    levels = 1
    while True:
        # renumber the non-empty communities in index order, as filter(len, ...) does
        used = np.zeros(level_n, dtype=bool)
        used[com] = True
        renumber = np.cumsum(used) - 1
        com = renumber[com]
        result = com[member]
        if not improved or levels >= MAX_LEVELS:
            break
        new_mod = _modularity(level_n, eu, ev, ew, degrees, com)
        if new_mod - mod <= threshold:
            break
        mod = new_mod
        # the next level: one node per community, edges in first-seen order (networkx
        # walks the edges node by node, each edge once from its first end)
        first_end = dst >= src
        cu, cv, cw = com[src[first_end]], com[dst[first_end]], wts[first_end]
        del src, dst, wts, first_end  # this level's adjacency is done with
        lo, hi = np.minimum(cu, cv), np.maximum(cu, cv)
        level_k = int(com.max()) + 1
        keys, first, inverse = np.unique(lo * level_k + hi, return_index=True,
                                         return_inverse=True)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(keys))
        ew = np.bincount(rank[inverse.ravel()], weights=cw, minlength=len(keys))
        by_time = np.argsort(first, kind="stable")
        eu, ev = cu[first[by_time]], cv[first[by_time]]
        member = com[member]
        level_n = level_k
        src, dst, wts, degrees = _level_arrays(level_n, eu, ev, ew)
        com, improved = _louvain_level(level_n, src, dst, wts, degrees, m, rng)
        levels += 1
    return result
