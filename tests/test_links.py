"""Tests of paperkg.links: the paper-paper links held as arrays (PaperLinks) and the
read-only paper graph over them (PaperGraphView) that big builds hand out until
``KnowledgeGraph.paper_graph`` is read."""

from __future__ import annotations

import json
import os

import networkx as nx
import numpy as np
import pytest

import paperkg.links as links_mod
from kg_corpus import clustered_corpus, random_incidence, thresholds
from paperkg._accel.thresholds import THRESHOLDS
from paperkg.export import export_all
from paperkg.export.graphml import write_graphml
from paperkg.export.layout import SMALL_GRAPH, compute_layout
from paperkg.graph import build_knowledge_graph, detect_communities, paper_graph
from paperkg.links import PaperGraphView, PaperLinks
from paperkg.workflow import build_graph, graph_summary
from test_export import _forking, _store_rows

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _links(**kwargs) -> PaperLinks:
    papers, b, ids = random_incidence(200, 60, 7)
    links, _ = paper_graph(papers, b, ids, [f"name {e}" for e in ids], **kwargs)
    return links


# --------------------------------------------------------------------------- PaperLinks


@pytest.mark.parametrize("weight", ["idf", "count", "jaccard"])
def test_links_chunking_changes_nothing(weight, monkeypatch):
    whole = list(_links(weight=weight, top_k=5))
    assert len(whole) > 100
    # merged in chunks of 7 pairs (concatenated) and read in chunks of 5 links
    monkeypatch.setattr(THRESHOLDS, "edge_chunk", 7)
    monkeypatch.setattr(links_mod, "_CHUNK", 5)
    chunked = _links(weight=weight, top_k=5)
    assert list(chunked) == whole
    assert [chunked[k] for k in range(len(chunked))] == whole


def test_links_attrs_are_what_the_graph_gets():
    links = _links(top_k=5)
    for i, j, attrs in links:
        assert i < j
        assert list(attrs) == ["kind", "shared", "shared_ids", "shared_count", "weight"]
        assert attrs["kind"] == "shares"
        assert attrs["shared_count"] == len(attrs["shared"]) == len(attrs["shared_ids"]) >= 1
        assert attrs["shared"] == [f"name {e}" for e in attrs["shared_ids"]]
        assert type(attrs["weight"]) is float and attrs["weight"] > 0
    pairs = links.pairs().tolist()
    assert pairs == sorted(pairs) and len(set(map(tuple, pairs))) == len(pairs)
    # each read makes new dicts and lists: changing one leaves the links as they were
    first = links[0]
    first[2]["shared"].append("changed")
    first[2]["weight"] = -1.0
    assert links[0] != first and links[0][2]["weight"] > 0


def test_links_sequence_protocol():
    links = _links(top_k=5)
    items = list(links)
    n = len(links)
    assert links[-1] == items[-1] and links[0] == items[0]
    assert links[3:9] == items[3:9] and links[::50] == items[::50] and links[5:2] == []
    with pytest.raises(IndexError):
        links[n]
    with pytest.raises(IndexError):
        links[-n - 1]
    assert links == items and links == _links(top_k=5)
    assert links != items[:-1] and links != _links(top_k=4)
    assert links != "text" and (links == 3) is False
    with pytest.raises(TypeError):
        hash(links)
    assert repr(links) == f"PaperLinks({n} links, {len(links.ids)} linking entities)"
    assert links.degrees(200).sum() == 2 * n


def test_links_reject_inconsistent_arrays():
    ints = np.arange(3, dtype=np.int64)
    names = np.asarray(["a", "b"], dtype=object)
    good = dict(rows=ints, cols=ints + 1, weights=np.ones(3), bounds=np.arange(4),
                shared=np.zeros(3, dtype=np.int32), ids=names, names=names)
    assert len(PaperLinks(**good)) == 3
    with pytest.raises(ValueError, match="one more bound"):
        PaperLinks(**{**good, "bounds": np.arange(3)})
    with pytest.raises(ValueError, match="one more bound"):
        PaperLinks(**{**good, "weights": np.ones(2)})
    with pytest.raises(ValueError, match="2 entity ids but 1 names"):
        PaperLinks(**{**good, "names": names[:1]})
    with pytest.raises(ValueError, match="from 0 to len"):
        PaperLinks(**{**good, "bounds": np.arange(1, 5)})


def test_links_empty():
    papers, b, ids = random_incidence(4, 30, 1, seed=2)
    links, stats = paper_graph(papers, b, ids, ids, max_df=1.0)
    assert stats["edges"] == 0 and len(links) == 0 and links == [] and list(links) == []
    assert PaperLinks.concatenate([]) == [] and PaperLinks.empty() == links


# --------------------------------------------------------------------------- the view


@pytest.fixture(scope="module")
def builds():
    """The same corpus built serially (networkx paper graph) and forked (a view)."""
    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    papers, found = clustered_corpus(n_papers=SMALL_GRAPH + 40)
    kwargs = dict(max_df=0.5, top_k=8)
    serial = build_knowledge_graph(papers, found, **kwargs)
    with thresholds(fork_min_papers=0):
        forked = build_graph(papers, found, **kwargs)
    return serial, forked


@needs_fork
def test_view_answers_as_the_networkx_graph(builds):
    serial, forked = builds
    view = forked.paper_graph_view
    assert isinstance(view, PaperGraphView)
    g = serial.paper_graph
    made = view.to_networkx()
    assert isinstance(forked.paper_graph_view, PaperGraphView)  # to_networkx keeps the view
    for h in (view, made):
        assert list(h) == list(g) == list(h.nodes) == list(h.nodes())
        assert list(h.nodes(data=True)) == list(g.nodes(data=True))
        assert list(h.nodes(data="community")) == list(g.nodes(data="community"))
        assert list(h.edges()) == list(g.edges())
        assert list(h.edges(data=True)) == list(g.edges(data=True))
        assert dict(h.degree()) == dict(g.degree())
        assert h.graph == g.graph
        assert (h.number_of_nodes(), h.number_of_edges()) == (len(g), g.number_of_edges())
        assert not h.is_directed() and not h.is_multigraph()
    paper, entity = next(iter(g)), "method:t0-e0"
    assert paper in view and entity in forked.graph and entity not in view
    assert ["unhashable"] not in view and "nothing" not in view
    assert view.nodes[paper] == g.nodes[paper] and len(view.nodes) == len(g)
    with pytest.raises(KeyError):
        view.nodes[entity]
    assert repr(view) == f"PaperGraphView({len(g)} papers, {g.number_of_edges()} links)"


@needs_fork
def test_view_layout_communities_and_graphml(builds, tmp_path):
    serial, forked = builds
    view = forked.paper_graph_view
    made = view.to_networkx()
    # the layout the child computed is in the view's cache and carried over
    fresh = compute_layout(nx.Graph(serial.paper_graph))
    assert compute_layout(view) == compute_layout(made) == fresh
    assert detect_communities(view) == detect_communities(made) == detect_communities(
        serial.paper_graph)
    write_graphml(view, tmp_path / "view.graphml")
    write_graphml(made, tmp_path / "made.graphml")
    write_graphml(serial.paper_graph, tmp_path / "serial.graphml")
    written = {(tmp_path / f"{k}.graphml").read_bytes() for k in ("view", "made", "serial")}
    assert len(written) == 1


@needs_fork
def test_knowledge_graph_makes_the_paper_graph_on_first_read():
    papers, found = clustered_corpus(n_papers=SMALL_GRAPH + 40)
    with thresholds(fork_min_papers=0):
        kg = build_graph(papers, found, max_df=0.5, top_k=8)
    view = kg.paper_graph_view
    assert isinstance(view, PaperGraphView)
    # the summary figures come off the view
    assert "paper links" in repr(kg) and kg.communities()
    assert f"{view.number_of_edges()} links" in graph_summary(kg)
    assert kg.paper_graph_view is view
    made = kg.paper_graph
    assert isinstance(made, nx.Graph) and kg.paper_graph is made
    assert kg.paper_graph_view is made
    assert list(made.edges(data=True)) == list(view.edges(data=True))
    kg.paper_graph = nx.Graph()
    assert kg.paper_graph_view.number_of_nodes() == 0


@needs_fork
@pytest.mark.parametrize("fork_min_nodes", [0, 10**9])
def test_export_all_from_a_view_writes_the_same_files(builds, tmp_path, fork_min_nodes):
    serial, _ = builds
    papers, found = clustered_corpus(n_papers=SMALL_GRAPH + 40)
    with thresholds(fork_min_papers=0):
        forked = build_graph(papers, found, max_df=0.5, top_k=8)
    expected = export_all(serial, tmp_path / "serial")
    got = export_all(forked, tmp_path / "view", beside=_forking() if fork_min_nodes == 0 else None)
    assert [p.name for p in got] == [p.name for p in expected]
    for a, b in zip(expected, got, strict=True):
        if a.suffix == ".sqlite":  # the store records the GraphML files' times
            assert _store_rows(a) == _store_rows(b)
            continue
        assert a.read_bytes() == b.read_bytes(), a.name
    # written by a child, the papers.* files leave this process's paper graph a view
    assert isinstance(forked.paper_graph_view, PaperGraphView) == (fork_min_nodes == 0)


@needs_fork
def test_view_graphml_escapes_names_as_the_graph_writer_does(tmp_path):
    papers, found = clustered_corpus(n_papers=SMALL_GRAPH + 40, seed=5)
    odd = 'A&B <x> "q" \\ \u00e9\u2713 \x01 \ud7ff end'
    for res in found:
        for ent in res.entities:
            if ent.id.endswith(("-e1", "-e2", "-e3")):
                ent.name = f"{odd} {ent.id}"
    with thresholds(fork_min_papers=0):
        kg = build_graph(papers, found, max_df=0.5, top_k=8)
    view = kg.paper_graph_view
    assert isinstance(view, PaperGraphView)
    assert any(odd in name for name in view.links.names.tolist())
    write_graphml(view, tmp_path / "view.graphml")
    write_graphml(view.to_networkx(), tmp_path / "made.graphml")
    assert (tmp_path / "view.graphml").read_bytes() == (tmp_path / "made.graphml").read_bytes()
    back = nx.read_graphml(tmp_path / "view.graphml")
    shared = {s for *_, d in back.edges(data=True) for s in json.loads(d["shared"])}
    assert f"{odd} method:t0-e1" in shared  # JSON keeps the control character as \\u0001


@needs_fork
def test_view_adjacency_and_components(builds):
    serial, forked = builds
    view, g = forked.paper_graph_view, serial.paper_graph
    assert isinstance(view, PaperGraphView)
    nodes = list(g)
    for node in nodes[:60] + nodes[-5:]:
        assert list(view.adj[node].items()) == list(g.adj[node].items())
    assert len(view.adj) == len(g) and list(view.adj) == nodes
    assert nodes[0] in view.adj and "method:t0-e0" not in view.adj
    with pytest.raises(KeyError):
        view.adj["method:t0-e0"]
    assert view.number_connected_components() == nx.number_connected_components(g)


@needs_fork
def test_queries_read_the_view_as_they_read_the_graph(builds):
    serial, forked = builds
    for paper in ["x0000", "x0123", f"x{SMALL_GRAPH + 39:04d}"]:
        assert forked.related(paper, k=5) == serial.related(paper, k=5)
        assert forked.related(paper, k=500) == serial.related(paper, k=500)
    assert forked.stats() == serial.stats()
    assert isinstance(forked.paper_graph_view, PaperGraphView)  # none of it made the graph


def test_view_rejects_unsorted_nodes_and_unknown_rows():
    kg = nx.Graph()
    kg.add_nodes_from(["paper:a", "paper:b"], kind="paper")
    ids = np.asarray(["e:x"], dtype=object)
    one = PaperLinks(np.array([0]), np.array([1]), np.array([1.0]), np.array([0, 1]),
                     np.array([0], dtype=np.int32), ids, ids)
    view = PaperGraphView(kg, ["paper:a", "paper:b"], one, {"kind": "papers"})
    assert list(view.adj["paper:b"]) == ["paper:a"]
    assert view.number_connected_components() == 1
    with pytest.raises(ValueError, match="sorted"):
        PaperGraphView(kg, ["paper:b", "paper:a"], one, {})
    with pytest.raises(ValueError, match="beyond the 1 nodes"):
        PaperGraphView(kg, ["paper:a"], one, {})
