"""Saving and loading a knowledge graph: the two GraphML files of ``paperkg build``.

:meth:`KnowledgeGraph.save <paperkg.kg.KnowledgeGraph.save>` and
:meth:`KnowledgeGraph.load <paperkg.kg.KnowledgeGraph.load>` call these. The knowledge
graph is written to the path given, the paper graph beside it
(:func:`paper_graph_path`); loading checks that the file is a paperkg knowledge graph
and rebuilds a missing paper graph from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from paperkg.errors import GraphError, PaperKGError
from paperkg.export.graphml import read_graphml, write_graphml
from paperkg.export.layout import compute_layout, paired_layouts
from paperkg.links import PaperGraphView
from paperkg.models import ENTITY_TYPES

__all__ = ["paper_graph_path", "save_graphs", "load_graphs", "opt_int"]

log = logging.getLogger("paperkg")


def paper_graph_path(path: str | Path) -> Path:
    """Where :func:`save_graphs` puts the paper graph for a knowledge graph file.

    ``graphs/kg.graphml`` -> ``graphs/papers.graphml``; any other name
    ``x/name.graphml`` -> ``x/name.papers.graphml``.
    """
    path = Path(path)
    if path.stem == "kg":
        return path.with_name("papers" + path.suffix)
    return path.with_name(path.stem + ".papers" + (path.suffix or ".graphml"))


def save_graphs(graph: nx.Graph, paper_graph: nx.Graph | PaperGraphView,
                path: str | Path, *, beside: Callable[..., Any] | None = None) -> list[Path]:
    """Write the knowledge graph to ``path`` and the paper graph beside it.

    The paper graph goes to :func:`paper_graph_path`; its file name is recorded in the
    knowledge graph's graph attribute ``paper_graph_file``. Both files are written by
    :func:`paperkg.export.graphml.write_graphml` (``viz`` on, seed 42) with the
    positions of :func:`paperkg.export.layout.paired_layouts`, as ``paperkg build``
    writes them. ``beside(first, second)`` runs two writers at once (the workflow's
    :func:`paperkg.workflow.two_writers` forks the first for big graphs): the paper
    graph's file is then written by ``first`` while ``second`` lays out the knowledge
    graph and writes it; :meth:`KnowledgeGraph.save <paperkg.kg.KnowledgeGraph.save>`
    writes them one after the other. Returns the two paths.
    """
    path = Path(path)
    sibling = paper_graph_path(path)
    graph.graph["paper_graph_file"] = sibling.name
    papers_layout = compute_layout(paper_graph)  # before a child could need it too

    def kg_file() -> None:
        write_graphml(graph, path, layout=paired_layouts(graph, paper_graph)[0])

    def paper_file() -> None:
        write_graphml(paper_graph, sibling, layout=papers_layout)

    if beside is None:
        kg_file()
        paper_file()
    else:
        beside(paper_file, kg_file)
    return [path, sibling]


def load_graphs(path: str | Path) -> tuple[nx.Graph, nx.Graph]:
    """The knowledge graph and the paper graph written by :func:`save_graphs` or
    ``paperkg build``.

    The paper graph is read from the file named by the ``paper_graph_file`` graph
    attribute (default :func:`paper_graph_path`); if it is missing it is rebuilt from
    the knowledge graph with the stored options, with a warning. A file that is not a
    knowledge graph raises :class:`~paperkg.errors.GraphError` in one line.
    """
    path = Path(path)
    if not path.is_file():
        raise GraphError(f"{path}: no such graph file (run `paperkg build` first)")
    graph = _read(path)
    if not any(d.get("kind") == "paper" for _, d in graph.nodes(data=True)):
        raise GraphError(f"{path}: not a paperkg knowledge graph (no paper nodes)")
    if graph.graph.get("kind") == "papers":
        raise GraphError(f"{path}: this is a paper graph; load the knowledge graph file")
    _check_nodes(graph, path)
    name = graph.graph.get("paper_graph_file")
    sibling = path.with_name(str(name)) if name else paper_graph_path(path)
    if sibling.is_file():
        return graph, _read(sibling)
    log.warning("%s: paper graph %s missing, rebuilding it", path, sibling.name)
    return graph, _rebuild_paper_graph(graph)


def _rebuild_paper_graph(graph: nx.Graph) -> nx.Graph:
    """The paper graph of ``graph`` made with the options stored on it."""
    # the graph stage builds KnowledgeGraph objects (paperkg.kg imports this module):
    # imported here, when a paper graph is missing, not when paperkg.kg is
    from paperkg.graph.projection import paper_graph_from_kg

    pg = paper_graph_from_kg(
        graph,
        weight=str(graph.graph.get("weight", "idf")),  # type: ignore[arg-type]
        min_shared=opt_int(graph.graph.get("min_shared")) or 1,
        max_df=float(graph.graph.get("max_df", 0.25)),
        top_k=opt_int(graph.graph.get("top_k")),
    )
    if "communities" in graph.graph:
        pg.graph["communities"] = graph.graph["communities"]
    return pg


def opt_int(value: Any) -> int | None:
    """An integer attribute as read back from a file: ``None`` when absent or not one."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_nodes(graph: nx.Graph, path: Path) -> None:
    """Refuse, in one line, a graph file whose nodes the queries cannot turn into
    records (an entity of unknown type). O(n)."""
    for node, data in graph.nodes(data=True):
        kind = data.get("kind")
        if kind == "entity":
            etype = data.get("type", str(node).split(":", 1)[0])
            if etype not in ENTITY_TYPES:
                raise GraphError(f"{path}: entity node {str(node)!r} has type {etype!r}, not "
                                 f"one of {', '.join(ENTITY_TYPES)}; rebuild the graph")


def _read(path: Path) -> nx.Graph:
    try:
        return read_graphml(path)
    except PaperKGError:
        raise
    except Exception as error:  # a reader for an arbitrary file: any failure is "bad graph"
        raise GraphError(f"{path}: cannot read graph: {error}") from error
