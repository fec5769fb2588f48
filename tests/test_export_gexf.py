"""GEXF writer/reader: viz colour/size/position for Gephi, attributes read back."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from paperkg.errors import GraphError
from paperkg.export.gexf import read_gexf, write_gexf
from paperkg.export.style import TYPE_COLORS
from test_export import make_kg, plain_edges, plain_nodes

VIZ = "http://www.gexf.net/1.2draft/viz"
GEXF = "http://www.gexf.net/1.2draft"


@pytest.fixture(scope="module")
def kg():
    return make_kg()


def test_gexf_has_viz_colour_size_position(kg, tmp_path):
    path = tmp_path / "kg.gexf"
    layout = {node: (float(i), -float(i)) for i, node in enumerate(kg.graph)}
    write_gexf(kg.graph, path, layout=layout)
    root = ET.parse(path).getroot()
    nodes = root.findall(f".//{{{GEXF}}}node")
    assert len(nodes) == kg.graph.number_of_nodes()
    for node in nodes:
        color = node.find(f"{{{VIZ}}}color")
        size = node.find(f"{{{VIZ}}}size")
        position = node.find(f"{{{VIZ}}}position")
        assert color is not None and size is not None and position is not None
        assert float(size.get("value")) > 0
        assert node.get("label")
        assert (float(position.get("x")), float(position.get("y"))) == layout[node.get("id")]
        if node.get("id") == "method:bert":
            assert tuple(int(color.get(c)) for c in "rgb") == TYPE_COLORS["method"]


def test_gexf_round_trip_keeps_every_attribute(kg, tmp_path):
    for graph in (kg.graph, kg.paper_graph):
        path = tmp_path / "g.gexf"
        write_gexf(graph, path)
        back = read_gexf(path)
        assert plain_nodes(back) == plain_nodes(graph)
        assert plain_edges(back) == plain_edges(graph)


def test_gexf_reserved_names_do_not_become_time_spells(kg, tmp_path):
    path = tmp_path / "kg.gexf"
    write_gexf(kg.graph, path)
    root = ET.parse(path).getroot()
    graph_el = root.find(f"{{{GEXF}}}graph")
    assert graph_el.get("mode") == "static"
    for edge in root.iter(f"{{{GEXF}}}edge"):
        assert edge.get("start") is None and edge.get("end") is None


def test_gexf_keep_viz_returns_viz_dicts(kg, tmp_path):
    path = tmp_path / "p.gexf"
    write_gexf(kg.paper_graph, path)
    back = read_gexf(path, keep_viz=True)
    viz = next(iter(back.nodes(data=True)))[1]["viz"]
    assert {"color", "size", "position"} <= set(viz)


def test_gexf_writes_to_text_handle(kg):
    handle = io.StringIO()
    write_gexf(kg.paper_graph, handle)
    back = read_gexf(io.StringIO(handle.getvalue()))
    assert set(back) == set(kg.paper_graph)


def test_gexf_read_garbage_raises_graph_error(tmp_path):
    path = tmp_path / "bad.gexf"
    path.write_text("not xml", encoding="utf-8")
    with pytest.raises(GraphError, match="not a valid GEXF"):
        read_gexf(path)


def test_gexf_networkx_reads_file_directly(kg, tmp_path):
    path = tmp_path / "kg.gexf"
    write_gexf(kg.graph, path)
    graph = nx.read_gexf(path)
    assert graph.number_of_edges() == kg.graph.number_of_edges()


def test_gexf_bytes_do_not_depend_on_the_day(kg, tmp_path, monkeypatch):
    import time as time_module

    write_gexf(kg.graph, tmp_path / "today.gexf")
    real = time_module.strftime
    monkeypatch.setattr(time_module, "strftime",
                        lambda fmt, t=None: real(fmt, time_module.gmtime(0)))
    write_gexf(kg.graph, tmp_path / "epoch.gexf")
    data = (tmp_path / "today.gexf").read_bytes()
    assert b"lastmodifieddate" not in data
    assert data == (tmp_path / "epoch.gexf").read_bytes()


def test_gexf_ids_with_control_characters_are_valid_xml_and_distinct(tmp_path):
    # paper ids "c\x01", "c\x07", "c" made kg.gexf unreadable by xmllint, networkx and
    # read_gexf, and the build still exited 0 (issue 26, item 15)
    g = nx.Graph()
    for ident in ("paper:c\u0001", "paper:c\u0007", "paper:c"):
        g.add_node(ident, kind="paper", title=f"Title of {ident}\u0001", label=ident)
    g.add_edge("paper:c\u0001", "paper:c")
    path = tmp_path / "g.gexf"
    write_gexf(g, path)
    ET.parse(path)  # well-formed
    back = read_gexf(path)
    assert sorted(back) == ["paper:c", "paper:c\\u0001", "paper:c\\u0007"]
    assert back.has_edge("paper:c\\u0001", "paper:c")
