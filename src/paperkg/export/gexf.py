"""GEXF 1.2 (Gephi's native format) with viz colour, size and position.

Attributes are made scalar as for GraphML (:func:`paperkg.export.graphml.graphml_ready`);
lists of strings are declared ``liststring`` (Gephi reads their ``["a", "b"]`` text
as lists).
GEXF reserves some attribute names for its own meaning (``start``/``end`` are time
spells, an edge ``type`` is directedness), so those are written with an ``attr_``
prefix and renamed back by :func:`read_gexf`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Hashable, Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

import networkx as nx

from paperkg.errors import ExportError, GraphError
from paperkg.export.graphml import (
    ENCODING_KEY,
    PathOrFile,
    _target_name,
    decode_attributes,
    graphml_ready,
    xml_node_ids,
)
from paperkg.export.layout import compute_layout
from paperkg.export.style import node_color, node_sizes

_LAST_MODIFIED = re.compile(rb'<meta lastmodifieddate="[^"]*">')

__all__ = ["write_gexf", "read_gexf", "RESERVED_NODE", "RESERVED_EDGE"]

#: Node attributes GEXF interprets itself (``label`` is kept: it means the same).
RESERVED_NODE = frozenset({"id", "pid", "start", "end", "viz", "parents", "slices", "spells"})
#: Edge attributes GEXF interprets itself (``weight`` and ``label`` are kept).
RESERVED_EDGE = frozenset({"id", "type", "start", "end", "slices", "spells"})
_PREFIX = "attr_"


def _rename(data: dict, reserved: frozenset[str]) -> dict:
    return {(_PREFIX + k if k in reserved else k): v for k, v in data.items()}


def write_gexf(
    graph: nx.Graph,
    path_or_file: PathOrFile,
    *,
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    seed: int = 42,
) -> None:
    """Write ``graph`` as GEXF 1.2 with ``viz:color``, ``viz:size`` and ``viz:position``.

    Parameters
    ----------
    graph
        The graph (node ids are written as strings, made XML-safe as for GraphML by
        :func:`~paperkg.export.graphml.xml_node_ids`).
    path_or_file
        A path, or a file object opened in binary or text mode.
    layout
        ``node -> (x, y)``; computed with :func:`~paperkg.export.layout.compute_layout`
        when not given.
    seed
        Layout seed.

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    if layout is None:
        layout = compute_layout(graph, seed=seed)
    sizes = node_sizes(graph)
    ready = graphml_ready(graph, viz=False, move_ids=False)
    names = xml_node_ids(graph)  # the ids graphml_ready gave the nodes
    out = graph.__class__()
    out.graph["mode"] = "static"
    for node, data in graph.nodes(data=True):
        key = names[node]
        r, g, b = node_color(data)
        x, y = layout.get(node, (0.0, 0.0))
        attrs = _rename(dict(ready.nodes[key]), RESERVED_NODE)
        attrs["viz"] = {
            "color": {"r": r, "g": g, "b": b, "a": 1.0},
            "size": float(sizes[node]),
            "position": {"x": float(x), "y": float(y), "z": 0.0},
        }
        out.add_node(key, **attrs)
    for u, v, data in ready.edges(data=True):
        out.add_edge(u, v, **_rename(dict(data), RESERVED_EDGE))
    buffer = io.BytesIO()
    nx.write_gexf(out, buffer, version="1.2draft")
    # networkx stamps today's date into <meta>; drop it (optional in GEXF 1.2) so the
    # same graph gives the same bytes on any day
    payload = _LAST_MODIFIED.sub(b"<meta>", buffer.getvalue(), count=1)
    payload = _list_types(payload, _list_names(ready))
    try:
        if hasattr(path_or_file, "write"):
            if isinstance(path_or_file, io.TextIOBase):
                path_or_file.write(payload.decode("utf-8"))
            else:
                path_or_file.write(payload)
        else:
            path = Path(path_or_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(payload)
    except OSError as error:
        raise ExportError(
            f"cannot write {_target_name(path_or_file)}: {error.strerror or error}"
        ) from error


def _list_names(ready: nx.Graph) -> set[str]:
    """The attributes :func:`graphml_ready` JSON-encoded whose every value is a list of
    strings (``["a", "b"]`` or ``[]``)."""
    plan = json.loads(ready.graph[ENCODING_KEY])["json"]
    names = set(plan["node"]) | set(plan["edge"])
    for records in (ready.nodes(data=True), ready.edges(data=True)):
        for *_, data in records:
            for name in names & data.keys():
                value = data[name]
                if not (value == "[]" or value.startswith('["')):
                    names.discard(name)
    return names


def _list_types(payload: bytes, names: set[str]) -> bytes:
    """Declare the list attributes ``liststring`` (Gephi reads the JSON array text
    ``["a", "b"]`` as a list); their values are already that text."""
    for name in sorted(names):
        pattern = re.compile(rb'(<attribute id="[^"]*" title=' + re.escape(quoteattr(name).encode())
                             + rb' type=)"string"')
        payload = pattern.sub(rb'\1"liststring"', payload)
    return payload


def read_gexf(path_or_file: PathOrFile, *, keep_viz: bool = False) -> nx.Graph:
    """Read a GEXF file written by :func:`write_gexf`: list attributes decoded, names restored.

    Raises
    ------
    paperkg.errors.GraphError
        The file is missing or not GEXF.
    """
    name = _target_name(path_or_file)
    try:
        if hasattr(path_or_file, "read"):
            content = path_or_file.read()
            if isinstance(content, str):
                content = content.encode("utf-8")
            graph = nx.read_gexf(io.BytesIO(content), node_type=str)
        else:
            graph = nx.read_gexf(Path(path_or_file), node_type=str)
    except FileNotFoundError as error:
        raise GraphError(f"{name}: no such file") from error
    except OSError as error:
        raise GraphError(f"cannot read {name}: {error.strerror or error}") from error
    except (nx.NetworkXError, ValueError, SyntaxError, KeyError) as error:
        raise GraphError(f"{name}: not a valid GEXF file ({error})") from error
    for _, data in graph.nodes(data=True):
        if not keep_viz:
            data.pop("viz", None)
        for key in [
            k for k in data if k.startswith(_PREFIX) and k[len(_PREFIX) :] in RESERVED_NODE
        ]:
            data[key[len(_PREFIX) :]] = data.pop(key)
    for *_, data in graph.edges(data=True):
        data.pop("id", None)
        for key in [
            k for k in data if k.startswith(_PREFIX) and k[len(_PREFIX) :] in RESERVED_EDGE
        ]:
            data[key[len(_PREFIX) :]] = data.pop(key)
    graph.graph.pop("mode", None)
    return decode_attributes(graph)
