"""Paper-paper links held as arrays, and a read-only graph over them.

The projection (:func:`paperkg.graph.paper_graph`) finds millions of links in a large
corpus: 1.6 M for 10^5 papers, about 16 M for 10^6. As NetworkX edges each costs
about 450 bytes (an attribute dict, two lists, a float and two adjacency entries),
as arrays about 40. :class:`PaperLinks` keeps them as arrays and makes each link's
attribute dict when it is read; :class:`PaperGraphView` presents the paper graph of a
build over them, with the part of the NetworkX graph API the GraphML writer, the
layout and the summaries read, until :meth:`PaperGraphView.to_networkx` (called by
:attr:`paperkg.kg.KnowledgeGraph.paper_graph` on first access) makes the real graph.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import networkx as nx
import numpy as np

__all__ = ["PaperLinks", "PaperGraphView"]

#: Links whose attribute dicts are made at once when iterating (a few arrays of this
#: many entries and their Python lists live at a time).
_CHUNK = 250_000


@dataclass(frozen=True, eq=False)
class PaperLinks(Sequence[tuple[int, int, dict[str, Any]]]):
    """The links of a paper-paper projection: a sequence of ``(i, j, attrs)``.

    ``i < j`` are row (paper) numbers, the links sorted by ``(i, j)``; ``attrs`` is
    ``{"kind": "shares", "shared": [names], "shared_ids": [ids], "shared_count": k,
    "weight": w}``, a new dict (and lists) each time a link is read, the shared
    entities rarest first.

    Attributes
    ----------
    rows, cols
        ``int64`` row numbers of each link's two papers.
    weights
        ``float64`` weights, already rounded to 12 decimals.
    bounds
        ``int64``, one more than links: link ``e`` shares ``shared[bounds[e]:bounds[e + 1]]``.
    shared
        ``int32`` positions in ``ids`` / ``names``.
    ids, names
        Object arrays of ``str``: the entities that can link papers.
    """

    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    bounds: np.ndarray
    shared: np.ndarray
    ids: np.ndarray
    names: np.ndarray

    def __post_init__(self) -> None:
        m = len(self.rows)
        if len(self.cols) != m or len(self.weights) != m or len(self.bounds) != m + 1:
            raise ValueError(
                f"{m} rows, {len(self.cols)} cols, {len(self.weights)} weights and "
                f"{len(self.bounds)} bounds: need one of each per link and one more bound"
            )
        if len(self.ids) != len(self.names):
            raise ValueError(f"{len(self.ids)} entity ids but {len(self.names)} names")
        if m and (int(self.bounds[0]) != 0 or int(self.bounds[-1]) != len(self.shared)):
            raise ValueError("bounds must run from 0 to len(shared)")

    @classmethod
    def empty(cls, ids: Sequence[str] = (), names: Sequence[str] = ()) -> PaperLinks:
        """No links."""
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros(0), np.zeros(1, dtype=np.int64),
                   np.zeros(0, dtype=np.int32), np.asarray(ids, dtype=object),
                   np.asarray(names, dtype=object))

    @classmethod
    def concatenate(cls, parts: Sequence[PaperLinks]) -> PaperLinks:
        """One :class:`PaperLinks` of ``parts`` in order (they share ``ids``/``names``)."""
        if not parts:
            return cls.empty()
        offsets = np.cumsum([0] + [len(p.shared) for p in parts[:-1]])
        bounds = [parts[0].bounds[:1]] + [p.bounds[1:] + off for p, off in zip(parts, offsets,
                                                                               strict=True)]
        return cls(np.concatenate([p.rows for p in parts]),
                   np.concatenate([p.cols for p in parts]),
                   np.concatenate([p.weights for p in parts]),
                   np.concatenate(bounds).astype(np.int64),
                   np.concatenate([p.shared for p in parts]),
                   parts[0].ids, parts[0].names)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int, dict[str, Any]]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int, dict[str, Any]]]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                return list(self.iter_range(start, stop))
            return [self[k] for k in range(start, stop, step)]
        k = index.__index__()
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError("link index out of range")
        return next(self.iter_range(k, k + 1))

    def __iter__(self) -> Iterator[tuple[int, int, dict[str, Any]]]:
        return self.iter_range(0, len(self))

    def chunks(self, start: int = 0, stop: int | None = None, size: int | None = None
               ) -> Iterator[tuple[list[int], Iterator[tuple[int, int, int, int, float]]]]:
        """Links ``start`` to ``stop`` in chunks of ``size``: per chunk, the positions of
        its shared entities (into ``ids`` / ``names``) and ``(i, j, lo, hi, weight)`` per
        link, its shared entities being ``positions[lo:hi]``."""
        stop = len(self) if stop is None else stop
        size = size or _CHUNK
        for c0 in range(start, stop, size):
            c1 = min(stop, c0 + size)
            bounds = self.bounds[c0:c1 + 1]
            cuts = (bounds - bounds[0]).tolist()
            yield (self.shared[bounds[0]:bounds[-1]].tolist(),
                   zip(self.rows[c0:c1].tolist(), self.cols[c0:c1].tolist(), cuts[:-1],
                       cuts[1:], self.weights[c0:c1].tolist(), strict=True))

    def iter_range(self, start: int, stop: int) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """Links ``start`` to ``stop`` (exclusive) as ``(i, j, attrs)``."""
        all_names, all_ids = self.names, self.ids
        for picked, links in self.chunks(start, stop):
            names = all_names[picked].tolist()
            ids = all_ids[picked].tolist()
            yield from (
                (i, j, {"kind": "shares", "shared": names[lo:hi], "shared_ids": ids[lo:hi],
                        "shared_count": hi - lo, "weight": w})
                for i, j, lo, hi, w in links
            )

    def pairs(self) -> np.ndarray:
        """The ``(m, 2)`` array of ``(i, j)`` rows."""
        return np.column_stack((self.rows, self.cols))

    def degrees(self, n: int) -> np.ndarray:
        """Links per row, for ``n`` rows."""
        return (np.bincount(self.rows, minlength=n) + np.bincount(self.cols, minlength=n))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PaperLinks):
            return len(self) == len(other) and list(self) == list(other)
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PaperLinks({len(self)} links, {len(self.ids)} linking entities)"


class _OverNodes:
    """A view's nodes: iterated in order, counted, tested with ``in``."""

    def __init__(self, view: PaperGraphView) -> None:
        self._view = view

    def __iter__(self) -> Iterator[str]:
        return iter(self._view._nodes)

    def __len__(self) -> int:
        return len(self._view._nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._view


class _Nodes(_OverNodes):
    """``view.nodes``: iterate, test, index, or call with ``data=``."""

    def __getitem__(self, node: str) -> dict[str, Any]:
        if node not in self._view:
            raise KeyError(node)
        return self._view._kg.nodes[node]

    def __call__(self, data: bool | str = False, default: Any = None) -> Iterator[Any]:
        node_data = self._view._kg.nodes
        if data is False:
            return iter(self._view._nodes)
        if data is True:
            return ((node, node_data[node]) for node in self._view._nodes)
        return ((node, node_data[node].get(data, default)) for node in self._view._nodes)


class _Adjacency(_OverNodes, Mapping[str, dict[str, dict[str, Any]]]):
    """``view.adj``: ``view.adj[node]`` is ``{neighbour: attrs}`` in ``nx.Graph`` order."""

    def __getitem__(self, node: str) -> dict[str, dict[str, Any]]:
        return self._view._neighbours(self._view._row(node))


class PaperGraphView:
    """The paper graph of a build, over its :class:`PaperLinks`, before it is a NetworkX graph.

    Nodes are the knowledge graph's paper nodes, in sorted order, with the knowledge
    graph's own attribute dicts (the paper graph's copies would hold the same values);
    edges are the links, their attribute dicts made as they are read. Read-only: it
    offers ``graph``, ``nodes``, ``adj``, ``edges``, ``degree``, ``number_of_nodes``,
    ``number_of_edges``, ``is_directed``, ``is_multigraph``, iteration and ``in``
    (``nodes`` must be sorted), ``number_connected_components()``, and a
    ``__networkx_cache__`` that holds the layout (so
    :func:`paperkg.export.layout.compute_layout` hands it out). :meth:`to_networkx`
    makes the ``nx.Graph`` that an eager build would have made, with the same
    attributes, order and cached layout.
    """

    def __init__(self, kg: nx.Graph, nodes: Sequence[str], links: PaperLinks,
                 attrs: Mapping[str, Any]) -> None:
        if len(links) and int(max(links.rows.max(), links.cols.max())) >= len(nodes):
            raise ValueError(f"links name rows beyond the {len(nodes)} nodes")
        if any(a >= b for a, b in itertools.pairwise(nodes)):
            raise ValueError("the nodes of a paper graph view must be sorted and distinct")
        self._kg = kg
        self._nodes = list(nodes)
        self.links = links
        self.graph: dict[str, Any] = dict(attrs)
        self.__networkx_cache__: dict[str, Any] = {}
        self.nodes = _Nodes(self)
        self.adj = _Adjacency(self)
        self._by_col: tuple[np.ndarray, np.ndarray] | None = None

    def _row(self, node: str) -> int:
        """The row of ``node`` (``KeyError`` if it is not a paper node)."""
        if node not in self:
            raise KeyError(node)
        return bisect.bisect_left(self._nodes, node)

    def _neighbours(self, row: int) -> dict[str, dict[str, Any]]:
        """``{neighbour: attrs}`` of one row: the links ``(i, row)`` by ``i``, then
        ``(row, j)`` by ``j``, the order ``nx.Graph`` inserted them in. The first call
        sorts the links by column (two arrays of one int64 per link)."""
        links, nodes = self.links, self._nodes
        if self._by_col is None:
            order = np.argsort(links.cols, kind="stable")
            self._by_col = (order, links.cols[order])
        order, sorted_cols = self._by_col
        found: dict[str, dict[str, Any]] = {}
        lo, hi = np.searchsorted(sorted_cols, [row, row + 1])
        for e in order[lo:hi].tolist():
            i, _, attrs = links[e]
            found[nodes[i]] = attrs
        lo, hi = np.searchsorted(links.rows, [row, row + 1])
        for _, j, attrs in links.iter_range(int(lo), int(hi)):
            found[nodes[j]] = attrs
        return found

    # -- the NetworkX graph API subset

    def is_directed(self) -> bool:
        return False

    def is_multigraph(self) -> bool:
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node: object) -> bool:
        try:
            return node in self._kg and self._kg.nodes[node].get("kind") == "paper"
        except TypeError:  # unhashable
            return False

    def number_of_nodes(self) -> int:
        return len(self._nodes)

    def number_of_edges(self) -> int:
        return len(self.links)

    def edges(self, data: bool = False) -> Iterator[tuple[Any, ...]]:
        """``(u, v)`` or ``(u, v, attrs)`` in ``nx.Graph.edges`` order (sorted rows)."""
        nodes = self._nodes
        if data:
            return ((nodes[i], nodes[j], attrs) for i, j, attrs in self.links)
        return ((nodes[i], nodes[j]) for i, j in zip(self.links.rows.tolist(),
                                                     self.links.cols.tolist(), strict=True))

    def degree(self) -> list[tuple[str, int]]:
        """``(node, links)`` for every node, in node order."""
        return list(zip(self._nodes, self.links.degrees(len(self._nodes)).tolist(),
                        strict=True))

    def number_connected_components(self) -> int:
        """``nx.number_connected_components`` of the graph, from the arrays."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(self._nodes)
        links = self.links
        matrix = coo_matrix((np.ones(len(links)), (links.rows, links.cols)), shape=(n, n))
        return int(connected_components(matrix, directed=False)[0]) if n else 0

    # -- the real graph

    def to_networkx(self) -> nx.Graph:
        """The ``nx.Graph``: attribute dicts copied from the knowledge graph, edges in
        link order, the cached layouts carried over. O(n + m), ~450 bytes per link."""
        graph = nx.Graph()
        graph.graph.update(self.graph)
        node_data = self._kg.nodes
        graph.add_nodes_from((node, node_data[node]) for node in self._nodes)
        nodes = self._nodes
        graph.add_edges_from((nodes[i], nodes[j], attrs) for i, j, attrs in self.links)
        for key, value in self.__networkx_cache__.items():
            graph.__networkx_cache__[key] = (
                {k: dict(v) if isinstance(v, dict) else v for k, v in value.items()}
                if isinstance(value, dict) else value)
        return graph

    def __repr__(self) -> str:
        return (f"PaperGraphView({self.number_of_nodes()} papers, "
                f"{self.number_of_edges()} links)")

