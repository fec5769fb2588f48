"""Deterministic 2-D layouts for the exporters.

Small graphs use NetworkX's spring layout. Larger ones use a grid-variant
Fruchterman-Reingold (Fruchterman & Reingold 1991, "Graph drawing by force-directed
placement", section on the grid variant): repulsion only between nodes closer than
``2k``, found with a k-d tree, so an iteration costs O(n + m + close pairs) instead
of O(n^2). Positions are scaled to a canvas of roughly ``30 * sqrt(n)`` units so the
HTML map and Gephi both open with readable spacing.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import networkx as nx
import numpy as np

from paperkg._accel import kernels as _kernels

__all__ = ["compute_layout", "layout_from_edges", "remember_layout", "SMALL_GRAPH"]

#: Up to this many nodes, NetworkX's exact spring layout is fast enough.
SMALL_GRAPH = 400
#: From this many nodes on the force steps run compiled (:mod:`paperkg._accel.kernels`, with
#: numba): the far field and the springs, with the same bits as the numpy code.
KERNEL_MIN_NODES = 20_000
#: The key of the layout memo in ``graph.__networkx_cache__``.
_CACHE_KEY = "paperkg_layouts"


def compute_layout(
    graph: nx.Graph,
    *,
    seed: int = 42,
    iterations: int | None = None,
    scale: float | None = None,
    initial: Mapping[Hashable, tuple[float, float]] | None = None,
) -> dict[Hashable, tuple[float, float]]:
    """Lay out ``graph`` in 2-D, the same way for the same graph and seed.

    Parameters
    ----------
    graph
        Any NetworkX graph; edge ``weight`` is ignored (structure only).
    seed
        Random seed of the initial positions.
    iterations
        Force iterations; default 50 for small graphs, fewer as graphs grow.
    scale
        Half-width of the output canvas; default ``30 * sqrt(n)``.
    initial
        Starting positions for some nodes (any units), e.g. the paper graph's layout
        when laying out the paper-entity graph, so both maps show the same clusters.
        Other nodes start at the mean of their placed neighbours; the forces then
        start cooler so that the given arrangement survives.

    Returns
    -------
    dict
        ``node -> (x, y)`` with plain Python floats rounded to 0.01.

    Notes
    -----
    Without ``initial``, the result is also kept in the graph's NetworkX cache
    (``graph.__networkx_cache__``, which NetworkX empties whenever the graph is changed
    through its methods) and handed out again (as a copy) for the same ``seed``,
    ``iterations`` and ``scale``: the layout depends only on the nodes, the edges and
    these. Each exporter asks for the layout of the graph it writes, and laying out
    10^5 nodes takes a quarter of a minute; :func:`paperkg.workflow.build_graph`
    lays out big paper graphs ahead, on a core that would otherwise wait.
    """
    cache = _layout_cache(graph) if initial is None else None
    key = (seed, iterations, scale)
    if cache is not None and key in cache:
        return dict(cache[key])
    layout = _compute_layout(graph, seed=seed, iterations=iterations, scale=scale,
                             initial=initial)
    if cache is not None:
        cache[key] = dict(layout)
    return layout


def layout_from_edges(n: int, edges: np.ndarray, *, seed: int = 42) -> np.ndarray:
    """The positions ``compute_layout(graph, seed=seed)`` gives a graph of
    ``n > SMALL_GRAPH`` nodes, computed from its edges alone (e.g. in a process that has
    no NetworkX graph).

    ``edges`` is an ``(m, 2)`` integer array of node numbers (the nodes' positions in
    ``graph``), in ``graph.edges()`` order, without self-loops: the force sums add up in
    that order, so another order gives other bits. Returns an ``(n, 2)`` float array in
    node order, not yet rounded: hand it to :func:`remember_layout` to make it the
    graph's layout.
    """
    if n <= SMALL_GRAPH:
        raise ValueError(f"layout_from_edges needs more than {SMALL_GRAPH} nodes, got {n}")
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    arr = _forces(n, edges, seed=seed, iterations=None, start=None)
    return _rescale(arr, 30.0 * math.sqrt(n))


def remember_layout(graph: nx.Graph, positions: np.ndarray, *, seed: int = 42) -> bool:
    """Keep ``positions`` (from :func:`layout_from_edges`, one row per node in graph
    order) as ``graph``'s layout for ``seed``, so that :func:`compute_layout` hands it
    out instead of computing it. False (nothing kept) for graphs without a cache."""
    cache = _layout_cache(graph)
    if cache is None:
        return False
    if len(positions) != graph.number_of_nodes():
        raise ValueError(f"{len(positions)} positions for {graph.number_of_nodes()} nodes")
    cache[(seed, None, None)] = {
        node: (round(x, 2), round(y, 2))
        for node, (x, y) in zip(graph, positions.tolist(), strict=True)
    }
    return True


def _layout_cache(graph: nx.Graph) -> dict | None:
    """This graph's layout memo, or ``None`` for views and graphs without a cache."""
    store = getattr(graph, "__networkx_cache__", None)
    if not isinstance(store, dict) or nx.is_frozen(graph):
        # a view's cache is not emptied when the graph under it changes
        return None
    found = store.get(_CACHE_KEY)
    if not isinstance(found, dict):
        found = store[_CACHE_KEY] = {}
    return found


def _compute_layout(
    graph: nx.Graph,
    *,
    seed: int,
    iterations: int | None,
    scale: float | None,
    initial: Mapping[Hashable, tuple[float, float]] | None,
) -> dict[Hashable, tuple[float, float]]:
    n = graph.number_of_nodes()
    if n == 0:
        return {}
    scale = float(scale if scale is not None else 30.0 * math.sqrt(n))
    if n == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    start = _initial_positions(graph, initial, seed) if initial else None
    if n <= SMALL_GRAPH:
        pos = nx.spring_layout(
            graph,
            seed=seed,
            iterations=iterations or 50,
            weight=None,
            method="force",
            pos=None if start is None else dict(zip(graph, start, strict=True)),
        )
        arr = np.array([pos[node] for node in graph], dtype=float)
    else:
        arr = _grid_fruchterman_reingold(graph, seed=seed, iterations=iterations, start=start)
    arr = _rescale(arr, scale)
    return {
        node: (round(float(x), 2), round(float(y), 2))
        for node, (x, y) in zip(graph, arr, strict=True)
    }


def _rescale(arr: np.ndarray, scale: float) -> np.ndarray:
    arr = arr - arr.mean(axis=0)
    extent = float(np.abs(arr).max())
    return arr * (scale / extent) if extent > 0 else arr


def _initial_positions(
    graph: nx.Graph, initial: Mapping[Hashable, tuple[float, float]], seed: int
) -> np.ndarray | None:
    """Positions in ``[0, 1]^2``: given ones rescaled, others at their placed neighbours."""
    placed = [node for node in graph if node in initial]
    if not placed:
        return None
    given = np.array([initial[node] for node in placed], dtype=float)
    low, span = given.min(axis=0), np.ptp(given, axis=0)
    span[span == 0] = 1.0
    rng = np.random.default_rng(seed)
    pos = {node: (np.asarray(initial[node], dtype=float) - low) / span for node in placed}
    jitter = 0.5 / math.sqrt(graph.number_of_nodes())
    for node in graph:
        if node in pos:
            continue
        around = [pos[other] for other in graph[node] if other in initial]
        centre = np.mean(around, axis=0) if around else rng.uniform(0.0, 1.0, size=2)
        pos[node] = centre + rng.normal(0.0, jitter, size=2)
    return np.array([pos[node] for node in graph], dtype=float)


def _grid_fruchterman_reingold(
    graph: nx.Graph, *, seed: int, iterations: int | None, start: np.ndarray | None = None
) -> np.ndarray:
    """ForceAtlas2-style forces with exact near-field and sampled far-field repulsion.

    Forces follow ForceAtlas2 (Jacomy et al. 2014, PLoS ONE 9(6): e98679): linear
    attraction along edges, repulsion ``(deg_i + 1)(deg_j + 1) / d`` so hubs push apart
    and leaves stay by their hub, and "strong" (linear) gravity. Near pairs (closer than
    ``k``) repel exactly (k-d tree); the far field is estimated from a fresh random
    sample of S = 256 nodes per iteration, weighted n / S. Displacements are capped by a
    cooling temperature as in Fruchterman & Reingold (1991). Costs O(n S + m + near
    pairs) per iteration.
    """
    index = {node: i for i, node in enumerate(graph)}
    edges = np.array(
        [(index[u], index[v]) for u, v in graph.edges() if u != v], dtype=np.int64
    ).reshape(-1, 2)
    return _forces(graph.number_of_nodes(), edges, seed=seed, iterations=iterations,
                   start=start)


def _forces(n: int, edges: np.ndarray, *, seed: int, iterations: int | None,
            start: np.ndarray | None) -> np.ndarray:
    """:func:`_grid_fruchterman_reingold` on ``n`` nodes ``0..n-1`` and ``edges``, an
    ``(m, 2)`` int64 array of node numbers (no self-loops) in ``graph.edges()`` order."""
    from scipy.spatial import cKDTree

    mass = np.ones(n)
    if len(edges):
        mass += np.bincount(edges.ravel(), minlength=n)
    rng = np.random.default_rng(seed)
    k = 1.0
    side = math.sqrt(n) * k
    if start is None:
        pos = rng.uniform(0.0, side, size=(n, 2))
        temperature = side / 8.0
    else:
        pos = start * side
        temperature = side / 20.0
    if iterations is None:
        iterations = 80 if n <= 2_000 else 60 if n <= 20_000 else 30
    cooling = temperature / (iterations + 1)
    repulsion = 1.0 * k * k
    gravity = 1.0 / k
    sample_size = min(n, 256)
    weight = n / sample_size
    soft = (0.5 * k) ** 2
    block = max(1, 2_000_000 // sample_size)
    split = _kernels.far_field_split(sample_size)
    compiled = n >= KERNEL_MIN_NODES and split is not None and _kernels.available()
    buffers = () if compiled else tuple(
        np.empty((min(block, n), sample_size), dtype=np.float32) for _ in range(4))
    for _ in range(iterations):
        disp = np.zeros_like(pos)
        # far field: a fresh random sample stands in for all nodes (weighted n / S);
        # the estimate is unbiased and its noise averages out as the layout cools
        chosen = rng.choice(n, size=sample_size, replace=False)
        sample = pos[chosen].astype(np.float32)
        sample_mass = (mass[chosen] * weight).astype(np.float32)
        if compiled:
            _kernels.far_field(pos, sample, sample_mass, np.float32(soft), repulsion * mass,
                               disp, split)
        else:
            for lo in range(0, n, block):
                _far_field(pos[lo : lo + block], sample, sample_mass, np.float32(soft),
                           repulsion * mass[lo : lo + block], disp[lo : lo + block],
                           buffers)
        # near field: exact repulsion between close pairs
        pairs = cKDTree(pos).query_pairs(k, output_type="ndarray")
        if len(pairs):
            i, j = pairs[:, 0], pairs[:, 1]
            delta = pos[i] - pos[j]
            dist2 = np.maximum((delta * delta).sum(axis=1), 1e-4)
            push = (repulsion * mass[i] * mass[j] / dist2)[:, None] * delta
            for axis in (0, 1):
                disp[:, axis] += np.bincount(i, push[:, axis], minlength=n)
                disp[:, axis] -= np.bincount(j, push[:, axis], minlength=n)
        # linear springs along edges
        if len(edges) and compiled:
            _kernels.springs(pos, edges, disp)
        elif len(edges):
            u, v = edges[:, 0], edges[:, 1]
            delta = pos[u] - pos[v]
            for axis in (0, 1):
                disp[:, axis] -= np.bincount(u, delta[:, axis], minlength=n)
                disp[:, axis] += np.bincount(v, delta[:, axis], minlength=n)
        # strong gravity keeps disconnected pieces near the rest
        disp -= gravity * mass[:, None] * (pos - pos.mean(axis=0))
        length = np.maximum(np.hypot(disp[:, 0], disp[:, 1]), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature - cooling, side / 500.0)
    return pos


def _far_field(part: np.ndarray, sample: np.ndarray, sample_mass: np.ndarray,
               soft: np.float32, scale: np.ndarray, disp: np.ndarray,
               buffers: tuple[np.ndarray, ...]) -> None:
    """Add the sampled far-field repulsion on the nodes at ``part`` to ``disp``.

    The float32 operations of ``dx = x_i - x_s``, ``inv = m_s / (dx^2 + dy^2 + soft)``,
    ``disp += scale * sum_s(dx * inv)`` (and the same for y), done in place in four
    reused ``rows x S`` buffers rather than in a dozen fresh temporaries: the same
    operations in the same order, so the same bits, at a fraction of the memory traffic.
    """
    rows = len(part)
    dx, dy, tmp, sq = (b[:rows] for b in buffers)
    part32 = part.astype(np.float32)
    np.subtract(part32[:, 0, None], sample[None, :, 0], out=dx)
    np.subtract(part32[:, 1, None], sample[None, :, 1], out=dy)
    np.multiply(dx, dx, out=tmp)
    np.multiply(dy, dy, out=sq)
    np.add(tmp, sq, out=tmp)
    np.add(tmp, soft, out=tmp)
    np.divide(sample_mass, tmp, out=tmp)
    np.multiply(dx, tmp, out=dx)
    np.multiply(dy, tmp, out=dy)
    disp[:, 0] += scale * dx.sum(axis=1)
    disp[:, 1] += scale * dy.sum(axis=1)
