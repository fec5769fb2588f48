"""Deterministic 2-D layouts for the exporters: communities show as regions.

The largest connected component is laid out by igraph's Fruchterman-Reingold
(Fruchterman & Reingold 1991, "Graph drawing by force-directed placement"; the grid
variant above 1,000 nodes), in C, from seeded random positions. Every other component
is laid out the same way on its own and packed in rings around it, the isolated nodes
last, so small pieces never sit inside the main cluster. Each piece gets an area
proportional to its node count, and the whole map is scaled to a canvas of roughly
``30 * sqrt(n)`` units so the HTML map and Gephi both open with readable spacing.

``bench/bench_layout.py`` measures how well the regions match the communities.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping

import networkx as nx
import numpy as np

__all__ = ["compute_layout", "paired_layouts", "layout_from_edges", "remember_layout",
           "SMALL_GRAPH"]

#: Graphs up to this size get more force iterations (cheap there, and it shows).
SMALL_GRAPH = 400
#: The key of the layout memo in ``graph.__networkx_cache__``.
_CACHE_KEY = "paperkg_layouts"
#: Force iterations that refine given starting positions (they only need to spread
#: the nodes placed at their neighbours' mean, not to find the clusters again).
_REFINE_ITERATIONS = 15
#: Space between packed pieces, in units of the typical node spacing.
_GAP = 2.0
#: Force iterations of a component laid out from random positions: ``_ITERATIONS[0]``
#: up to 5,000 nodes, ``_ITERATIONS[1]`` up to ``_FULL_BUDGET`` nodes; beyond, the same
#: total work (iterations times nodes) as there, but at least ``_MIN_ITERATIONS``.
_ITERATIONS = (1_000, 500)
_FULL_BUDGET = 50_000
_MIN_ITERATIONS = 100


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
        Force iterations; default 1,000 up to 5,000 nodes, 500 up to 50,000, then
        fewer (the same work as 500 at 50,000 nodes, at least 100); 15 from ``initial``
        positions, none there above 50,000 nodes (each node not given stays at the mean
        of its given neighbours, with a small jitter).
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
    these. Cost: about O(iterations * (n + m)) in C (the grid variant's repulsion is
    local); 20,000 papers with 150,000 links take a few seconds.
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


def paired_layouts(
    graph: nx.Graph, paper_graph: nx.Graph, *, seed: int = 42
) -> tuple[dict[Hashable, tuple[float, float]], dict[Hashable, tuple[float, float]]]:
    """The layouts of a knowledge graph and of its paper graph, as every writer uses them.

    The paper graph holds the community structure, so it is laid out first
    (:func:`compute_layout`) and the knowledge graph is laid out from those positions:
    both maps show the same clusters in the same places. The knowledge graph's layout is
    kept in its cache beside its own, so GraphML, the HTML map and the tables written
    for the same graphs (and ``seed``) share one computation. Returns ``(graph's layout,
    paper_graph's layout)``.
    """
    papers = compute_layout(paper_graph, seed=seed)
    cache = _layout_cache(graph)
    key = (seed, "from the paper graph")
    if cache is not None and key in cache:
        return dict(cache[key]), papers
    found = compute_layout(graph, seed=seed, initial=papers)
    if cache is not None:
        cache[key] = dict(found)
    return found, papers


def layout_from_edges(n: int, edges: np.ndarray, *, seed: int = 42) -> np.ndarray:
    """The positions ``compute_layout(graph, seed=seed)`` gives a graph of ``n``
    nodes, computed from its edges alone (e.g. in a process that has no NetworkX graph).

    ``edges`` is an ``(m, 2)`` integer array of node numbers (the nodes' positions in
    ``graph``); self-loops are ignored. Returns an ``(n, 2)`` float array in node order,
    not yet rounded: hand it to :func:`remember_layout` to make it the graph's layout.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if n < 0 or (len(edges) and (edges.min() < 0 or edges.max() >= n)):
        raise ValueError(f"edges must join node numbers 0..{n - 1}")
    arr = _packed_layout(n, edges, seed=seed, iterations=None)
    return _rescale(arr, 30.0 * math.sqrt(max(n, 1)))


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
    edges = _edge_array(graph)
    start = _initial_positions(graph, initial, edges, seed) if initial else None
    if start is None:
        arr = _packed_layout(n, edges, seed=seed, iterations=iterations)
    elif iterations is None and n > _FULL_BUDGET:
        # the forces would only spread the nodes a little (and take minutes where many
        # sit at one spot): the nodes stay where their neighbours put them
        arr = start
    else:
        arr = _force(n, edges, seed=seed, iterations=iterations or _REFINE_ITERATIONS,
                     start=start * math.sqrt(n), cool=True)
    arr = _rescale(arr, scale)
    return {
        node: (round(float(x), 2), round(float(y), 2))
        for node, (x, y) in zip(graph, arr, strict=True)
    }


def _edge_array(graph: nx.Graph) -> np.ndarray:
    index = {node: i for i, node in enumerate(graph)}
    return np.array([(index[u], index[v]) for u, v in graph.edges()],
                    dtype=np.int64).reshape(-1, 2)


def _rescale(arr: np.ndarray, scale: float) -> np.ndarray:
    if not len(arr):
        return arr
    arr = arr - arr.mean(axis=0)
    extent = float(np.abs(arr).max())
    return arr * (scale / extent) if extent > 0 else arr


def _initial_positions(
    graph: nx.Graph, initial: Mapping[Hashable, tuple[float, float]], edges: np.ndarray,
    seed: int,
) -> np.ndarray | None:
    """Positions in ``[0, 1]^2``, in graph order: given ones rescaled, each other node at
    the mean of its placed neighbours (or anywhere, without one), with a small seeded
    jitter. O(n + m)."""
    nodes = list(graph)
    n = len(nodes)
    placed = np.fromiter((node in initial for node in nodes), dtype=bool, count=n)
    if not placed.any():
        return None
    where = np.flatnonzero(placed)
    given = np.array([initial[nodes[i]] for i in where], dtype=float)
    low, span = given.min(axis=0), np.ptp(given, axis=0)
    span[span == 0] = 1.0
    pos = np.zeros((n, 2))
    pos[where] = (given - low) / span
    counts = np.zeros(n)
    sums = np.zeros((n, 2))
    for a, b in ((edges[:, 0], edges[:, 1]), (edges[:, 1], edges[:, 0])):
        to = placed[b] & ~placed[a]
        counts += np.bincount(a[to], minlength=n)
        for axis in (0, 1):
            sums[:, axis] += np.bincount(a[to], weights=pos[b[to], axis], minlength=n)
    free = np.flatnonzero(~placed)
    rng = np.random.default_rng(seed)
    alone = free[counts[free] == 0]
    pos[free] = sums[free] / np.maximum(counts[free], 1)[:, None]
    pos[alone] = rng.uniform(0.0, 1.0, size=(len(alone), 2))
    pos[free] += rng.normal(0.0, 0.5 / math.sqrt(n), size=(len(free), 2))
    return pos


def _components(n: int, edges: np.ndarray) -> list[np.ndarray]:
    """Connected components as arrays of node numbers, largest first (ties: lowest
    node first), each sorted."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return []
    adjacency = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, labels = connected_components(adjacency, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    parts = np.split(order, bounds)
    parts.sort(key=lambda part: (-len(part), int(part[0])))
    return parts


def _force(n: int, edges: np.ndarray, *, seed: int, iterations: int | None,
           start: np.ndarray | None = None, cool: bool = False) -> np.ndarray:
    """igraph's Fruchterman-Reingold on nodes ``0..n-1``; ``start`` (in units of the
    node spacing) or seeded random positions. ``cool`` starts at a hundredth of the usual
    temperature, so a given arrangement is refined rather than redone."""
    import igraph

    if n <= 2:
        return np.array([[0.0, 0.0], [1.0, 0.0]][:n])
    if iterations is None:
        iterations = _default_iterations(n)
    rng = np.random.default_rng(seed)
    if start is None:
        start = rng.uniform(-0.5, 0.5, size=(n, 2)) * math.sqrt(n)
    edges = edges[edges[:, 0] != edges[:, 1]]
    graph = igraph.Graph(n=n, edges=edges.tolist())
    temperature = math.sqrt(n) / 10.0 * (0.01 if cool else 1.0)
    # igraph draws from Python's random module (to separate coinciding nodes): a
    # generator of our own seed keeps the layout the same from run to run
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = graph.layout_fruchterman_reingold(niter=iterations, seed=start.tolist(),
                                                  start_temp=temperature)
    finally:
        igraph.set_random_number_generator(random)
    return np.array(found.coords, dtype=float).reshape(n, 2)


def _default_iterations(n: int) -> int:
    if n <= 5_000:
        return _ITERATIONS[0]
    if n <= _FULL_BUDGET:
        return _ITERATIONS[1]
    return max(_MIN_ITERATIONS, _ITERATIONS[1] * _FULL_BUDGET // n)


def _packed_layout(n: int, edges: np.ndarray, *, seed: int,
                   iterations: int | None) -> np.ndarray:
    """Each component laid out alone, scaled to an area proportional to its size; the
    largest at the centre, the others in rings around it, biggest first. O(n + m) besides
    the force layouts."""
    pos = np.zeros((n, 2))
    if n == 0:
        return pos
    parts = _components(n, edges)
    local = np.full(n, -1, dtype=np.int64)
    # the edges of each component, in node-number form local to it
    owner = np.empty(n, dtype=np.int64)
    for k, part in enumerate(parts):
        owner[part] = k
        local[part] = np.arange(len(part))
    by_part: dict[int, list[np.ndarray]] = {}
    if len(edges):
        keys = owner[edges[:, 0]]
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        for chunk in np.split(order, bounds):
            by_part[int(keys[chunk[0]])] = [local[edges[chunk]]]
    discs: list[tuple[np.ndarray, float]] = []
    for k, part in enumerate(parts):
        size = len(part)
        if size == 1:
            discs.append((np.zeros((1, 2)), 0.5))
            continue
        local_edges = by_part.get(k, [np.zeros((0, 2), dtype=np.int64)])[0]
        arr = _force(size, local_edges, seed=seed + k, iterations=iterations)
        arr -= arr.mean(axis=0)
        radius = math.sqrt(size)
        extent = float(np.hypot(arr[:, 0], arr[:, 1]).max())
        discs.append((arr * (radius / extent) if extent > 0 else arr, radius))
    centres = _ring_pack([radius for _, radius in discs])
    for part, (arr, _), centre in zip(parts, discs, centres, strict=True):
        pos[part] = arr + centre
    return pos


def _ring_pack(radii: list[float]) -> np.ndarray:
    """Centres for discs of ``radii`` (the first at the origin, the others in rings
    around it, in order, ``_GAP`` apart). O(len(radii))."""
    centres = np.zeros((len(radii), 2))
    if not radii:
        return centres
    inner = radii[0] + _GAP  # the ring's inner edge
    i = 1
    while i < len(radii):
        width = radii[i]  # the first disc of a ring is its widest (sizes fall)
        ring = inner + width
        angle = 0.0
        circumference = 2.0 * math.pi * ring
        while i < len(radii):
            step = (2.0 * radii[i] + _GAP) / ring
            if angle > 0 and angle + step > 2.0 * math.pi - _GAP / ring:
                break
            centres[i] = (ring * math.cos(angle + step / 2), ring * math.sin(angle + step / 2))
            angle += step
            i += 1
            if circumference <= 0:  # pragma: no cover - radii are positive
                break
        inner = ring + width + _GAP
    return centres
