"""Every export of the real seed graph reads back: NetworkX, igraph, GEXF, JSON, CSV, HTML."""

from __future__ import annotations

import atexit
import csv
import functools
import json
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import networkx as nx
import pytest

from paperkg.export import export_all, read_gexf, read_graphml, read_node_link_json
from test_export import EXPECTED_FILES, plain_edges, plain_nodes

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@functools.cache
def seed_export():
    """Build the seed graph and export it once per test process (shared with the browser tests)."""
    from paperkg.workflow import build

    kg = build([SEEDS])
    outdir = Path(tempfile.mkdtemp(prefix="paperkg-seed-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    export_all(kg, outdir)
    return kg, outdir


@pytest.fixture(scope="module")
def seed():
    if not SEEDS.is_dir():
        pytest.skip("no seeds/ directory")
    return seed_export()


def graphs(kg):
    return (("kg", kg.graph), ("papers", kg.paper_graph))


def test_export_seed_writes_every_file(seed):
    kg, outdir = seed
    # and the hidden lock file that keeps two builds into one directory apart
    assert sorted(p.name for p in outdir.iterdir()) == sorted([*EXPECTED_FILES, ".paperkg.lock"])
    assert kg.graph.number_of_nodes() > 1_000  # the seed corpus is not trivial


def test_export_seed_graphml_and_gexf_read_back_exactly(seed):
    kg, outdir = seed
    for stem, graph in graphs(kg):
        for back in (read_graphml(outdir / f"{stem}.graphml"), read_gexf(outdir / f"{stem}.gexf")):
            assert plain_nodes(back) == plain_nodes(graph)
            assert plain_edges(back) == plain_edges(graph)


def test_export_seed_graphml_reads_in_networkx_and_igraph(seed):
    igraph = pytest.importorskip("igraph")
    kg, outdir = seed
    for stem, graph in graphs(kg):
        path = outdir / f"{stem}.graphml"
        plain = nx.read_graphml(path)
        assert plain.number_of_nodes() == graph.number_of_nodes()
        assert all(data.get("label") for _, data in plain.nodes(data=True))
        assert all({"r", "g", "b", "size", "x", "y"} <= set(d) for _, d in plain.nodes(data=True))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "already an 'id' vertex attribute"
            g = igraph.Graph.Read_GraphML(str(path))
        assert (g.vcount(), g.ecount()) == (graph.number_of_nodes(), graph.number_of_edges())
        # igraph keeps the file's node order; its "id" vertex attribute is the node id
        assert g.vs["label"] == [d["label"] for _, d in graph.nodes(data=True)]
        assert g.vs["id"] == list(graph.nodes)
        ends = {(g.vs[e.source]["label"], g.vs[e.target]["label"]) for e in g.es}
        assert {frozenset(pair) for pair in ends} == {
            frozenset((graph.nodes[u]["label"], graph.nodes[v]["label"])) for u, v in graph.edges
        }


def test_export_seed_json_and_csv_read_back(seed):
    kg, outdir = seed
    for stem, graph in graphs(kg):
        back = read_node_link_json(outdir / f"{stem}.json")
        assert nx.utils.nodes_equal(back.nodes, graph.nodes)
        assert nx.utils.edges_equal(back.edges, graph.edges)
        with (outdir / f"{stem}_nodes.csv").open(encoding="utf-8", newline="") as fh:
            nodes = list(csv.DictReader(fh))
        with (outdir / f"{stem}_edges.csv").open(encoding="utf-8", newline="") as fh:
            edges = list(csv.DictReader(fh))
        assert {row["id"] for row in nodes} == {str(n) for n in graph}
        assert len(edges) == graph.number_of_edges()


def test_export_seed_html_is_offline(seed):
    _, outdir = seed
    for stem in ("kg", "papers"):
        page = (outdir / f"{stem}.html").read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*\bsrc\s*=|<link\b", page, re.I)
        data = json.loads(re.search(r'id="paperkg-data">(.*?)</script>', page, re.S).group(1))
        assert data["nodes"] and data["legend"]
