"""Tables for other tools: node-link JSON and CSV node/edge lists.

``kg.json`` is NetworkX node-link JSON (``nodes`` + ``links``), readable back with
:func:`read_node_link_json`. ``*_nodes.csv`` / ``*_edges.csv`` are plain UTF-8 CSV with a
header row, one row per node/edge, list attributes joined with ``|`` so that pandas
(``str.split("|")``) and Neo4j's ``LOAD CSV`` (``split(row.aliases, "|")``) can use them.
A text cell that a spreadsheet would run as a formula is prefixed with ``'``
(:func:`neutralise_cell`, OWASP's CSV-injection guidance).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from paperkg.errors import ExportError, GraphError
from paperkg.export.graphml import _json_default, _scalar
from paperkg.export.style import hex_color, node_color, node_sizes

__all__ = [
    "NODE_COLUMNS",
    "EDGE_COLUMNS",
    "LIST_SEPARATOR",
    "FORMULA_STARTS",
    "neutralise_cell",
    "node_link_json",
    "write_node_link_json",
    "read_node_link_json",
    "write_csv_tables",
    "write_neo4j_script",
    "NEO4J_SCRIPT",
]

#: Leading columns of the node table, in this order; other attributes follow alphabetically.
NODE_COLUMNS: tuple[str, ...] = (
    "id", "label", "kind", "type", "name", "title", "year", "arxiv_id", "doi", "url",
    "community", "community_label", "n_entities", "df", "degree", "aliases", "sources",
)  # fmt: skip
#: Leading columns of the edge table.
EDGE_COLUMNS: tuple[str, ...] = (
    "source", "target", "kind", "mentions", "field", "start", "end", "weight",
    "shared_count", "shared", "shared_ids",
)  # fmt: skip
#: Trailing display columns of the node table (same values as in GraphML/GEXF).
_VIZ_COLUMNS: tuple[str, ...] = ("color", "size", "x", "y")
#: Separator of list values inside one CSV cell.
LIST_SEPARATOR = "|"


def _clean(value: Any) -> Any:
    """JSON-safe copy: numpy -> Python, NaN/inf -> None, sets/tuples -> lists."""
    value = _scalar(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_clean(v) for v in items]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return _clean(_json_default(value))


def node_link_json(graph: nx.Graph) -> dict[str, Any]:
    """NetworkX node-link data of ``graph`` (``nodes``/``links``), JSON-safe. O(n + m)."""
    data = nx.node_link_data(graph, edges="links")
    return _clean(data)


def write_node_link_json(graph: nx.Graph, path: str | Path) -> None:
    """Write :func:`node_link_json` to ``path`` (UTF-8, one line).

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    path = Path(path)
    text = json.dumps(node_link_json(graph), ensure_ascii=False, allow_nan=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8", errors="replace")
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error


def read_node_link_json(path: str | Path) -> nx.Graph:
    """Read a node-link JSON file back into a NetworkX graph.

    Raises
    ------
    paperkg.errors.GraphError
        The file is missing or not node-link JSON.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return nx.node_link_graph(data, edges="links")
    except FileNotFoundError as error:
        raise GraphError(f"{path}: no such file") from error
    except OSError as error:
        raise GraphError(f"cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise GraphError(f"{path}: not valid JSON ({error})") from error
    except (KeyError, TypeError, nx.NetworkXError) as error:
        raise GraphError(f"{path}: not node-link graph data ({error})") from error


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @,
#: a tab or carriage return, and their full-width forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_cell(text: str) -> str:
    """``text`` made inert for spreadsheets, as OWASP's CSV-injection guidance says: a
    cell that starts (after any leading whitespace, which spreadsheets drop) with a
    formula character gets a leading ``'``, which Excel, LibreOffice and Google Sheets
    show as text. Other cells are returned unchanged."""
    if text.lstrip(" \t\r\n").startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number ("-0.5") is data, never a formula
    if isinstance(value, list):
        return neutralise_cell(LIST_SEPARATOR.join(
            json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)
            for v in value
            if v is not None
        ))
    if isinstance(value, dict):
        return neutralise_cell(json.dumps(value, ensure_ascii=False))
    return neutralise_cell(str(value))


def _columns(
    leading: Iterable[str],
    records: Iterable[Mapping[str, Any]],
    trailing: Iterable[str] = (),
    always: Iterable[str] = (),
) -> list[str]:
    present: set[str] = set()
    for record in records:
        present.update(record)
    required = set(always)
    lead = [c for c in leading if c in present or c in required]
    tail = [c for c in trailing if c in present]
    rest = sorted(present - set(lead) - set(tail))
    return lead + rest + tail


def _write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", errors="replace", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _cell(row.get(c)) for c in columns})
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error


def write_csv_tables(
    graph: nx.Graph,
    nodes_path: str | Path,
    edges_path: str | Path,
    *,
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
) -> None:
    """Write the node table and the edge table of ``graph`` as CSV.

    The node table starts with :data:`NODE_COLUMNS` (those present), then any other
    attribute, then ``color`` (``#rrggbb``), ``size`` and, with a layout, ``x``/``y``.
    ``degree`` is the node's degree in ``graph``. The edge table starts with
    ``source``, ``target`` (a paper first when only one end is a paper) and the known
    edge attributes. Lists are joined with
    :data:`LIST_SEPARATOR`. O(n + m).

    Raises
    ------
    paperkg.errors.ExportError
        A file cannot be written.
    """
    sizes = node_sizes(graph)
    degrees = dict(graph.degree())
    node_rows: list[dict[str, Any]] = []
    for node, data in graph.nodes(data=True):
        row = dict(data)
        row["id"] = str(node)
        row.setdefault("label", str(node))
        row["degree"] = degrees[node]
        row["color"] = hex_color(node_color(data))
        row["size"] = sizes[node]
        if layout is not None and node in layout:
            row["x"], row["y"] = layout[node]
        node_rows.append(row)
    edge_rows: list[dict[str, Any]] = []
    kinds = nx.get_node_attributes(graph, "kind")
    for u, v, data in graph.edges(data=True):
        # paper -> entity, whatever order NetworkX holds them in, so an importer can
        # match (:Paper {id: source}) and (:Entity {id: target}) without guessing
        if kinds.get(v) == "paper" and kinds.get(u) != "paper":
            u, v = v, u
        row = {k: val for k, val in data.items() if k not in ("source", "target")}
        row["source"], row["target"] = str(u), str(v)
        edge_rows.append(row)
    _write_rows(
        Path(nodes_path),
        _columns(NODE_COLUMNS, node_rows, _VIZ_COLUMNS, ("id", "label", "kind")),
        node_rows,
    )
    _write_rows(
        Path(edges_path), _columns(EDGE_COLUMNS, edge_rows, always=("source", "target")), edge_rows
    )


#: The Cypher script that loads the CSV tables into Neo4j (shipped with the package).
NEO4J_SCRIPT = Path(__file__).with_name("neo4j.cypher")


def write_neo4j_script(path: str | Path) -> None:
    """Write :data:`NEO4J_SCRIPT` (``LOAD CSV`` of ``kg_nodes.csv``, ``kg_edges.csv`` and
    ``papers_edges.csv`` into ``:Paper``, ``:Entity``, ``MENTIONS`` and ``SHARES``).

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    path = Path(path)
    try:
        path.write_text(NEO4J_SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
