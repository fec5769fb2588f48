"""The exporters' layout: deterministic, communities as regions, small pieces outside."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from paperkg.export.layout import (
    SMALL_GRAPH,
    compute_layout,
    layout_from_edges,
    remember_layout,
)


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


def test_remember_layout_rejects_what_does_not_fit() -> None:
    graph = nx.path_graph(SMALL_GRAPH + 1)
    positions = layout_from_edges(SMALL_GRAPH + 1, np.array(list(graph.edges())), seed=1)
    with pytest.raises(ValueError, match="positions for"):
        remember_layout(nx.path_graph(SMALL_GRAPH + 2), positions, seed=1)
    assert not remember_layout(graph.subgraph(range(SMALL_GRAPH + 1)), positions, seed=1)
    with pytest.raises(ValueError, match="node numbers"):
        layout_from_edges(3, np.array([[0, 3]]))


def _planted(groups: int, size: int, seed: int) -> tuple[nx.Graph, dict[int, int]]:
    graph = nx.planted_partition_graph(groups, size, 0.3, 0.004, seed=seed)
    return graph, {node: node // size for node in graph}


def test_layout_communities_are_regions() -> None:
    # of each node's 10 nearest nodes on the map, far more share its group than chance
    graph, group = _planted(12, 50, seed=2)
    layout = compute_layout(graph, seed=1)
    nodes = list(graph)
    pos = np.array([layout[node] for node in nodes])
    dist = np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    nearest = np.argsort(dist, axis=1)[:, :10]
    labels = np.array([group[node] for node in nodes])
    share = float(np.mean(labels[nearest] == labels[:, None]))
    assert share / (49 / 599) >= 5.0


def test_layout_small_components_and_isolated_nodes_are_packed_outside() -> None:
    graph = nx.connected_caveman_graph(20, 15)  # 300 nodes: the main piece
    for k in range(10):  # small pieces
        nx.add_path(graph, [f"p{k}-{i}" for i in range(4)])
    graph.add_nodes_from(f"lonely{k}" for k in range(40))
    layout = compute_layout(graph, seed=5)
    main = np.array([layout[node] for node in range(300)])
    centre = main.mean(axis=0)
    radius = float(np.hypot(*(main - centre).T).max())
    others = [node for node in graph if not isinstance(node, int)]
    outside = [math.dist(layout[node], centre) > radius for node in others]
    assert all(outside)
    # the map is centred and scaled to 30 sqrt(n)
    xs = [x for x, _ in layout.values()]
    assert max(abs(x) for x in xs) <= 30 * math.sqrt(graph.number_of_nodes()) + 0.01
    # a path of four stays together: its nodes are closer to each other than to the next piece
    path = np.array([layout[f"p0-{i}"] for i in range(4)])
    assert float(np.ptp(path, axis=0).max()) < radius / 3


def test_layout_initial_positions_keep_the_arrangement() -> None:
    graph, _ = _planted(4, 40, seed=3)
    first = compute_layout(graph, seed=1)
    extra = nx.Graph(graph)
    extra.add_edges_from((node, f"e{node}") for node in range(0, 160, 4))
    again = compute_layout(extra, seed=1, initial=first)
    # the old nodes keep their relative places: their pairwise distances correlate
    old = np.array([first[n] for n in graph])
    new = np.array([again[n] for n in graph])
    d_old = np.hypot(*(old[:, None] - old[None]).transpose(2, 0, 1)).ravel()
    d_new = np.hypot(*(new[:, None] - new[None]).transpose(2, 0, 1)).ravel()
    assert np.corrcoef(d_old, d_new)[0, 1] > 0.9
    # each added node sits by its one neighbour
    width = float(np.ptp(new[:, 0]))
    assert all(math.dist(again[f"e{n}"], again[n]) < 0.15 * width for n in range(0, 160, 4))


def test_force_work_is_capped_above_the_full_budget() -> None:
    from paperkg.export.layout import _default_iterations

    assert _default_iterations(1_000) == 1_000
    assert _default_iterations(50_000) == 500
    # the same total work (iterations times nodes) as 500 at 50,000, at least 100
    assert _default_iterations(100_000) == 250
    assert _default_iterations(10**6) == 100


def test_big_graphs_keep_the_given_layout_and_put_the_rest_at_their_neighbours(
        monkeypatch) -> None:
    import paperkg.export.layout as layout

    monkeypatch.setattr(layout, "_FULL_BUDGET", 10)
    graph = nx.Graph()
    given = {f"p{i}": (float(i % 4), float(i // 4)) for i in range(16)}
    graph.add_nodes_from(given)
    for i in range(16):  # entity e{i} joins papers i and i+1 (same row)
        graph.add_edge(f"e{i}", f"p{i}")
        graph.add_edge(f"e{i}", f"p{(i // 4) * 4 + (i + 1) % 4}")
    found = compute_layout(graph, initial=given, scale=100.0)
    assert found == compute_layout(graph, initial=given, scale=100.0)
    # papers keep their arrangement (rescaled): same row, same y; same column, same x
    assert found["p0"][1] == found["p3"][1] and found["p0"][0] == found["p12"][0]
    # an entity sits between its two papers, up to a small jitter: on average much
    # nearer their midpoint than a row of papers is to the next
    row = found["p4"][1] - found["p0"][1]
    off = []
    for i in range(16):
        (ax, ay), (bx, by) = found[f"p{i}"], found[f"p{(i // 4) * 4 + (i + 1) % 4}"]
        off.append(math.dist(found[f"e{i}"], ((ax + bx) / 2, (ay + by) / 2)))
    assert sum(off) / len(off) < abs(row) / 2
