"""GraphML that opens coloured and laid out in Gephi, reads cleanly in igraph and
NetworkX, and reads back losslessly.

GraphML stores scalars only, so :func:`write_graphml` JSON-encodes lists/dicts, drops
``None`` and NaN (a missing value is absent, never a default), turns numpy scalars into
Python ones and gives every attribute name a single type per scope
(``for="node"|"edge"|"graph"``). It adds the attributes Gephi's GraphML importer reads
for display: ``r``, ``g``, ``b`` (ints), ``size`` and ``x``/``y`` (floats). Key ids are
``g0``, ``n0``, ``e0``... by scope: Gephi maps the key ids ``d3`` (nodes) and ``d7``
(edges) to the label, so only an attribute named ``label`` becomes one. No node
attribute is written as ``id`` (igraph keeps the GraphML node ids there): an ``id`` that
the node id gives back (``paper:ID`` -> ``ID``, else the node id) is left out, any other
is written as ``node_id``. A graph attribute ``paperkg_encoding`` records what was
encoded, added or renamed, so :func:`read_graphml` restores the original attributes
exactly. Nothing a user needs is only in graph attributes (Gephi skips those).

:func:`write_graphml` streams: two passes over the attributes (plan the keys, then
write), O(n + m), without a copy of the graph or the whole document in memory.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
from collections.abc import Hashable, Iterable, Iterator, Mapping
from os import PathLike
from pathlib import Path
from typing import IO, Any

import networkx as nx

from paperkg.errors import ExportError, GraphError
from paperkg.export._graphml_text import (  # noqa: F401 - _json_default, _scalar: tables.py
    _CHUNK_PIECES,
    _GRAPHML_HEADER,
    _XML_INVALID,
    _data_pieces,
    _encode,
    _fits_view,
    _json_default,
    _key_specs,
    _plan_stream,
    _scalar,
    _ScopePlan,
    _view_edge_chunks,
    _xml_attr,
    _xml_bytes,
)
from paperkg.export.layout import compute_layout
from paperkg.export.style import node_color, node_sizes
from paperkg.links import PaperGraphView
from paperkg.models import xml_safe_id

__all__ = [
    "write_graphml",
    "xml_node_ids",
    "read_graphml",
    "graphml_ready",
    "decode_attributes",
    "readback_records",
    "readback_graph_attrs",
    "LIST_ATTRIBUTES",
    "VIZ_ATTRIBUTES",
    "ENCODING_KEY",
]

logger = logging.getLogger("paperkg")

#: Attributes of the paperkg schema that hold lists (JSON-encoded in files).
LIST_ATTRIBUTES: frozenset[str] = frozenset(
    {"aliases", "sources", "shared", "shared_ids", "authors", "categories"}
)
#: Display attributes added for Gephi (and dropped again by :func:`read_graphml`).
VIZ_ATTRIBUTES: tuple[str, ...] = ("r", "g", "b", "size", "x", "y")
#: Graph attribute recording which attributes were JSON-encoded, added or renamed.
ENCODING_KEY = "paperkg_encoding"
#: What a node attribute ``id`` that the node id does not give back is written as.
NODE_ID_ATTR = "node_id"
_PAPER_PREFIX = "paper:"

PathOrFile = str | PathLike[str] | IO[bytes] | IO[str]
Layout = Mapping[Hashable, tuple[float, float]]

def graphml_ready(
    graph: nx.Graph,
    *,
    viz: bool = True,
    layout: Layout | None = None,
    seed: int = 42,
    move_ids: bool = True,
) -> nx.Graph:
    """A copy of ``graph`` holding the GraphML-safe scalar attributes the file holds.

    ``viz`` adds Gephi's display attributes ``r``, ``g``, ``b``, ``size``, ``x``, ``y``,
    from ``layout`` (``node -> (x, y)``; computed with
    :func:`paperkg.export.layout.compute_layout` and ``seed`` when not given).
    ``move_ids``: take the ``id`` node attribute out as the GraphML file does (GEXF
    has its own renaming). The copy is of the same class; O(n + m) plus the layout.
    """
    names = xml_node_ids(graph)
    node_records, encoding = _node_records(graph, names, viz=viz, layout=layout, seed=seed,
                                           move_ids=move_ids)
    edge_records = [_str_keys(d) for *_, d in graph.edges(data=True)]
    graph_attrs = _graph_attrs(graph)
    node_json, node_types = _plan_scope(node_records)
    edge_json, edge_types = _plan_scope(edge_records)
    graph_json, graph_types = _plan_scope([graph_attrs])
    out = graph.__class__()
    out.graph.update(_encode(graph_attrs, graph_json, graph_types))
    out.graph[ENCODING_KEY] = _encoding_record(node_json, edge_json, graph_json, encoding)
    for node, data in zip(graph.nodes, node_records, strict=True):
        out.add_node(names[node], **_encode(data, node_json, node_types))
    edges = graph.edges(keys=True) if graph.is_multigraph() else graph.edges()
    for edge, data in zip(edges, edge_records, strict=True):
        extra = {"key": edge[2]} if graph.is_multigraph() else {}
        out.add_edge(names[edge[0]], names[edge[1]], **extra,
                     **_encode(data, edge_json, edge_types))
    return out


def _plan_scope(records: Iterable[Mapping[str, Any]]) -> tuple[set[str], dict[str, type]]:
    """Per attribute name: JSON-encoded or not, and the one scalar type it is written as."""
    plan = _plan_stream(records)
    return plan.json_names, plan.types


def _str_keys(data: Mapping[Any, Any]) -> Mapping[str, Any]:
    """``data`` itself when every name is a ``str`` (paperkg's graphs), else a copy
    with the names made strings, as they are written."""
    if all(type(key) is str for key in data):
        return data
    return {str(key): value for key, value in data.items()}


def readback_records(records: Iterable[Mapping[str, Any]],
                     nodes: Iterable[Any] | None = None) -> list[dict[str, Any]]:
    """The attribute dicts :func:`read_graphml` gives back for ``records`` written by
    :func:`write_graphml`, without writing or parsing a file: one type per name, ``None``
    and NaN left out, lists through JSON, line ends as an XML parser reads them, empty
    strings absent. With ``nodes`` (the records' node ids), a missing ``label`` is the
    node id, as the writer fills it in. O(total size)."""
    records = [dict(_str_keys(r)) for r in records]
    if nodes is not None:
        for node, data in zip(nodes, records, strict=True):
            if data.get("label") in (None, ""):
                data["label"] = str(node)
    json_names, types = _plan_scope(records)
    return [_readback(_encode(data, json_names, types), json_names) for data in records]


def readback_graph_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The graph attributes :func:`read_graphml` gives back (see :func:`readback_records`)."""
    return readback_records([_graph_attrs(nx.Graph(**attrs))])[0]


def _readback(data: dict[str, Any], json_names: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            if not value:
                continue  # <data key="..."></data> reads as no value
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            if key in json_names:
                value = json.loads(value)
        out[key] = value
    return out


def xml_node_ids(graph: nx.Graph) -> dict[Any, str]:
    """Each node's id as GraphML and GEXF write it: ``str(node)`` made XML-safe by
    :func:`paperkg.models.xml_safe_id` (characters XML cannot hold written as
    ``\\uXXXX``, never dropped).

    Raises
    ------
    paperkg.errors.ExportError
        Two nodes would get the same id (the file would merge them into one node).
    """
    names: dict[Any, str] = {}
    owner: dict[str, Any] = {}
    for node in graph:
        name = xml_safe_id(str(node))
        if name in owner:
            raise ExportError(f"nodes {owner[name]!r} and {node!r} would both be written "
                              f"with the id {name!r}; give them distinct ids")
        names[node] = owner[name] = name
    return names


def _graph_attrs(graph: nx.Graph) -> dict[str, Any]:
    attrs = {str(k): v for k, v in graph.graph.items()
             if k not in ("node_default", "edge_default", ENCODING_KEY)}
    return attrs


def _encoding_record(node_json: set[str], edge_json: set[str], graph_json: set[str],
                     encoding: dict[str, Any]) -> str:
    return json.dumps({"json": {"node": sorted(node_json), "edge": sorted(edge_json),
                                "graph": sorted(graph_json)}, **encoding})


def _derived_id(node: str, data: Mapping[str, Any]) -> str:
    """The ``id`` attribute a node id gives back: ``paper:ID`` -> ``ID`` for papers."""
    if data.get("kind") == "paper" and node.startswith(_PAPER_PREFIX):
        return node[len(_PAPER_PREFIX):]
    return node


def _move_ids(records: list[dict[str, Any]], written: list[str]) -> str | None:
    """Take the ``id`` attribute out of the node records (igraph keeps the GraphML node
    ids under that name): left out when every node's is the one its written id gives
    back, else renamed :data:`NODE_ID_ATTR`. Returns how (``None``: no ``id``)."""
    if not any("id" in data for data in records):
        return None
    if all(data.get("id") == _derived_id(node, data)
           for node, data in zip(written, records, strict=True)):
        for data in records:
            del data["id"]
        return "derived"
    if any(NODE_ID_ATTR in data for data in records):
        return None  # nowhere to put it: written as it is
    for k, data in enumerate(records):
        records[k] = {NODE_ID_ATTR if key == "id" else key: v for key, v in data.items()}
    return NODE_ID_ATTR


def _node_records(graph: nx.Graph, names: dict[Any, str], *, viz: bool, layout: Layout | None,
                  seed: int, move_ids: bool = True) -> tuple[list[dict[str, Any]], dict]:
    """Copies of the node attribute dicts as they are written: ``label`` filled in,
    ``id`` moved (:func:`_move_ids`), the viz attributes added; and the encoding record
    of what was added or moved."""
    node_records = [dict(_str_keys(d)) for _, d in graph.nodes(data=True)]
    for node, data in zip(graph.nodes, node_records, strict=True):
        if data.get("label") in (None, ""):
            data["label"] = str(node)
    encoding: dict[str, Any] = {"viz": []}
    ids = _move_ids(node_records, [names[node] for node in graph.nodes]) if move_ids else None
    if ids:
        encoding["id"] = ids
    if viz and graph.number_of_nodes():
        present = {key for data in node_records for key in data}
        added = encoding["viz"] = [name for name in VIZ_ATTRIBUTES if name not in present]
        if len(added) < len(VIZ_ATTRIBUTES):
            logger.warning("graph nodes already have %s: kept as they are",
                           ", ".join(sorted(set(VIZ_ATTRIBUTES) - set(added))))
        if added:
            sizes = node_sizes(graph)
            if layout is None and ("x" in added or "y" in added):
                layout = compute_layout(graph, seed=seed)
            for node, data in zip(graph.nodes, node_records, strict=True):
                r, g, b = node_color(data)
                x, y = layout[node] if layout is not None else (0.0, 0.0)
                values = {"r": r, "g": g, "b": b, "size": float(sizes[node]),
                          "x": float(x), "y": float(y)}
                for name in added:
                    data[name] = values[name]
    return node_records, encoding


# --------------------------------------------------------------------------- the writer

def _graphml_chunks(
    graph: nx.Graph, *, viz: bool, layout: Layout | None, seed: int
) -> Iterator[str]:
    """GraphML text of ``graph`` in chunks. O(n + m), no copy of the edges."""
    names = xml_node_ids(graph)
    node_records, encoding = _node_records(graph, names, viz=viz, layout=layout, seed=seed)
    node_plan = _plan_stream(node_records)
    edges = graph.edges(data=True)
    if isinstance(graph, PaperGraphView):
        # every link of a view has the same attributes of the same simple types, so
        # the first one plans them all (and making a dict for each costs seconds)
        edges = itertools.islice(edges, 1)
    edge_plan = _plan_stream(_str_keys(d) for *_, d in edges)
    graph_attrs = _graph_attrs(graph)
    graph_json, graph_types = _plan_scope([graph_attrs])
    graph_data = _encode(graph_attrs, graph_json, graph_types)
    graph_data[ENCODING_KEY] = _encoding_record(
        node_plan.json_names, edge_plan.json_names, graph_json, encoding
    )
    graph_plan = _ScopePlan(set(), {k: type(v) for k, v in graph_data.items()}, list(graph_data))
    specs = {}
    declared: list[str] = []
    for scope, plan, indent in (("graph", graph_plan, "    "), ("node", node_plan, "      "),
                                ("edge", edge_plan, "      ")):
        specs[scope], more = _key_specs(plan, scope, indent)
        declared += more
    return _graphml_body(graph, names, node_records, graph_data, specs,
                         _GRAPHML_HEADER + "".join(declared))


def _graphml_body(graph, names, node_records, graph_data, specs, head) -> Iterator[str]:
    directed = "directed" if graph.is_directed() else "undirected"
    out: list[str] = [head, f'  <graph edgedefault="{directed}">\n']
    _data_pieces(graph_data, specs["graph"], out)
    quoted: dict[Any, str] = {}
    for node, data in zip(graph.nodes, node_records, strict=True):
        ident = quoted[node] = _xml_attr(names[node])
        start = len(out)
        out.append(f"    <node id={ident}>\n")
        if _data_pieces(data, specs["node"], out):
            out.append("    </node>\n")
        else:
            out[start] = f"    <node id={ident} />\n"
        if len(out) > _CHUNK_PIECES:
            yield "".join(out)
            out = []
    del node_records
    edge_specs = specs["edge"]
    if isinstance(graph, PaperGraphView) and _fits_view(edge_specs):
        if out:
            yield "".join(out)
        yield from _view_edge_chunks(graph, [quoted[node] for node in graph], edge_specs)
        yield "  </graph>\n</graphml>\n"
        return
    for u, v, data in graph.edges(data=True):
        start = len(out)
        out.append(f"    <edge source={quoted[u]} target={quoted[v]}>\n")
        if _data_pieces(_str_keys(data), edge_specs, out):
            out.append("    </edge>\n")
        else:
            out[start] = f"    <edge source={quoted[u]} target={quoted[v]} />\n"
        if len(out) > _CHUNK_PIECES:
            yield "".join(out)
            out = []
    out.append("  </graph>\n</graphml>\n")
    yield "".join(out)


def _target_name(path_or_file: PathOrFile) -> str:
    name = getattr(path_or_file, "name", path_or_file)
    return str(name)


def write_graphml(
    graph: nx.Graph,
    path_or_file: PathOrFile,
    *,
    viz: bool = True,
    layout: Layout | None = None,
    seed: int = 42,
) -> None:
    """Write ``graph`` as GraphML (UTF-8, XML declaration, typed keys with ``for=``).

    Parameters
    ----------
    graph
        The graph; attributes are written as :func:`graphml_ready` makes them.
    path_or_file
        A path, or a file object opened in binary or text mode.
    viz, layout, seed
        See :func:`graphml_ready`.

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    _write_graphml(graph, path_or_file, viz=viz, layout=layout, seed=seed)


def _write_graphml(graph: nx.Graph, path_or_file: PathOrFile, *, viz: bool,
                   layout: Layout | None, seed: int) -> None:
    chunks = _graphml_chunks(graph, viz=viz, layout=layout, seed=seed)
    try:
        if hasattr(path_or_file, "write"):
            text = isinstance(path_or_file, io.TextIOBase)
            for chunk in chunks:
                path_or_file.write(_XML_INVALID.sub("", chunk) if text else _xml_bytes(chunk))
        else:
            path = Path(path_or_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                for chunk in chunks:
                    fh.write(_xml_bytes(chunk))
    except OSError as error:
        raise ExportError(
            f"cannot write {_target_name(path_or_file)}: {error.strerror or error}"
        ) from error


# --------------------------------------------------------------------------- several files


def decode_attributes(graph: nx.Graph, *, keep_viz: bool = False) -> nx.Graph:
    """Undo :func:`graphml_ready` in place: decode JSON attributes, drop added viz ones.

    Files without a ``paperkg_encoding`` record (written by other tools) get the
    schema's list attributes (:data:`LIST_ATTRIBUTES`) decoded when they hold a JSON list.
    """
    for empty in ("node_default", "edge_default"):
        if not graph.graph.get(empty):
            graph.graph.pop(empty, None)
    plan = _encoding_plan(graph.graph.pop(ENCODING_KEY, None))
    if plan is None:
        scopes = {scope: set(LIST_ATTRIBUTES) for scope in ("node", "edge", "graph")}
        strict, viz = False, []
    else:
        scopes = {
            scope: set(plan.get("json", {}).get(scope, [])) for scope in ("node", "edge", "graph")
        }
        strict, viz = True, list(plan.get("viz", []))

    def decode(data: dict[str, Any], names: set[str]) -> None:
        for name in names & data.keys():
            value = data[name]
            if not isinstance(value, str):
                continue
            if not strict and not value.startswith("["):
                continue
            try:
                data[name] = json.loads(value)
            except ValueError:
                if strict:
                    raise GraphError(
                        f"attribute {name!r} holds invalid JSON: {value[:60]!r}"
                    ) from None

    ids = (plan or {}).get("id")
    for node, data in graph.nodes(data=True):
        decode(data, scopes["node"])
        if not keep_viz:
            for name in viz:
                data.pop(name, None)
        if ids:
            _restore_id(node, data, ids)
    for *_, data in graph.edges(data=True):
        decode(data, scopes["edge"])
    decode(graph.graph, scopes["graph"])
    return graph


def _encoding_plan(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, str):
        return None
    try:
        plan = json.loads(raw)
    except ValueError:
        plan = None
    if not isinstance(plan, dict):
        logger.warning("ignoring an unreadable %s graph attribute", ENCODING_KEY)
        return None
    return plan


def _restore_id(node: str, data: dict[str, Any], how: str) -> None:
    """Put back the ``id`` attribute :func:`_move_ids` took out, first as it was."""
    if how == "derived":
        ident = _derived_id(node, data)
    elif NODE_ID_ATTR in data:
        ident = data.pop(NODE_ID_ATTR)
    else:
        return
    items = list(data.items())
    data.clear()
    data["id"] = ident
    data.update(items)


def read_graphml(path_or_file: PathOrFile, *, keep_viz: bool = False) -> nx.Graph:
    """Read a GraphML file written by :func:`write_graphml` (or any GraphML file).

    JSON-encoded list attributes are decoded, graph attributes restored and the
    display attributes :func:`write_graphml` added are dropped unless ``keep_viz``.

    Raises
    ------
    paperkg.errors.GraphError
        The file is missing, unreadable or not GraphML.
    """
    name = _target_name(path_or_file)
    try:
        if hasattr(path_or_file, "read"):
            content = path_or_file.read()
            if isinstance(content, str):
                content = content.encode("utf-8")
            graph = nx.parse_graphml(content)
        else:
            graph = nx.read_graphml(Path(path_or_file))
    except FileNotFoundError as error:
        raise GraphError(f"{name}: no such file") from error
    except OSError as error:
        raise GraphError(f"cannot read {name}: {error.strerror or error}") from error
    except (nx.NetworkXError, ValueError, SyntaxError) as error:
        # xml.etree.ElementTree.ParseError is a SyntaxError subclass.
        raise GraphError(f"{name}: not a valid GraphML file ({error})") from error
    return decode_attributes(graph, keep_viz=keep_viz)
