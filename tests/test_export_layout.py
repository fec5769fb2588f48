"""The force layout of large graphs: in-place far field, same bits as the plain formula."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from paperkg._accel import kernels as _kernels
from paperkg.export.layout import (
    SMALL_GRAPH,
    _far_field,
    compute_layout,
    layout_from_edges,
    remember_layout,
)


def _plain_far_field(part, sample, sample_mass, soft, scale, disp):
    # the expression _far_field replaces, as it was written inline in the force loop
    part = part.astype(np.float32)
    dx = part[:, 0, None] - sample[None, :, 0]
    dy = part[:, 1, None] - sample[None, :, 1]
    inv = sample_mass / (dx * dx + dy * dy + soft)
    disp[:, 0] += scale * (dx * inv).sum(axis=1)
    disp[:, 1] += scale * (dy * inv).sum(axis=1)


def test_layout_far_field_in_place_gives_the_same_bits() -> None:
    rng = np.random.default_rng(3)
    n, s = 1_000, 64
    pos = rng.uniform(0, 30, size=(n, 2))
    sample = pos[rng.choice(n, size=s, replace=False)].astype(np.float32)
    sample_mass = rng.uniform(1, 20, size=s).astype(np.float32)
    scale = rng.uniform(1, 5, size=n)
    buffers = tuple(np.empty((400, s), dtype=np.float32) for _ in range(4))
    expected, got = np.zeros((n, 2)), np.zeros((n, 2))
    for lo in range(0, n, 400):  # blocks, the last one short, as in the force loop
        _plain_far_field(pos[lo:lo + 400], sample, sample_mass, np.float32(0.25),
                         scale[lo:lo + 400], expected[lo:lo + 400])
        _far_field(pos[lo:lo + 400], sample, sample_mass, np.float32(0.25),
                   scale[lo:lo + 400], got[lo:lo + 400], buffers)
    assert np.array_equal(expected, got)


def test_layout_large_graph_is_deterministic_and_spread() -> None:
    graph = nx.gnm_random_graph(SMALL_GRAPH * 3, SMALL_GRAPH * 6, seed=5)
    first = compute_layout(graph, seed=1)
    assert first == compute_layout(graph, seed=1)
    xs = [x for x, _ in first.values()]
    assert len(set(first.values())) == graph.number_of_nodes() and max(xs) > 0 > min(xs)


def test_layout_memo_hands_out_copies_and_is_dropped_when_the_graph_changes() -> None:
    g = nx.connected_caveman_graph(30, 20)  # 600 nodes: the force layout
    first = compute_layout(g, seed=3)
    assert "paperkg_layouts" in g.__networkx_cache__
    again = compute_layout(g, seed=3)
    assert again == first and again is not first
    again[0] = (1e9, 1e9)  # the caller's copy; the memo is untouched
    assert compute_layout(g, seed=3) == first
    # other parameters are other layouts
    assert compute_layout(g, seed=4) != first
    assert compute_layout(g, seed=3, scale=10.0) != first
    # the memo equals a fresh computation on an equal graph (which has no memo)
    assert compute_layout(nx.Graph(g), seed=3) == first
    # any change through networkx empties the cache: a new layout of the new graph
    assert not g.has_edge(0, 300)
    g.add_edge(0, 300)
    assert "paperkg_layouts" not in g.__networkx_cache__
    changed = compute_layout(g, seed=3)
    assert changed == compute_layout(nx.Graph(g), seed=3) and changed != first
    # a starting layout is never memoised
    h = nx.Graph(g)
    compute_layout(h, seed=3, initial={0: (0.0, 0.0)})
    assert "paperkg_layouts" not in h.__networkx_cache__


def test_layout_memo_not_used_for_views() -> None:
    g = nx.connected_caveman_graph(30, 20)
    view = g.subgraph(range(500))
    first = compute_layout(view, seed=1)
    assert "paperkg_layouts" not in view.__networkx_cache__
    g.remove_edges_from(list(g.edges(range(100)))[:200])
    assert compute_layout(view, seed=1) == compute_layout(nx.Graph(view), seed=1) != first


def test_layout_from_edges_is_the_graphs_layout() -> None:
    # a graph with isolated nodes and edges not inserted in node order
    graph = nx.gnm_random_graph(SMALL_GRAPH + 150, 900, seed=8)
    graph.add_nodes_from(range(SMALL_GRAPH + 150, SMALL_GRAPH + 170))
    index = {node: i for i, node in enumerate(graph)}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64)
    expected = compute_layout(nx.Graph(graph), seed=7)
    positions = layout_from_edges(graph.number_of_nodes(), edges, seed=7)
    assert remember_layout(graph, positions, seed=7)
    assert compute_layout(graph, seed=7) == expected
    # kept for that seed only; another seed is computed
    assert compute_layout(graph, seed=8) == compute_layout(nx.Graph(graph), seed=8)
    # another edge order sums the forces in another order: other bits
    shuffled = layout_from_edges(graph.number_of_nodes(), edges[::-1], seed=7)
    assert not np.array_equal(shuffled, positions)


def test_remember_layout_rejects_what_does_not_fit() -> None:
    graph = nx.path_graph(SMALL_GRAPH + 1)
    positions = layout_from_edges(SMALL_GRAPH + 1, np.array(list(graph.edges())), seed=1)
    with pytest.raises(ValueError, match="positions for"):
        remember_layout(nx.path_graph(SMALL_GRAPH + 2), positions, seed=1)
    assert not remember_layout(graph.subgraph(range(SMALL_GRAPH + 1)), positions, seed=1)
    with pytest.raises(ValueError, match="more than"):
        layout_from_edges(SMALL_GRAPH, np.zeros((0, 2), dtype=np.int64))


# --------------------------------------------------------------------------- compiled steps

needs_kernels = pytest.mark.skipif(not _kernels.available(),
                                   reason="numba not installed (pip install '.[fast]')")


def test_layout_far_field_split_is_numpys() -> None:
    # numpy's pairwise sum: up to 128 values in one run, longer ones halved (the half
    # rounded down to a multiple of 8); more than one split is left to numpy
    assert [_kernels.far_field_split(s) for s in (1, 7, 8, 128)] == [0, 0, 0, 0]
    assert _kernels.far_field_split(256) == 128
    assert _kernels.far_field_split(129) == 64
    assert _kernels.far_field_split(250) is None  # 120 + 130: the 130 would split again
    assert _kernels.far_field_split(300) is None


@needs_kernels
@pytest.mark.parametrize("samples", [5, 64, 100, 129, 256])
def test_layout_far_field_compiled_gives_the_same_bits(samples) -> None:
    rng = np.random.default_rng(samples)
    n = 700
    part = rng.uniform(-50, 50, (n, 2))
    sample = rng.uniform(-50, 50, (samples, 2)).astype(np.float32)
    sample_mass = rng.uniform(1, 40, samples).astype(np.float32)
    scale = rng.uniform(0.5, 3, n)
    start = rng.normal(size=(n, 2))
    expected = start.copy()
    buffers = tuple(np.empty((n, samples), dtype=np.float32) for _ in range(4))
    _far_field(part, sample, sample_mass, np.float32(0.25), scale, expected, buffers)
    got = start.copy()
    _kernels.far_field(part, sample, sample_mass, np.float32(0.25), scale, got,
                       _kernels.far_field_split(samples))
    assert np.array_equal(got, expected)
    # the sums really differ by order: a plain running sum gives other bits somewhere
    running = start.copy()
    for axis in range(2):
        d = (part[:, axis, None].astype(np.float32) - sample[None, :, axis])
        dd = part[:, :, None].astype(np.float32) - sample.T[None, :, :]
        inv = sample_mass / ((dd[:, 0] * dd[:, 0] + dd[:, 1] * dd[:, 1]) + np.float32(0.25))
        terms = d * inv
        acc = np.zeros(n, dtype=np.float32)
        for s in range(samples):
            acc += terms[:, s]
        running[:, axis] += scale * acc
    if samples >= 64:
        assert not np.array_equal(running, expected)


@needs_kernels
def test_layout_compiled_forces_give_the_same_layout(monkeypatch) -> None:
    import paperkg.export.layout as layout_mod

    rng = np.random.default_rng(11)
    n = 3_000
    edges = rng.integers(0, n, (12_000, 2))
    edges = edges[edges[:, 0] != edges[:, 1]]
    monkeypatch.setattr(layout_mod, "KERNEL_MIN_NODES", 10**12)
    expected = layout_from_edges(n, edges, seed=4)
    monkeypatch.setattr(layout_mod, "KERNEL_MIN_NODES", 0)
    assert np.array_equal(layout_from_edges(n, edges, seed=4), expected)
    assert "fn:_far_field" in _kernels._state and "fn:_springs" in _kernels._state
