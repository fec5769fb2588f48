"""GraphML writer/reader: Gephi-ready keys, scalar values, round trips via NetworkX and igraph."""

from __future__ import annotations

import io
import json
import warnings
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

from paperkg.errors import ExportError, GraphError
from paperkg.export.graphml import ENCODING_KEY, VIZ_ATTRIBUTES, read_graphml, write_graphml
from test_export import make_kg, plain_edges, plain_nodes

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


@pytest.fixture(scope="module")
def kg():
    return make_kg()


@pytest.fixture(scope="module")
def kg_file(kg, tmp_path_factory):
    path = tmp_path_factory.mktemp("graphml") / "kg.graphml"
    write_graphml(kg.graph, path)
    return path


def keys_of(path) -> dict[tuple[str, str], str]:
    root = ET.parse(path).getroot()
    keys = {}
    for key in root.findall("g:key", NS):
        name_scope = (key.get("attr.name"), key.get("for"))
        assert name_scope not in keys, f"duplicate key {name_scope}"
        keys[name_scope] = key.get("attr.type")
    return keys


def test_graphml_starts_with_xml_declaration(kg_file):
    assert kg_file.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_graphml_declares_every_key_with_scope_and_type(kg_file):
    root = ET.parse(kg_file).getroot()
    for key in root.findall("g:key", NS):
        assert key.get("for") in {"node", "edge", "graph"}
        assert key.get("attr.type") in {"boolean", "int", "long", "float", "double", "string"}
        assert key.get("attr.name")
    declared = {key.get("id") for key in root.findall("g:key", NS)}
    used = {data.get("key") for data in root.iter(f"{{{NS['g']}}}data")}
    assert used <= declared


def test_graphml_types_are_scalar_and_consistent(kg_file):
    keys = keys_of(kg_file)
    assert keys[("year", "node")] == "long"
    assert keys[("df", "node")] == "long"  # numpy int64 converted
    assert keys[("community", "node")] == "long"
    assert keys[("aliases", "node")] == "string"  # JSON-encoded list
    assert keys[("start", "edge")] == "long"  # numpy int32 converted
    assert keys[("dense", "graph")] == "boolean"
    for name in ("r", "g", "b"):
        assert keys[(name, "node")] == "long"
    for name in ("size", "x", "y"):
        assert keys[(name, "node")] == "double"


def test_graphml_every_node_has_label_and_viz(kg_file, kg):
    back = read_graphml(kg_file, keep_viz=True)
    for node, data in back.nodes(data=True):
        assert data["label"] == kg.graph.nodes[node]["label"]
        for name in VIZ_ATTRIBUTES:
            assert name in data
        assert all(0 <= data[c] <= 255 for c in ("r", "g", "b"))
        assert data["size"] > 0


def test_graphml_colours_entities_by_type(kg_file):
    back = read_graphml(kg_file, keep_viz=True)
    methods = {
        (d["r"], d["g"], d["b"]) for _, d in back.nodes(data=True) if d.get("type") == "method"
    }
    datasets = {
        (d["r"], d["g"], d["b"]) for _, d in back.nodes(data=True) if d.get("type") == "dataset"
    }
    assert len(methods) == 1 and len(datasets) == 1 and methods != datasets


def test_graphml_round_trip_networkx_keeps_every_attribute(kg, tmp_path):
    for graph in (kg.graph, kg.paper_graph):
        path = tmp_path / "g.graphml"
        write_graphml(graph, path)
        back = read_graphml(path)
        assert plain_nodes(back) == plain_nodes(graph)
        assert plain_edges(back) == plain_edges(graph)
        assert back.graph == {k: plain(v) for k, v in graph.graph.items()}
        assert ENCODING_KEY not in back.graph


def plain(value):
    return value.item() if isinstance(value, np.generic) else value


def test_graphml_round_trip_none_is_dropped(kg, tmp_path):
    path = tmp_path / "g.graphml"
    write_graphml(kg.graph, path)
    back = read_graphml(path)
    assert "doi" not in back.nodes["paper:2101.00000"]  # was None
    assert back.nodes["paper:2101.00001"]["doi"] == "10.1000/xyz123"


def test_graphml_round_trip_igraph_reads_every_attribute(kg, kg_file):
    igraph = pytest.importorskip("igraph")
    with warnings.catch_warnings():
        # igraph notes that the schema's own "id" attribute shadows the XML ids
        warnings.simplefilter("ignore", RuntimeWarning)
        g = igraph.Graph.Read_GraphML(str(kg_file))
    assert g.vcount() == kg.graph.number_of_nodes()
    assert g.ecount() == kg.graph.number_of_edges()
    assert not g.is_directed()
    by_id = {v["id"]: v for v in g.vs}
    assert set(by_id) == set(kg.graph)
    for node, data in kg.graph.nodes(data=True):
        vertex = by_id[node]
        for key, value in data.items():
            value = plain(value)
            if value is None:
                continue
            got = vertex[key]
            if isinstance(value, list):
                assert json.loads(got) == value
            elif isinstance(value, (int, float)):
                assert got == pytest.approx(value)
            else:
                assert got == value
        assert vertex["label"]
        assert 0 <= vertex["r"] <= 255
    for edge in g.es:
        u, v = g.vs[edge.source]["id"], g.vs[edge.target]["id"]
        data = kg.graph.edges[u, v]
        assert edge["kind"] == data["kind"]
        assert edge["mentions"] == data["mentions"]
        assert edge["start"] == plain(data["start"])
    assert json.loads(g["community_labels"]) == json.loads(kg.graph.graph["community_labels"])


def test_graphml_paper_graph_igraph_weights(kg, tmp_path):
    igraph = pytest.importorskip("igraph")
    path = tmp_path / "papers.graphml"
    write_graphml(kg.paper_graph, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = igraph.Graph.Read_GraphML(str(path))
    for edge in g.es:
        u, v = g.vs[edge.source]["id"], g.vs[edge.target]["id"]
        data = kg.paper_graph.edges[u, v]
        assert edge["weight"] == pytest.approx(float(data["weight"]))
        assert json.loads(edge["shared_ids"]) == data["shared_ids"]
        assert edge["shared_count"] == data["shared_count"]


def test_graphml_writes_to_binary_and_text_handles(kg):
    binary = io.BytesIO()
    write_graphml(kg.paper_graph, binary)
    text = io.StringIO()
    write_graphml(kg.paper_graph, text)
    assert binary.getvalue().decode("utf-8") == text.getvalue()
    back = read_graphml(io.BytesIO(binary.getvalue()))
    assert plain_nodes(back) == plain_nodes(kg.paper_graph)


def test_graphml_mixed_int_float_attribute_gets_one_key(tmp_path):
    graph = nx.Graph()
    graph.add_node("a", score=1)
    graph.add_node("b", score=2.5)
    graph.add_node("c", score=None, flag=True)
    path = tmp_path / "m.graphml"
    write_graphml(graph, path, viz=False)
    assert keys_of(path)[("score", "node")] == "double"
    back = read_graphml(path)
    assert back.nodes["a"]["score"] == 1.0 and back.nodes["b"]["score"] == 2.5
    assert back.nodes["c"] == {"flag": True, "label": "c"}


def test_graphml_without_viz_has_no_viz_keys(kg, tmp_path):
    path = tmp_path / "plain.graphml"
    write_graphml(kg.paper_graph, path, viz=False)
    assert not {name for name, _ in keys_of(path)} & set(VIZ_ATTRIBUTES)


def test_graphml_existing_viz_attribute_is_kept(tmp_path):
    graph = nx.Graph()
    graph.add_node("a", x=5.0, label="A")
    graph.add_node("b", x=7.0, label="B")
    graph.add_edge("a", "b")
    path = tmp_path / "x.graphml"
    write_graphml(graph, path)
    back = read_graphml(path)
    assert back.nodes["a"] == {"x": 5.0, "label": "A"}


def test_graphml_foreign_file_decodes_schema_lists(tmp_path):
    graph = nx.Graph()
    graph.add_node("method:x", aliases='["a", "b"]', name="[not json")
    path = tmp_path / "foreign.graphml"
    nx.write_graphml(graph, path)
    back = read_graphml(path)
    assert back.nodes["method:x"]["aliases"] == ["a", "b"]
    assert back.nodes["method:x"]["name"] == "[not json"


def test_graphml_read_missing_file_raises_graph_error(tmp_path):
    with pytest.raises(GraphError, match="no such file"):
        read_graphml(tmp_path / "absent.graphml")


def test_graphml_read_garbage_raises_graph_error(tmp_path):
    path = tmp_path / "bad.graphml"
    path.write_text("<graphml><graph>", encoding="utf-8")
    with pytest.raises(GraphError, match="not a valid GraphML"):
        read_graphml(path)


def test_graphml_control_characters_are_dropped_not_fatal(tmp_path):
    graph = nx.Graph()
    graph.add_node("paper:1", title="bad\x00 \x0bchars\x1f & <ok>\ttab", label="x")
    path = tmp_path / "ctrl.graphml"
    write_graphml(graph, path, viz=False)
    ET.parse(path)  # well-formed XML
    assert read_graphml(path).nodes["paper:1"]["title"] == "bad chars & <ok>\ttab"


@pytest.mark.parametrize("text", [
    "plain ascii\x01\x02 text\r\n", "accents é ü 日本\x1f\x7f\x80\u2028", "nonchar \ufffe\uffff x\x0b",
    "lone \ud800 surrogate\x0c", "\x00" * 5, "",
])
def test_graphml_xml_bytes_equals_regex_then_encode(text):
    """The file writer's fast byte cleaning gives the bytes of the regex + encode."""
    from paperkg.export.graphml import _XML_INVALID, _xml_bytes

    assert _xml_bytes(text) == _XML_INVALID.sub("", text).encode("utf-8")
    every = "".join(map(chr, range(0x2000))) + "\ufffe\uffff\U0001F642"
    assert _xml_bytes(every) == _XML_INVALID.sub("", every).encode("utf-8")


def test_graphml_quotes_and_markup_in_ids_and_values(tmp_path):
    graph = nx.Graph()
    graph.add_node('method:"a"<b>&c', label="A 'quoted' \"label\"")
    graph.add_edge('method:"a"<b>&c', "paper:2", note="x > y")
    path = tmp_path / "q.graphml"
    write_graphml(graph, path, viz=False)
    back = read_graphml(path)
    assert back.nodes['method:"a"<b>&c']["label"] == "A 'quoted' \"label\""
    assert back.edges['method:"a"<b>&c', "paper:2"]["note"] == "x > y"


def _weird_graph(directed: bool = False) -> nx.Graph:
    graph = nx.DiGraph() if directed else nx.Graph()
    graph.graph.update(name="weird <g>", n=np.int64(3), ratio=0.5, tags=["a", "b"], none=None,
                       node_default={}, flag=True)
    graph.add_node(3, score=1, flag=True, mixed="text", maybe=None, nan=float("nan"))
    graph.add_node("3b", score=2.5, flag=False, mixed=7, lst=("x", 'q"uote'), label="")
    graph.add_node('n"<&>\'', score=np.float32(1.5), mixed=True, arr=np.arange(3),
                   label="bad\x00\x0b \ud800 ok\ttab\nnl", only_nan=float("nan"))
    graph.add_node("solo", st={"b", "a"}, nested={"k": [1, 2.5, None]}, big=2**70)
    graph.add_edge(3, "3b", weight=np.float64(0.1), shared=["a & b", "c"], count=np.int32(2))
    graph.add_edge("3b", 'n"<&>\'', weight=1, note="x > y", empty=None)
    graph.add_edge("solo", "solo")
    graph.add_edge('n"<&>\'', 3, weight=float("nan"), count=True, note=3.25)
    return graph


def _repeated_shapes_graph() -> nx.Graph:
    """Many records of one shape, where the planner skips repeats: a float that is NaN
    in the first records of its shape (its key must still be declared where its first
    real value appears), a name whose type changes in a later shape, a shape that comes
    back after others."""
    graph = nx.Graph()
    for i in range(40):
        graph.add_node(i, w=float("nan") if i < 5 else i / 3, tag="t", n=i)
    graph.add_node(40, late=1, w=1.0, tag=7, n=2)  # tag: int after str -> string key
    graph.add_node(41, w=2.0, tag="u", n=3)
    for i in range(39):
        graph.add_edge(i, i + 1, score=float("nan") if i < 3 else 0.5, shared=["a", str(i)],
                       count=i)
    graph.add_edge(0, 40, count=1, score=0.25, shared=["z"])  # same names, another order
    graph.add_edge(1, 41, score=np.float64(0.75), count=np.int64(4), extra=None)
    return graph


@pytest.mark.parametrize("viz", [True, False])
@pytest.mark.parametrize("which", ["kg", "papers", "weird", "weird_directed", "multi", "clash",
                                   "repeated"])
def test_graphml_file_holds_what_graphml_ready_and_readback_records_say(kg, which, viz):
    """The one writer's file, parsed, is graphml_ready's copy; read back, it is what
    readback_records predicts (the query store relies on that)."""
    from paperkg.export.graphml import graphml_ready, readback_graph_attrs, readback_records

    if which == "kg":
        graph = kg.graph
    elif which == "papers":
        graph = kg.paper_graph
    elif which.startswith("weird"):
        graph = _weird_graph(directed=which == "weird_directed")
    elif which == "repeated":
        graph = _repeated_shapes_graph()
    elif which == "multi":
        graph = nx.MultiGraph()
        graph.add_edge("a", "b", w=1)
        graph.add_edge("a", "b", w=2.5)
    else:  # node ids that are equal as strings: written, they would be one node
        graph = nx.Graph()
        graph.add_edge(1, "1", w=1)
        graph.add_edge(1, 2)
        with pytest.raises(ExportError, match="would both be written with the id '1'"):
            graphml_ready(graph, viz=viz, seed=3)
        with pytest.raises(ExportError, match="would both be written with the id '1'"):
            write_graphml(graph, io.BytesIO(), viz=viz, seed=3)
        return
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_graphml(graph, out, viz=viz, seed=3)
        ready = graphml_ready(graph, viz=viz, seed=3)
    ET.fromstring(out.getvalue())
    raw = nx.parse_graphml(out.getvalue())
    assert dict(raw.nodes(data=True)) == dict(ready.nodes(data=True))
    assert sorted(map(repr, raw.edges(data=True))) == sorted(map(repr, ready.edges(data=True)))
    back = read_graphml(io.BytesIO(out.getvalue()))
    expected = readback_records((d for _, d in graph.nodes(data=True)), list(graph.nodes))
    assert list(dict(back.nodes(data=True)).values()) == expected
    expected_edges = readback_records(d for *_, d in graph.edges(data=True))
    assert sorted(map(repr, (d for *_, d in back.edges(data=True)))) == sorted(
        map(repr, expected_edges))
    assert back.graph == readback_graph_attrs(graph.graph)


def test_graphml_streaming_writer_splits_chunks_without_changing_bytes(kg, monkeypatch):
    import paperkg.export.graphml as graphml

    whole = io.BytesIO()
    write_graphml(kg.paper_graph, whole)
    monkeypatch.setattr(graphml, "_CHUNK_PIECES", 7)
    pieces = io.BytesIO()
    write_graphml(kg.paper_graph, pieces)
    assert pieces.getvalue() == whole.getvalue()


def test_graphml_ids_differing_only_by_control_characters_stay_distinct(tmp_path):
    # three papers "c\x01", "c\x02", "c" were written as three <node id="paper:c">, read
    # back as two (issue 26, item 12)
    g = nx.Graph()
    for ident in ("paper:c\u0001", "paper:c\u0002", "paper:c"):
        g.add_node(ident, kind="paper", title="T")
    g.add_edge("paper:c\u0002", "paper:c")
    path = tmp_path / "g.graphml"
    write_graphml(g, path)
    back = read_graphml(path)
    assert sorted(back) == ["paper:c", "paper:c\\u0001", "paper:c\\u0002"]
    assert back.number_of_edges() == 1
