"""GraphML that opens coloured and laid out in Gephi and reads back losslessly.

GraphML stores scalars only, so :func:`write_graphml` JSON-encodes lists/dicts, drops
``None``, turns numpy scalars into Python ones and gives every attribute name a single
type per scope (``for="node"|"edge"|"graph"``). It also adds the attributes Gephi's
GraphML importer reads for display: ``r``, ``g``, ``b`` (ints), ``size`` and ``x``/``y``
(floats). A graph attribute ``paperkg_encoding`` records what was encoded or added, so
:func:`read_graphml` restores the original attributes exactly.

:func:`write_graphml` streams: it writes the bytes of
``graphml_text(graphml_ready(graph))`` without building that copy of the graph or the
whole document in memory (two passes over the attributes, O(n + m)).
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import math
import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr as xml_quoteattr

import networkx as nx

from paperkg._accel.fork import can_fork, run_beside
from paperkg._accel.gcpause import gc_paused
from paperkg.errors import ExportError, GraphError
from paperkg.export.layout import compute_layout
from paperkg.export.style import node_color, node_sizes
from paperkg.links import PaperGraphView
from paperkg.models import xml_safe_id

__all__ = [
    "write_graphml",
    "xml_node_ids",
    "write_graphml_files",
    "FORK_MIN_NODES",
    "read_graphml",
    "graphml_text",
    "graphml_ready",
    "decode_attributes",
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
#: Graph attribute recording which attributes were JSON-encoded or added.
ENCODING_KEY = "paperkg_encoding"

PathOrFile = str | PathLike[str] | IO[bytes] | IO[str]
Layout = Mapping[Hashable, tuple[float, float]]


def _scalar(value: Any) -> Any:
    """numpy scalar -> Python scalar; everything else unchanged."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _json_default(value: Any) -> Any:
    value = _scalar(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (bool, int, float, str)):
        return value
    tolist = getattr(value, "tolist", None)
    if tolist is not None:
        return tolist()
    return str(value)


def _needs_json(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, set, frozenset)) or (
        type(value).__module__ == "numpy" and getattr(value, "ndim", 0) > 0
    )


def _plan_scope(records: list[dict[str, Any]]) -> tuple[set[str], dict[str, type]]:
    """Decide, per attribute name, whether it is JSON-encoded and which scalar type it gets."""
    seen: dict[str, set[type]] = {}
    json_names: set[str] = set()
    for data in records:
        for key, value in data.items():
            value = _scalar(value)
            if value is None:
                continue
            if _needs_json(value):
                json_names.add(key)
            seen.setdefault(key, set()).add(type(value))
    return json_names, _scope_types(seen, json_names)


def _scope_types(seen: dict[str, set[type]], json_names: set[str]) -> dict[str, type]:
    types: dict[str, type] = {}
    for key, kinds in seen.items():
        if key in json_names:
            types[key] = str
        elif kinds <= {bool}:
            types[key] = bool
        elif kinds <= {bool, int}:
            types[key] = int
        elif kinds <= {bool, int, float}:
            types[key] = float
        else:
            types[key] = str
    return types


def _encode(data: Mapping[str, Any], json_names: set[str], types: dict[str, type]) -> dict:
    out: dict[str, Any] = {}
    for key, value in data.items():
        value = _scalar(value)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if key in json_names:
            text = json.dumps(value, ensure_ascii=False, default=_json_default)
            out[str(key)] = _XML_INVALID.sub("", text)
            continue
        target = types[key]
        if target is str and not isinstance(value, str):
            value = str(value)
        if isinstance(value, str):
            value = _XML_INVALID.sub("", value)
        elif target is float and not isinstance(value, float):
            value = float(value)
        elif target is int and isinstance(value, bool):
            value = int(value)
        out[str(key)] = value
    return out


def graphml_ready(
    graph: nx.Graph,
    *,
    viz: bool = True,
    layout: Layout | None = None,
    seed: int = 42,
) -> nx.Graph:
    """A copy of ``graph`` holding only GraphML-safe scalar attributes.

    Parameters
    ----------
    graph
        Any NetworkX graph (node ids are written as strings).
    viz
        Add Gephi's display attributes ``r``, ``g``, ``b``, ``size``, ``x``, ``y``.
    layout
        ``node -> (x, y)``; computed with :func:`paperkg.export.layout.compute_layout`
        when ``viz`` is on and it is not given.
    seed
        Layout seed.

    Returns
    -------
    networkx.Graph
        Same class as ``graph``; O(n + m) plus the layout.
    """
    node_records, added = _node_records(graph, viz=viz, layout=layout, seed=seed)
    edge_records = [dict(d) for *_, d in graph.edges(data=True)]
    graph_attrs = _graph_attrs(graph)

    node_json, node_types = _plan_scope(node_records)
    edge_json, edge_types = _plan_scope(edge_records)
    graph_json, graph_types = _plan_scope([graph_attrs])

    names = xml_node_ids(graph)
    out = graph.__class__()
    out.graph.update(_encode(graph_attrs, graph_json, graph_types))
    out.graph[ENCODING_KEY] = _encoding_record(node_json, edge_json, graph_json, added)
    for node, data in zip(graph.nodes, node_records, strict=True):
        out.add_node(names[node], **_encode(data, node_json, node_types))
    edges = graph.edges(keys=True) if graph.is_multigraph() else graph.edges()
    for edge, data in zip(edges, edge_records, strict=True):
        u, v = names[edge[0]], names[edge[1]]
        attrs = _encode(data, edge_json, edge_types)
        if graph.is_multigraph():
            out.add_edge(u, v, key=edge[2], **attrs)
        else:
            out.add_edge(u, v, **attrs)
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
    attrs = {k: v for k, v in graph.graph.items() if k not in ("node_default", "edge_default")}
    attrs.pop(ENCODING_KEY, None)
    return attrs


def _encoding_record(node_json: set[str], edge_json: set[str], graph_json: set[str],
                     added: list[str]) -> str:
    return json.dumps(
        {
            "json": {
                "node": sorted(node_json),
                "edge": sorted(edge_json),
                "graph": sorted(graph_json),
            },
            "viz": added,
        }
    )


def _node_records(
    graph: nx.Graph, *, viz: bool, layout: Layout | None, seed: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Copies of the node attribute dicts with ``label`` filled in and the viz attributes
    added; and the names of the viz attributes that were added."""
    node_records = [dict(d) for _, d in graph.nodes(data=True)]
    for node, data in zip(graph.nodes, node_records, strict=True):
        if data.get("label") in (None, ""):
            data["label"] = str(node)
    added: list[str] = []
    if viz and graph.number_of_nodes():
        present = {key for data in node_records for key in data}
        added = [name for name in VIZ_ATTRIBUTES if name not in present]
        if len(added) < len(VIZ_ATTRIBUTES):
            logger.warning(
                "graph nodes already have %s: kept as they are",
                ", ".join(sorted(set(VIZ_ATTRIBUTES) - set(added))),
            )
        if added:
            sizes = node_sizes(graph)
            if layout is None and ("x" in added or "y" in added):
                layout = compute_layout(graph, seed=seed)
            for node, data in zip(graph.nodes, node_records, strict=True):
                r, g, b = node_color(data)
                x, y = layout[node] if layout is not None else (0.0, 0.0)
                values = {
                    "r": r,
                    "g": g,
                    "b": b,
                    "size": float(sizes[node]),
                    "x": float(x),
                    "y": float(y),
                }
                for name in added:
                    data[name] = values[name]
    return node_records, added


_XML_TYPES: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}
# characters XML 1.0 cannot hold at all (C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF): an abstract pasted from a PDF may contain them
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GRAPHML_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return xml_escape(_XML_INVALID.sub("", str(value)))


def _xml_attr(value: Any) -> str:
    return xml_quoteattr(_XML_INVALID.sub("", str(value)))


def graphml_text(ready: nx.Graph) -> str:
    """Serialise a :func:`graphml_ready` graph as GraphML text. O(n + m).

    A streaming writer rather than :func:`networkx.write_graphml`: same structure,
    about three times faster on large graphs, and characters that XML 1.0 cannot hold
    are dropped instead of producing a file no parser accepts.
    """
    keys: dict[tuple[str, str], str] = {}
    declared: list[str] = []

    def key_of(scope: str, name: str, value: Any) -> str:
        found = keys.get((scope, name))
        if found is None:
            found = keys[(scope, name)] = f"d{len(keys)}"
            declared.append(
                f'  <key id="{found}" for="{scope}" attr.name={_xml_attr(name)} '
                f'attr.type="{_XML_TYPES[type(value)]}" />\n'
            )
        return found

    def data_lines(scope: str, data: Mapping[str, Any], indent: str) -> str:
        return "".join(
            f'{indent}<data key="{key_of(scope, name, value)}">{_xml_text(value)}</data>\n'
            for name, value in data.items()
        )

    body: list[str] = []
    directed = "directed" if ready.is_directed() else "undirected"
    body.append(f'  <graph edgedefault="{directed}">\n')
    body.append(data_lines("graph", ready.graph, "    "))
    for node, data in ready.nodes(data=True):
        if data:
            body.append(f"    <node id={_xml_attr(node)}>\n")
            body.append(data_lines("node", data, "      "))
            body.append("    </node>\n")
        else:
            body.append(f"    <node id={_xml_attr(node)} />\n")
    for u, v, data in ready.edges(data=True):
        head = f"    <edge source={_xml_attr(u)} target={_xml_attr(v)}"
        if data:
            body.append(head + ">\n" + data_lines("edge", data, "      ") + "    </edge>\n")
        else:
            body.append(head + " />\n")
    body.append("  </graph>\n</graphml>\n")
    return _GRAPHML_HEADER + "".join(declared) + "".join(body)


# --------------------------------------------------------------------------- streaming writer
# write_graphml does not build the graphml_ready copy: it plans the keys in one pass over
# the attributes and writes the XML in a second, producing exactly the bytes of
# graphml_text(graphml_ready(graph)) (tests/test_export_graphml.py compares them).

#: Text pieces per chunk handed to the file (a few MB of XML each).
_CHUNK_PIECES = 200_000
_STR, _INT, _FLOAT, _BOOL, _JSON = range(5)
_KIND_OF = {str: _STR, int: _INT, float: _FLOAT, bool: _BOOL}
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)
_json_str = json.encoder.encode_basestring  # a str as a JSON string literal (no ASCII escaping)


def _escape(text: str) -> str:
    """:func:`xml.sax.saxutils.escape` without its entity-dict loop."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


@dataclass
class _ScopePlan:
    json_names: set[str]
    types: dict[str, type]
    order: list[str]  # names in the order their first written value appears


def _plan_stream(records: Iterable[Mapping[Any, Any]]) -> _ScopePlan | None:
    """:func:`_plan_scope` plus the order keys are first written in; ``None`` when an
    attribute name is not a ``str`` (the copying path handles those)."""
    seen: dict[str, set[type]] = {}
    json_names: set[str] = set()
    order: dict[str, None] = {}
    # (names, value types) of records already planned whose every name is in ``order``
    # and every value of a simple type: another record of that shape changes nothing
    # (sets and ``order`` only grow), so it is skipped. Graphs built by paperkg give
    # every edge the same shape, and the nodes a handful.
    settled: set[tuple[tuple[Any, ...], tuple[type, ...]]] = set()
    for data in records:
        shape = (tuple(data), tuple(map(type, data.values())))
        if shape in settled:
            continue
        for key, value in data.items():
            kind = type(value)
            if kind is str or kind is int or kind is bool:  # the common case, in short
                kinds = seen.get(key)
                if kinds is None:
                    if type(key) is not str:
                        return None
                    seen[key] = {kind}
                else:
                    kinds.add(kind)
                if key not in order:
                    order[key] = None
                continue
            if kind is float:
                seen.setdefault(key, set()).add(float)
                if value == value and key not in order:  # NaN is not written
                    order[key] = None
                continue
            if kind is list:
                json_names.add(key)
                seen.setdefault(key, set()).add(list)
                if key not in order:
                    order[key] = None
                continue
            value = _scalar(value)
            if value is None:
                continue
            if type(key) is not str:
                return None
            if _needs_json(value):
                json_names.add(key)
            seen.setdefault(key, set()).add(type(value))
            if not (isinstance(value, float) and math.isnan(value)) and key not in order:
                order[key] = None
        if _SIMPLE_TYPES.issuperset(shape[1]) and all(key in order for key in shape[0]):
            settled.add(shape)
    return _ScopePlan(json_names, _scope_types(seen, json_names), list(order))


_SIMPLE_TYPES = frozenset({str, int, bool, float, list})


def _value_text(value: Any, kind: int) -> str | None:
    """The escaped XML text of one value as :func:`_encode` + :func:`_xml_text` give it
    (``None``: not written). Characters XML cannot hold are removed later, per chunk."""
    value = _scalar(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == _JSON:
        return _escape(_JSON_ENCODER.encode(value))
    if kind == _STR:
        return _escape(value if isinstance(value, str) else str(value))
    if kind == _FLOAT:
        return repr(float(value))
    if kind == _INT:
        return str(int(value))
    return "true" if value else "false"


def _json_list(value: list[Any]) -> str:
    """``json.dumps(value, ensure_ascii=False)``, quickly when every item is a ``str``."""
    try:
        return "[" + ", ".join(map(_json_str, value)) + "]"
    except TypeError:
        return _JSON_ENCODER.encode(value)


def _key_specs(plan: _ScopePlan, scope: str, first: int, indent: str
               ) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """Per name: the ``<data key=...>`` opening and the value kind; and the ``<key>`` lines."""
    specs: dict[str, tuple[str, int]] = {}
    declared = []
    for offset, name in enumerate(plan.order):
        target = str if name in plan.json_names else plan.types[name]
        key_id = f"d{first + offset}"
        kind = _JSON if name in plan.json_names else _KIND_OF[target]
        specs[name] = (f'{indent}<data key="{key_id}">', kind)
        declared.append(
            f'  <key id="{key_id}" for="{scope}" attr.name={_xml_attr(name)} '
            f'attr.type="{_XML_TYPES[target]}" />\n'
        )
    return specs, declared


def _data_pieces(data: Mapping[str, Any], specs: dict[str, tuple[str, int]],
                 out: list[str]) -> bool:
    """Append the ``<data>`` elements of one record to ``out``; False if none was written."""
    wrote = False
    for name, value in data.items():
        opening, kind = specs.get(name, _UNWRITTEN)
        vtype = type(value)
        if vtype is str and kind == _STR:
            text = _escape(value)
        elif vtype is int and kind == _INT:
            text = str(value)
        elif vtype is float and kind == _FLOAT and value == value:
            text = repr(value)
        elif vtype is list and kind == _JSON:
            text = _escape(_json_list(value))
        else:
            if value is None:
                continue
            text = _value_text(value, kind)
            if text is None:
                continue
        out.append(opening)
        out.append(text)
        out.append("</data>\n")
        wrote = True
    return wrote


_UNWRITTEN = ("", -1)  # a name whose every value is None/NaN: never declared nor written


def _graphml_chunks(
    graph: nx.Graph, *, viz: bool, layout: Layout | None, seed: int
) -> Iterator[str] | None:
    """GraphML text of ``graph`` in chunks, identical to ``graphml_text(graphml_ready(...))``;
    ``None`` when the graph needs the copying path (multigraph, node ids that collide as
    strings, attribute names that are not strings). O(n + m), no copy of the edges."""
    if graph.is_multigraph():
        return None
    names = xml_node_ids(graph)
    node_records, added = _node_records(graph, viz=viz, layout=layout, seed=seed)
    node_plan = _plan_stream(node_records)
    edges = graph.edges(data=True)
    if isinstance(graph, PaperGraphView):
        # every link of a view has the same attributes of the same simple types, so
        # the first one plans them all (and making a dict for each costs seconds)
        edges = itertools.islice(edges, 1)
    edge_plan = _plan_stream(d for *_, d in edges)
    graph_attrs = _graph_attrs(graph)
    if node_plan is None or edge_plan is None or _plan_stream([graph_attrs]) is None:
        return None
    graph_json, graph_types = _plan_scope([graph_attrs])
    graph_data = _encode(graph_attrs, graph_json, graph_types)
    graph_data[ENCODING_KEY] = _encoding_record(
        node_plan.json_names, edge_plan.json_names, graph_json, added
    )
    graph_plan = _ScopePlan(set(), {k: type(v) for k, v in graph_data.items()}, list(graph_data))
    graph_specs, declared = _key_specs(graph_plan, "graph", 0, "    ")
    node_specs, more = _key_specs(node_plan, "node", len(declared), "      ")
    declared += more
    edge_specs, more = _key_specs(edge_plan, "edge", len(declared), "      ")
    declared += more
    return _graphml_body(graph, names, node_records, graph_data, graph_specs, node_specs,
                         edge_specs, _GRAPHML_HEADER + "".join(declared))


def _graphml_body(graph, names, node_records, graph_data, graph_specs, node_specs, edge_specs,
                  head) -> Iterator[str]:
    directed = "directed" if graph.is_directed() else "undirected"
    out: list[str] = [head, f'  <graph edgedefault="{directed}">\n']
    _data_pieces(graph_data, graph_specs, out)
    quoted: dict[Any, str] = {}
    for node, data in zip(graph.nodes, node_records, strict=True):
        ident = quoted[node] = _xml_attr(names[node])
        start = len(out)
        out.append(f"    <node id={ident}>\n")
        if _data_pieces(data, node_specs, out):
            out.append("    </node>\n")
        else:
            out[start] = f"    <node id={ident} />\n"
        if len(out) > _CHUNK_PIECES:
            yield "".join(out)
            out = []
    del node_records
    if isinstance(graph, PaperGraphView) and _fits_view(edge_specs):
        if out:
            yield "".join(out)
        yield from _view_edge_chunks(graph, [quoted[node] for node in graph], edge_specs)
        yield "  </graph>\n</graphml>\n"
        return
    for u, v, data in graph.edges(data=True):
        start = len(out)
        out.append(f"    <edge source={quoted[u]} target={quoted[v]}>\n")
        if _data_pieces(data, edge_specs, out):
            out.append("    </edge>\n")
        else:
            out[start] = f"    <edge source={quoted[u]} target={quoted[v]} />\n"
        if len(out) > _CHUNK_PIECES:
            yield "".join(out)
            out = []
    out.append("  </graph>\n</graphml>\n")
    yield "".join(out)


#: The attributes of every link of a :class:`~paperkg.links.PaperGraphView`, in order,
#: with the value kind each is written as.
_VIEW_EDGE_KINDS = {"kind": _STR, "shared": _JSON, "shared_ids": _JSON, "shared_count": _INT,
                    "weight": _FLOAT}


def _fits_view(specs: dict[str, tuple[str, int]]) -> bool:
    return {name: kind for name, (_, kind) in specs.items()} == _VIEW_EDGE_KINDS


def _view_edge_chunks(view: PaperGraphView, quoted: list[str],
                      specs: dict[str, tuple[str, int]]) -> Iterator[str]:
    """The ``<edge>`` elements of a view's links, the text :func:`_data_pieces` writes
    for their dicts, straight from the arrays: each entity's escaped JSON string is made
    once (escaping commutes with joining them: ``[``, ``, `` and ``]`` need none)."""
    links = view.links
    kind, shared, ids, count, weight = (specs[name][0] for name in _VIEW_EDGE_KINDS)
    kind_text = f"{kind}{_escape('shares')}</data>\n"
    name_text = [_escape(_json_str(name)) for name in links.names.tolist()]
    id_text = [_escape(_json_str(ident)) for ident in links.ids.tolist()]
    for picked, chunk in links.chunks(size=_CHUNK_PIECES // 8):
        names = [name_text[k] for k in picked]
        idents = [id_text[k] for k in picked]
        yield "".join([
            f"    <edge source={quoted[i]} target={quoted[j]}>\n{kind_text}"
            f"{shared}[{', '.join(names[lo:hi])}]</data>\n"
            f"{ids}[{', '.join(idents[lo:hi])}]</data>\n"
            f"{count}{hi - lo}</data>\n{weight}{w!r}</data>\n    </edge>\n"
            for i, j, lo, hi, w in chunk
        ])


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
        The graph; attributes are made GraphML-safe by :func:`graphml_ready`.
    path_or_file
        A path, or a file object opened in binary or text mode.
    viz, layout, seed
        See :func:`graphml_ready`.

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    with gc_paused():
        _write_graphml(graph, path_or_file, viz=viz, layout=layout, seed=seed)


def _write_graphml(graph: nx.Graph, path_or_file: PathOrFile, *, viz: bool,
                   layout: Layout | None, seed: int) -> None:
    chunks = _graphml_chunks(graph, viz=viz, layout=layout, seed=seed)
    if chunks is None:
        if isinstance(graph, PaperGraphView):  # pragma: no cover - views always stream
            graph = graph.to_networkx()
        chunks = iter([graphml_text(graphml_ready(graph, viz=viz, layout=layout, seed=seed))])
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


# --------------------------------------------------------------------------- two files at once

#: :func:`write_graphml_files` writes in a forked child process only when the graphs
#: have at least this many nodes together (the seed graphs have about 3,300): below it
#: the fork and its copy-on-write cost more than the second core saves.
FORK_MIN_NODES = 50_000


def write_graphml_files(
    items: Sequence[tuple[nx.Graph, str | PathLike[str]]],
    *,
    seed: int = 42,
    fork_min_nodes: int = FORK_MIN_NODES,
) -> None:
    """Write each ``(graph, path)`` with :func:`write_graphml` (``viz`` on, given ``seed``).

    With two or more graphs of ``fork_min_nodes`` nodes or more in all, the last graph
    is written by a forked child process (it inherits the graphs, nothing is pickled)
    while this process writes the others, so the two writes and their force layouts
    use two cores; see :func:`paperkg._accel.fork.run_beside`. The files are byte-identical
    to the serial ones, and an error is the same :class:`~paperkg.errors.ExportError`.
    (One difference: when an earlier file fails, the last one has been written all the
    same.) Without ``fork`` the files are written one after the other.
    """
    items = list(items)
    total = sum(graph.number_of_nodes() for graph, _ in items)
    if len(items) < 2 or total < fork_min_nodes or not can_fork():
        _write_all(items, seed)
        return
    *here, last = items
    run_beside(lambda: _write_all([last], seed), lambda: _write_all(here, seed),
               what=f"writing {_target_name(last[1])}")


def _write_all(items: Sequence[tuple[nx.Graph, Any]], seed: int) -> None:
    for graph, path in items:
        write_graphml(graph, path, seed=seed)


#: The C0 controls XML 1.0 cannot hold (all but tab, newline, CR), as UTF-8 bytes.
_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _xml_bytes(chunk: str) -> bytes:
    """``_XML_INVALID.sub("", chunk).encode("utf-8")``, faster on the usual text.

    In UTF-8 a C0 control is one byte that no other character uses, so deleting those
    bytes (``bytes.translate``, one pass in C) removes exactly those characters. Lone
    surrogates cannot be encoded and U+FFFE/U+FFFF show as their three-byte sequences:
    a chunk with either takes the regular expression.
    """
    try:
        data = chunk.encode("utf-8")
    except UnicodeEncodeError:
        return _XML_INVALID.sub("", chunk).encode("utf-8")
    if b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:
        return _XML_INVALID.sub("", chunk).encode("utf-8")
    return data.translate(None, _CONTROL_BYTES)


def decode_attributes(graph: nx.Graph, *, keep_viz: bool = False) -> nx.Graph:
    """Undo :func:`graphml_ready` in place: decode JSON attributes, drop added viz ones.

    Files without a ``paperkg_encoding`` record (written by other tools) get the
    schema's list attributes (:data:`LIST_ATTRIBUTES`) decoded when they hold a JSON list.
    """
    for empty in ("node_default", "edge_default"):
        if not graph.graph.get(empty):
            graph.graph.pop(empty, None)
    raw = graph.graph.pop(ENCODING_KEY, None)
    plan: dict[str, Any] | None = None
    if isinstance(raw, str):
        try:
            plan = json.loads(raw)
        except ValueError:
            logger.warning("ignoring an unreadable %s graph attribute", ENCODING_KEY)
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

    for _, data in graph.nodes(data=True):
        decode(data, scopes["node"])
        if not keep_viz:
            for name in viz:
                data.pop(name, None)
    for *_, data in graph.edges(data=True):
        decode(data, scopes["edge"])
    decode(graph.graph, scopes["graph"])
    return graph


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
