"""The graph stage end to end: results -> knowledge graph, paper graph, communities."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from paperkg.errors import GraphError
from paperkg.graph.bipartite import corpus_links, knowledge_graph, paper_graph_from_edges
from paperkg.graph.labels import assign_communities
from paperkg.graph.projection import paper_graph
from paperkg.graph.schema import Weight, check_options, paper_node_id
from paperkg.graph.tally import _Corpus, collect
from paperkg.kg import KnowledgeGraph
from paperkg.links import PaperGraphView
from paperkg.models import Paper, PaperEntities

__all__ = ["build_knowledge_graph", "corpus_incidence", "finish_build", "linking_entities"]

log = logging.getLogger("paperkg")


def build_knowledge_graph(
    papers: Sequence[Paper],
    results: Sequence[PaperEntities],
    *,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    seed: int = 42,
    min_papers: Mapping[str, int] | None = None,
) -> KnowledgeGraph:
    """Build the knowledge graph, its paper-paper projection and communities.

    Parameters
    ----------
    papers
        The corpus (unique ids).
    results
        Canonicalised extractor output, one per paper (matched by ``PaperEntities.id``;
        a paper without one has no entities).
    weight, min_shared, max_df, top_k
        Paper-paper linking options, see :func:`~paperkg.graph.projection.paper_graph`.
    seed
        Louvain seed.
    min_papers
        Per entity type, the papers an entity needs to link papers (``{"method": 2}``):
        rarer ones stay in the knowledge graph, link none and are left off its HTML map
        (:mod:`paperkg.thesaurus`; the graph attribute ``min_papers``).

    Returns
    -------
    KnowledgeGraph
        ``.graph`` (papers + entities) and ``.paper_graph`` (papers only).

    Notes
    -----
    Cost: O(n + m) for the knowledge graph, O(sum over entities of df^2) for the
    projection, near-linear Louvain. Nodes and edges are inserted in sorted order, so
    the same input gives byte-identical GraphML. This runs in one process;
    ``paperkg build`` (:func:`paperkg.workflow.build_graph`) makes the same graphs
    with both cores on a large corpus.
    """
    check_options(weight, min_shared, max_df, top_k)
    if not papers:
        raise GraphError("no papers to build a graph from")
    corpus = collect(papers, results)
    ids, rows, cols, incidence = corpus_incidence(corpus)
    del rows, cols
    incidence, linking = linking_entities(corpus, incidence, min_papers or {})
    links, stats = paper_graph(ids, incidence, [e.id for e in linking],
                               [e.name for e in linking], weight=weight,
                               min_shared=min_shared, max_df=max_df, top_k=top_k)
    del incidence
    log.debug("paper graph: %s", stats)
    kg = knowledge_graph(corpus, consume=True)
    pg = paper_graph_from_edges(kg, ids, links, weight=weight, min_shared=min_shared,
                                max_df=max_df, top_k=top_k)
    return finish_build(kg, pg, weight=weight, min_shared=min_shared, max_df=max_df,
                        top_k=top_k, seed=seed, min_papers=min_papers)


def corpus_incidence(corpus: _Corpus
                     ) -> tuple[list[str], np.ndarray, np.ndarray, sp.csr_matrix]:
    """The paper node ids, the links as (row, column) arrays
    (:func:`~paperkg.graph.bipartite.corpus_links`) and the papers x entities incidence
    matrix they make: the projection :func:`~paperkg.graph.projection.paper_graph_from_kg`
    makes, without reading the links back out of the networkx graph."""
    ids = [paper_node_id(p.id) for p in corpus.papers]
    rows, cols = corpus_links(corpus)
    incidence = sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                              shape=(len(corpus.papers), len(corpus.entities)))
    return ids, rows, cols, incidence


def linking_entities(corpus: _Corpus, incidence: sp.csr_matrix, min_papers: Mapping[str, int]
                     ) -> tuple[sp.csr_matrix, list[Any]]:
    """The incidence columns and entities that link papers: all of them, but those
    below their type's ``min_papers`` (:func:`paperkg.thesaurus.linking_columns`)."""
    if not min_papers:
        return incidence, corpus.entities
    from paperkg.thesaurus import linking_columns

    linking = corpus.entities
    keep = linking_columns([e.type for e in linking], [corpus.df[e.id] for e in linking],
                           min_papers)
    return incidence[:, keep], [linking[j] for j in keep]


def finish_build(kg: nx.Graph, pg: nx.Graph | PaperGraphView, *, weight: Weight,
                 min_shared: int, max_df: float, top_k: int | None, seed: int,
                 groups: list[list[str]] | None = None,
                 min_papers: Mapping[str, int] | None = None) -> KnowledgeGraph:
    """Record the build options on both graphs, detect and label the communities
    (``groups``: already found) and wrap the two graphs."""
    params: dict[str, Any] = {"weight": weight, "min_shared": min_shared, "max_df": max_df,
                              "seed": seed}
    if top_k is not None:
        params["top_k"] = top_k
    if min_papers:
        from paperkg.thesaurus import format_min_papers

        params["min_papers"] = format_min_papers(min_papers)
    kg.graph.update(params)
    pg.graph.update(params)
    assign_communities(kg, pg, seed=seed, groups=groups)
    return KnowledgeGraph(kg, pg)
