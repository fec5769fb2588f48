"""The knowledge graph: papers linked to the entities they mention.

The bipartite :class:`networkx.Graph` of paper nodes and entity nodes with
``kind="mentions"`` edges, and the paper graph's networkx form made from the links
:func:`paperkg.graph.projection.paper_graph` finds. Nodes and edges are inserted in
sorted order, so the same input gives byte-identical GraphML.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import networkx as nx
import numpy as np

from paperkg.graph.schema import Weight, paper_node_attrs, paper_node_id
from paperkg.graph.tally import _Corpus, _Span

__all__ = ["knowledge_graph", "paper_graph_from_edges", "paper_graph_attrs", "corpus_links"]


def knowledge_graph(corpus: _Corpus, *, consume: bool = False) -> nx.Graph:
    """The bipartite paper-entity graph; nodes and edges inserted in sorted order. O(n + m).

    ``consume``: empty each paper's ``corpus.links`` once its edges are in the graph, so
    the links and the edges made of them are not both held in full (at 10^6 papers the
    links take ~2 GB).
    """
    graph = nx.Graph(kind="knowledge")
    graph.add_nodes_from(
        (paper_node_id(paper.id), paper_node_attrs(paper, len(links)))
        for paper, links in zip(corpus.papers, corpus.links, strict=True)
    )
    graph.add_nodes_from(
        (ent.id, {"id": ent.id, "kind": "entity", "label": ent.name, "type": ent.type,
                  "name": ent.name, "aliases": list(ent.aliases), "df": corpus.df[ent.id]})
        for ent in corpus.entities
    )
    graph.add_edges_from(_mention_edges(corpus, consume=consume))
    return graph


def _mention_edges(corpus: _Corpus, *, consume: bool = False
                   ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    empty: dict[str, tuple[int, _Span | None]] = {}
    for k, paper in enumerate(corpus.papers):
        links = corpus.links[k]
        if consume:
            corpus.links[k] = empty
        pid = paper_node_id(paper.id)
        for eid, (count, first) in links.items():
            if first is None:
                yield pid, eid, {"kind": "mentions", "mentions": count}
            else:
                yield pid, eid, {"kind": "mentions", "mentions": count, "field": first[0],
                                 "start": first[1], "end": first[2]}


def paper_graph_from_edges(kg: nx.Graph, papers: list[str],
                           edges: Sequence[tuple[int, int, dict[str, Any]]], *,
                           weight: Weight, min_shared: int, max_df: float,
                           top_k: int | None) -> nx.Graph:
    """The paper graph as a networkx graph: ``papers`` (with ``kg``'s attributes) and
    the ``(i, j, attrs)`` links between them, in order."""
    pg = nx.Graph(**paper_graph_attrs(weight, min_shared, max_df, top_k))
    pg.add_nodes_from((p, kg.nodes[p]) for p in papers)
    pg.add_edges_from((papers[i], papers[j], attrs) for i, j, attrs in edges)
    return pg


def paper_graph_attrs(weight: Weight, min_shared: int, max_df: float, top_k: int | None
                      ) -> dict[str, Any]:
    """The paper graph's graph attributes, in order."""
    attrs: dict[str, Any] = {"kind": "papers", "weight": weight, "min_shared": min_shared,
                             "max_df": max_df}
    if top_k is not None:
        attrs["top_k"] = top_k
    return attrs


def corpus_links(corpus: _Corpus) -> tuple[np.ndarray, np.ndarray]:
    """The corpus links as (paper row, entity column) arrays, in the order
    :func:`knowledge_graph` adds them as edges (paper by paper, each paper's links in
    order)."""
    col = {ent.id: j for j, ent in enumerate(corpus.entities)}
    lens = np.fromiter((len(links) for links in corpus.links), dtype=np.int64,
                       count=len(corpus.links))
    cols = np.fromiter((col[eid] for links in corpus.links for eid in links), dtype=np.int64,
                       count=int(lens.sum()))
    rows = np.repeat(np.arange(len(corpus.links), dtype=np.int64), lens)
    return rows, cols
