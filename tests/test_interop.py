"""The seed build's files as other tools read them: igraph, Gephi's importer, NetworkX,
pandas, Neo4j; and the README's interop snippets, run as they are written."""

from __future__ import annotations

import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from paperkg.export import export_all
from paperkg.export.tables import EDGE_COLUMNS, NEO4J_SCRIPT, NODE_COLUMNS
from test_export import make_kg
from test_export_seed import SEEDS, seed_export

README = Path(__file__).resolve().parents[1] / "README.md"
NS = "{http://graphml.graphdrawing.org/xmlns}"
# Gephi's GraphML importer (ImporterGraphML) maps these key ids or names to properties:
# the key id is looked up first, so a key id in this list wins over its attr.name
GEPHI_NODE_PROPERTIES = {"label": "label", "d3": "label", "x": "x", "y": "y", "xpos": "x",
                         "ypos": "y", "z": "z", "size": "size", "r": "r", "g": "g", "b": "b"}
GEPHI_EDGE_PROPERTIES = {"label": "label", "edgelabel": "label", "d7": "label",
                         "weight": "weight", "Edge Weight": "weight", "id": "id",
                         "edgeid": "id", "r": "r", "g": "g", "b": "b"}
GEPHI_TYPES = {"boolean", "int", "integer", "long", "float", "double", "string"}


@pytest.fixture(scope="module")
def seed_dir():
    if not SEEDS.is_dir():
        pytest.skip("no seeds/ directory")
    return seed_export()[1]


def gephi_import(path: Path) -> tuple[dict, dict, list[str]]:
    """Nodes and edges as Gephi's GraphML importer sees them: ``{node: {property or
    column: value}}``; and the issues it reports (keys it skips)."""
    root = ET.parse(path).getroot()
    props: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
    columns: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
    issues = []
    for key in root.iter(f"{NS}key"):
        kid, scope, title = key.get("id"), key.get("for"), key.get("attr.name") or key.get("id")
        table = GEPHI_NODE_PROPERTIES if scope == "node" else GEPHI_EDGE_PROPERTIES
        prop = table.get(kid) or table.get(title) if scope in props else None
        if prop:
            props[scope][kid] = prop
        elif scope not in ("node", "edge", "all"):
            issues.append(f"key {title!r} for={scope!r} skipped")
        elif key.get("attr.type") not in GEPHI_TYPES:
            issues.append(f"key {title!r}: type {key.get('attr.type')!r}")
        else:
            columns[scope][kid] = title
    nodes = {}
    for node in root.iter(f"{NS}node"):
        values = {}
        for data in node.iter(f"{NS}data"):
            kid = data.get("key")
            name = props["node"].get(kid) or columns["node"].get(kid)
            if name and (data.text or "").strip():
                values[name] = data.text
        nodes[node.get("id")] = values
    return nodes, props, issues


def test_interop_gephi_reads_labels_types_and_communities_from_node_keys(seed_dir):
    nodes, props, issues = gephi_import(seed_dir / "kg.graphml")
    # only attributes meant for display become display properties
    assert sorted(props["node"].values()) == ["b", "g", "label", "r", "size", "x", "y"]
    assert all(issue.endswith("for='graph' skipped") for issue in issues)
    papers = [v for v in nodes.values() if v.get("kind") == "paper"]
    entities = [v for v in nodes.values() if v.get("kind") == "entity"]
    assert papers and entities
    assert all(v["label"] and "community" in v and v["community_label"] for v in papers)
    assert all("community" not in v and "community_label" not in v for v in entities)
    assert all(v["type"] in ("method", "dataset", "repo", "math") for v in entities)
    pnodes, pprops, _ = gephi_import(seed_dir / "papers.graphml")
    assert "weight" in pprops["edge"].values()
    assert all(v["community_label"] for v in pnodes.values())


def test_interop_graphml_keys_are_typed_per_domain_and_no_node_attribute_is_id(seed_dir):
    for name in ("kg.graphml", "papers.graphml"):
        root = ET.parse(seed_dir / name).getroot()
        keys = list(root.iter(f"{NS}key"))
        assert len({k.get("id") for k in keys}) == len(keys)
        for key in keys:
            assert key.get("for") in ("node", "edge", "graph")
            assert key.get("attr.type") in ("boolean", "long", "double", "string")
            assert key.get("id")[0] == key.get("for")[0]
        assert "id" not in {k.get("attr.name") for k in keys if k.get("for") == "node"}


def test_interop_igraph_reads_graphml_without_a_warning(seed_dir):
    igraph = pytest.importorskip("igraph")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = igraph.Graph.Read_GraphML(str(seed_dir / "kg.graphml"))
    kg = nx.read_graphml(seed_dir / "kg.graphml")
    assert graph.vs["id"] == list(kg.nodes)  # igraph's own: the GraphML node ids
    papers = graph.vs.select(kind_eq="paper")
    assert all(v["community_label"] for v in papers)
    assert all(float(v["community"]).is_integer() for v in papers)


# graph-tool is not on PyPI: Debian's python3-graph-tool, for the system Python (.ci/run
# installs it); the test runs it in that interpreter
_GRAPH_TOOL_SCRIPT = """
import json, sys, warnings
warnings.simplefilter("error")
import graph_tool
g = graph_tool.load_graph(sys.argv[1])
kind = g.vp["kind"]
print(json.dumps({
    "vertex": {k: p.value_type() for k, p in g.vp.items()},
    "edge": {k: p.value_type() for k, p in g.ep.items()},
    "papers": int(sum(1 for v in g.vertices() if kind[v] == "paper")),
    "communities": sorted({int(g.vp["community"][v]) for v in g.vertices() if kind[v] == "paper"}),
}))
"""


def _system_graph_tool() -> str | None:
    import subprocess

    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        return None
    found = subprocess.run([python, "-c", "import graph_tool"], capture_output=True)
    return python if found.returncode == 0 else None


def test_interop_graph_tool_reads_typed_properties(seed_dir):
    import json
    import subprocess

    python = _system_graph_tool()
    if python is None:
        pytest.skip("graph-tool is not installed (Debian: python3-graph-tool)")
    out = subprocess.run([python, "-c", _GRAPH_TOOL_SCRIPT, str(seed_dir / "kg.graphml")],
                         capture_output=True, text=True, check=True)
    read = json.loads(out.stdout)
    vertex = read["vertex"]
    # numbers arrive as numbers, text as text: nothing falls back to a Python object
    assert vertex["community"] == vertex["df"] == vertex["n_entities"] == "int64_t"
    assert vertex["x"] in {"double", "long double"} and vertex["name"] == "string"
    assert "python::object" not in {*vertex.values(), *read["edge"].values()}
    assert "id" not in vertex  # the node id is graph-tool's own _graphml_vertex_id
    kg = nx.read_graphml(seed_dir / "kg.graphml")
    papers = {d["community"] for _, d in kg.nodes(data=True) if d["kind"] == "paper"}
    assert read["papers"] == sum(1 for _, d in kg.nodes(data=True) if d["kind"] == "paper")
    assert read["communities"] == sorted(papers)


def test_interop_gexf_has_community_labels_and_liststring_lists(seed_dir):
    text = (seed_dir / "kg.gexf").read_text(encoding="utf-8")
    assert re.search(r'title="aliases" type="liststring"', text)
    assert re.search(r'title="community_label" type="string"', text)
    assert not re.search(r'<attribute id="[^"]*" title="id"', text)
    graph = nx.read_gexf(seed_dir / "kg.gexf")
    labelled = [d for _, d in graph.nodes(data=True) if d.get("kind") == "paper"]
    assert labelled and all(d["community_label"] for d in labelled)


def _readme_block(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\s*```python\n(.*?)```", text, re.S)
    assert found, f"README has no python block after <!-- {marker} -->"
    return found.group(1)


@pytest.fixture()
def in_graphs_dir(seed_dir, tmp_path, monkeypatch):
    """A working directory whose graphs/ is the seed build, as the README assumes."""
    shutil.copytree(seed_dir, tmp_path / "graphs", ignore=shutil.ignore_patterns("*.html"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "graphs"


def test_interop_readme_snippet_runs_with_clean_types(in_graphs_dir):
    pytest.importorskip("igraph")
    pytest.importorskip("pandas")
    scope: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no igraph warning, no DtypeWarning
        exec(_readme_block("interop"), scope)
    assert scope["kg"].number_of_nodes() == scope["g"].vcount() > 1000
    assert scope["kg"].number_of_edges() == nx.read_graphml("graphs/kg.graphml").number_of_edges()
    papers, entities = scope["papers"], scope["entities"]
    assert str(papers["community"].dtype) == "Int64" and papers["community"].notna().all()
    assert str(entities["df"].dtype) == "Int64" and entities["df"].notna().all()
    assert "year" not in papers or str(papers["year"].dtype) == "Int64"
    assert entities["aliases"].map(lambda a: isinstance(a, list)).all()


def test_interop_pandas_keeps_names_that_look_like_missing_values(tmp_path):
    pd = pytest.importorskip("pandas")
    kg = make_kg()
    for node, name in zip(["method:bert", "method:resnet"], ["NaN", "null"], strict=True):
        kg.graph.nodes[node]["name"] = kg.graph.nodes[node]["label"] = name
    export_all(kg, tmp_path, formats=["graphml", "json", "csv"])
    scope = {"pd": pd}
    code = _readme_block("interop").replace("graphs/", f"{tmp_path}/")
    exec(code, scope)
    assert {"NaN", "null"} <= set(scope["entities"]["name"])


def test_interop_neo4j_script_reads_only_columns_the_tables_have(seed_dir):
    script = (seed_dir / "neo4j.cypher").read_text(encoding="utf-8")
    assert script == NEO4J_SCRIPT.read_text(encoding="utf-8")
    code = "\n".join(line for line in script.splitlines() if not line.startswith("//"))
    statements = [s.strip() for s in code.split(";") if s.strip()]
    assert len(statements) == 6
    for statement in statements:
        assert statement.count("(") == statement.count(")")
        assert statement.count("[") == statement.count("]")
        assert statement.count("{") == statement.count("}")
        assert statement.split()[0] in ("CREATE", "LOAD")
        found = re.search(r"FROM 'file:///([\w.]+)' AS row", statement)
        if not found:
            continue
        header = set((seed_dir / found.group(1)).read_text(encoding="utf-8")
                     .split("\n", 1)[0].split(","))
        used = set(re.findall(r"\brow\.(\w+)", statement))
        # a column the corpus has no value for is not written; LOAD CSV reads it as null
        assert used <= header | set(NODE_COLUMNS) | set(EDGE_COLUMNS) | {"authors"}, used
        assert used & {"id", "source"} <= header
