"""Node-link JSON and CSV tables."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest

from paperkg.errors import ExportError, GraphError
from paperkg.export.tables import (
    LIST_SEPARATOR,
    node_link_json,
    read_node_link_json,
    write_csv_tables,
    write_node_link_json,
)
from test_export import make_kg


@pytest.fixture(scope="module")
def kg():
    return make_kg()


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_tables_node_link_json_is_strict_json(kg, tmp_path):
    path = tmp_path / "kg.json"
    write_node_link_json(kg.graph, path)
    data = json.loads(path.read_text(encoding="utf-8"))  # no NaN, no numpy
    assert {"nodes", "links", "graph", "directed", "multigraph"} <= set(data)
    assert len(data["nodes"]) == kg.graph.number_of_nodes()
    assert len(data["links"]) == kg.graph.number_of_edges()
    bert = next(n for n in data["nodes"] if n["id"] == "method:bert")
    assert bert["aliases"] == ["Bidirectional Encoder Representations from Transformers"]
    assert isinstance(bert["df"], int)


def test_tables_node_link_nan_becomes_null():
    graph = nx.Graph()
    graph.add_node("a", score=float("nan"), tags={"y", "x"})
    data = node_link_json(graph)
    assert data["nodes"][0]["score"] is None
    assert data["nodes"][0]["tags"] == ["x", "y"]


def test_tables_node_link_round_trip(kg, tmp_path):
    path = tmp_path / "papers.json"
    write_node_link_json(kg.paper_graph, path)
    back = read_node_link_json(path)
    assert nx.utils.edges_equal(back.edges, kg.paper_graph.edges)
    edge = next(iter(kg.paper_graph.edges(data=True)))
    assert back.edges[edge[0], edge[1]]["shared_ids"] == edge[2]["shared_ids"]


def test_tables_read_node_link_bad_file_raises_graph_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(GraphError, match="not valid JSON"):
        read_node_link_json(path)
    path.write_text('{"nodes": 1}', encoding="utf-8")
    with pytest.raises(GraphError, match="not node-link"):
        read_node_link_json(path)


def test_tables_csv_columns_and_rows(kg, tmp_path):
    nodes_path, edges_path = tmp_path / "kg_nodes.csv", tmp_path / "kg_edges.csv"
    layout = {node: (1.5, -2.0) for node in kg.graph}
    write_csv_tables(kg.graph, nodes_path, edges_path, layout=layout)
    nodes = read_csv(nodes_path)
    edges = read_csv(edges_path)
    assert list(nodes[0])[:4] == ["id", "label", "kind", "type"]
    assert list(nodes[0])[-4:] == ["color", "size", "x", "y"]
    assert list(edges[0])[:3] == ["source", "target", "kind"]
    assert len(nodes) == kg.graph.number_of_nodes()
    assert len(edges) == kg.graph.number_of_edges()
    by_id = {row["id"]: row for row in nodes}
    assert by_id["method:transformer"]["aliases"].split(LIST_SEPARATOR) == [
        "transformers",
        "transformer model",
    ]
    assert by_id["method:transformer"]["degree"] == str(kg.graph.degree("method:transformer"))
    assert by_id["paper:2101.00000"]["title"] == "<img src=x onerror=alert(1)>"
    assert by_id["paper:2101.00000"]["doi"] == ""  # None -> empty cell
    assert by_id["paper:2101.00001"]["sources"] == "seeds/a.json|seeds/b.bib"
    assert by_id["method:bert"]["color"].startswith("#")
    assert by_id["method:bert"]["x"] == "1.5"
    assert all(row["source"].startswith("paper:") for row in edges)
    assert not any(row["target"].startswith("paper:") for row in edges)
    endpoints = {frozenset((row["source"], row["target"])) for row in edges}
    assert endpoints == {frozenset(e) for e in kg.graph.edges}


def test_tables_csv_quotes_commas_and_newlines(tmp_path):
    graph = nx.Graph()
    graph.add_node("paper:1", label='A, "quoted"\nline', kind="paper")
    nodes_path, edges_path = tmp_path / "n.csv", tmp_path / "e.csv"
    write_csv_tables(graph, nodes_path, edges_path)
    assert read_csv(nodes_path)[0]["label"] == 'A, "quoted"\nline'
    assert read_csv(edges_path) == []
    assert edges_path.read_text(encoding="utf-8").splitlines()[0] == "source,target"


def test_tables_csv_unwritable_raises_export_error(kg, tmp_path):
    (tmp_path / "kg_nodes.csv").mkdir()
    with pytest.raises(ExportError, match="kg_nodes.csv"):
        write_csv_tables(kg.graph, tmp_path / "kg_nodes.csv", tmp_path / "kg_edges.csv")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1+1", "\r=1", "  =cmd", "\uff1d1+1"])
def test_tables_csv_formula_cells_are_neutralised(tmp_path, text):
    # titles, authors and categories starting with = + - @ (or a tab, which a
    # spreadsheet strips, leaving a live "=") were written verbatim (issue 26, item 19)
    graph = nx.Graph()
    graph.add_node("paper:1", kind="paper", title=text, label=text, authors=[text, "B"],
                   categories=[text], x=-0.5, year=-3)
    nodes_path, edges_path = tmp_path / "n.csv", tmp_path / "e.csv"
    write_csv_tables(graph, nodes_path, edges_path)
    row = read_csv(nodes_path)[0]
    for column in ("title", "label", "authors", "categories"):
        assert row[column].startswith("'" + text), column
    assert row["x"] == "-0.5" and row["year"] == "-3"  # numbers stay numbers


def test_tables_csv_plain_cells_are_unchanged(tmp_path):
    graph = nx.Graph()
    graph.add_node("paper:1", kind="paper", title="A title - with dashes = fine", label="x")
    nodes_path, edges_path = tmp_path / "n.csv", tmp_path / "e.csv"
    write_csv_tables(graph, nodes_path, edges_path)
    assert read_csv(nodes_path)[0]["title"] == "A title - with dashes = fine"
