"""The Python query API over a built knowledge graph: :class:`KnowledgeGraph`.

A ``KnowledgeGraph`` wraps two plain NetworkX graphs, ``.graph`` (papers and entities)
and ``.paper_graph`` (papers linked by shared entities), built by
:func:`paperkg.graph.build_knowledge_graph` or read back from GraphML with
:meth:`KnowledgeGraph.load` (:mod:`paperkg.io`). A big build keeps the paper graph's links as arrays
(:class:`~paperkg.links.PaperGraphView`, ``.paper_graph_view``) and makes the NetworkX
graph when ``.paper_graph`` is first read; saving and the summary figures do not need it.

Papers are named by id (``"paper:2101.00001"`` or ``"2101.00001"``), by exact title or by
a case-insensitive substring of the title that matches one paper only. Entities are
named by any of their names, aliases or acronyms, compared through
:func:`paperkg.text.match_key` (case, accents, hyphens and a final plural folded), or by
id (``"method:fourier-neural-operator"``). Unknown or ambiguous names raise
:class:`~paperkg.errors.PaperNotFoundError`, whose message lists up to five candidates.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
from pydantic import ValidationError

from paperkg.errors import GraphError, PaperNotFoundError
from paperkg.io import load_graphs, paper_graph_path, save_graphs
from paperkg.io import opt_int as _opt_int
from paperkg.links import PaperGraphView
from paperkg.models import ENTITY_TYPES, PAPER_PREFIX, Entity, Mention, Paper
from paperkg.text import match_key, title_key

__all__ = [
    "KnowledgeGraph",
    "Related",
    "Why",
    "EntityCount",
    "RepoLink",
    "Community",
    "paper_graph_path",
]

log = logging.getLogger("paperkg")

_MAX_CANDIDATES = 5
_GITHUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass
class Related:
    """A paper linked to the query paper in the paper graph."""

    paper: Paper
    score: float
    shared: list[str]  #: names of the shared entities, rarest first
    shared_ids: list[str] = field(default_factory=list)


@dataclass
class Why:
    """Why two papers are connected.

    ``shared`` names the entities both papers mention (rarest first). When there is
    none, ``path`` is the shortest chain of node ids paper - entity - paper - ... in
    the knowledge graph (empty when the papers are in different components); when
    there are shared entities, ``path`` is ``[paper_a, rarest shared entity, paper_b]``.
    """

    paper_a: Paper
    paper_b: Paper
    shared: list[str]
    shared_ids: list[str]
    path: list[str]
    path_labels: list[str]


@dataclass
class EntityCount:
    """An entity and its document frequency (number of papers mentioning it)."""

    entity: Entity
    df: int


@dataclass
class RepoLink:
    """A GitHub repository of a paper that mentions the queried entity."""

    repo: str  #: the repo entity's name, e.g. ``"neuraloperator/neuraloperator"``
    repo_id: str
    url: str | None
    paper: Paper
    proposing: bool  #: True for the repos of the paper ranked first (see ``repos_for``)


@dataclass
class Community:
    """One Louvain community of the paper graph (ids ordered by size, 0 = largest)."""

    id: int
    label: str
    size: int
    papers: list[str]  #: bare ``Paper.id`` values, sorted


def _as_list(value: Any) -> list:
    """A list attribute, whether it came back decoded or still JSON text."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        if value.startswith("["):
            try:
                decoded = json.loads(value)
            except json.JSONDecodeError:
                return [value]
            return decoded if isinstance(decoded, list) else [value]
        return [value] if value else []
    return list(value)


def _components(graph: nx.Graph | PaperGraphView) -> int:
    if isinstance(graph, PaperGraphView):
        return graph.number_connected_components()
    return nx.number_connected_components(graph) if graph.number_of_nodes() else 0


class KnowledgeGraph:
    """A knowledge graph of papers and entities, with its paper-paper projection.

    Parameters
    ----------
    graph
        Papers (``kind="paper"``) and entities (``kind="entity"``) linked by
        ``kind="mentions"`` edges.
    paper_graph
        Papers only, linked when they share entities (``shared``, ``shared_ids``,
        ``shared_count``, ``weight``); or a :class:`~paperkg.links.PaperGraphView` of
        them, made a NetworkX graph on first access to :attr:`paper_graph`.
    """

    #: Readers :meth:`load` asks first, each given the GraphML path and answering a
    #: knowledge graph or ``None``: ``import paperkg`` registers the query store's
    #: (:func:`paperkg.store.open_store`), which sits above this module.
    readers: ClassVar[list[Callable[[Path], KnowledgeGraph | None]]] = []

    def __init__(self, graph: nx.Graph, paper_graph: nx.Graph | PaperGraphView) -> None:
        self.graph = graph
        self._paper_graph = paper_graph
        self._papers = sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "paper")
        self._entities = sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "entity")
        self._by_name: dict[str, set[str]] = {}
        self._by_alias: dict[str, set[str]] = {}
        for node in self._entities:
            data = graph.nodes[node]
            self._by_name.setdefault(match_key(str(data.get("name", node))), set()).add(node)
            for alias in _as_list(data.get("aliases")):
                self._by_alias.setdefault(match_key(str(alias)), set()).add(node)

    @property
    def paper_graph(self) -> nx.Graph:
        """The paper-paper graph (an ``nx.Graph``; made from the view on first access)."""
        if isinstance(self._paper_graph, PaperGraphView):
            self._paper_graph = self._paper_graph.to_networkx()
        return self._paper_graph

    @paper_graph.setter
    def paper_graph(self, graph: nx.Graph) -> None:
        self._paper_graph = graph

    @property
    def paper_graph_view(self) -> nx.Graph | PaperGraphView:
        """The paper graph as it is held: the ``nx.Graph`` once made, else the
        read-only :class:`~paperkg.links.PaperGraphView` of a big build (nothing is made)."""
        return self._paper_graph

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> list[Path]:
        """Write the knowledge graph to ``path`` and the paper graph beside it, at
        :func:`paper_graph_path` (``kg.graphml`` -> ``papers.graphml``); returns the two
        paths. See :func:`paperkg.io.save_graphs`."""
        return save_graphs(self.graph, self.paper_graph_view, path)

    @classmethod
    def load(cls, path: str | Path, *, store: bool = True) -> KnowledgeGraph:
        """Read a knowledge graph written by :meth:`save` or ``paperkg build``; see
        :func:`paperkg.io.load_graphs`. With ``store`` (the default), the query store
        ``paperkg build`` writes beside the file answers instead when it is there and
        current (see :mod:`paperkg.store`, which ``import paperkg`` registers in
        :attr:`readers`)."""
        if store and Path(path).is_file():
            for reader in KnowledgeGraph.readers:
                stored = reader(Path(path))
                if stored is not None:
                    return stored
        return cls(*load_graphs(path))

    # ------------------------------------------------------------------ naming

    def _paper_titles(self) -> dict[str, str]:
        return {n: str(self.graph.nodes[n].get("title", "")) for n in self._papers}

    def paper_node(self, paper: str | Paper) -> str:
        """The node id of a paper named by id, title or unique title substring."""
        name = paper.id if isinstance(paper, Paper) else str(paper).strip()
        nodes = self.graph.nodes
        if name in nodes and nodes[name].get("kind") == "paper":
            return name
        if PAPER_PREFIX + name in nodes and nodes[PAPER_PREFIX + name].get("kind") == "paper":
            return PAPER_PREFIX + name
        titles = self._paper_titles()
        for match in (
            [n for n, t in titles.items() if t == name],
            [n for n, t in titles.items() if title_key(t) == title_key(name)],
        ):
            if len(match) == 1:
                return match[0]
            if len(match) > 1:
                raise self._ambiguous(name, match)
        key = title_key(name)
        sub = [n for n, t in titles.items() if key and key in title_key(t)] if key else []
        if len(sub) == 1:
            return sub[0]
        if sub:
            raise self._ambiguous(name, sub)
        by_lower = {t.lower(): n for n, t in sorted(titles.items())}
        close = difflib.get_close_matches(name.lower(), list(by_lower), n=_MAX_CANDIDATES, cutoff=0.3)
        cands = [self._describe(by_lower[c]) for c in close]
        hint = f"; closest: {'; '.join(cands)}" if cands else ""
        raise PaperNotFoundError(f"no paper matches {name!r}{hint}", cands)

    def _describe(self, node: str) -> str:
        data = self.graph.nodes[node]
        return f"{data.get('label', data.get('title', node))} [{data.get('id', node)}]"

    def _ambiguous(self, name: str, nodes: list[str]) -> PaperNotFoundError:
        titles = self._paper_titles()
        nodes = sorted(nodes, key=lambda n: (len(titles[n]), n))
        cands = [self._describe(n) for n in nodes[:_MAX_CANDIDATES]]
        more = f" (and {len(nodes) - len(cands)} more)" if len(nodes) > len(cands) else ""
        return PaperNotFoundError(
            f"{name!r} matches {len(nodes)} papers: {'; '.join(cands)}{more}; "
            "give more of the title or the paper id",
            cands,
        )

    def entity_nodes(self, entity: str) -> list[str]:
        """Entity node ids for a name, alias, acronym or id (names win over aliases)."""
        name = str(entity).strip()
        nodes = self.graph.nodes
        if name in nodes and nodes[name].get("kind") == "entity":
            return [name]
        key = match_key(name)
        found = self._by_name.get(key) or self._by_alias.get(key)
        if found:
            return sorted(found, key=lambda n: (-int(nodes[n].get("df", 0)), n))
        keys = sorted(set(self._by_name) | set(self._by_alias))
        close = difflib.get_close_matches(key, keys, n=_MAX_CANDIDATES, cutoff=0.6)
        cands = []
        for k in close:
            node = sorted(self._by_name.get(k) or self._by_alias[k])[0]
            cands.append(f"{nodes[node].get('name', node)} ({nodes[node].get('type', '?')})")
        cands = list(dict.fromkeys(cands))
        hint = f"; closest: {'; '.join(cands)}" if cands else ""
        raise PaperNotFoundError(f"no entity matches {name!r}{hint}", cands)

    # ------------------------------------------------------------------ records

    def _paper(self, node: str) -> Paper:
        with _as_graph_error(node):
            return self._make_paper(node)

    def _make_paper(self, node: str) -> Paper:
        data = self.graph.nodes[node]
        return Paper(
            id=str(data.get("id", node.removeprefix(PAPER_PREFIX))),
            title=str(data.get("title") or data.get("label") or node),
            abstract=str(data.get("abstract") or data.get("title") or node),
            url=data.get("url") or None,
            arxiv_id=data.get("arxiv_id") or None,
            doi=data.get("doi") or None,
            year=_opt_int(data.get("year")),
            authors=[str(a) for a in _as_list(data.get("authors"))],
            categories=[str(c) for c in _as_list(data.get("categories"))],
            sources=[str(s) for s in _as_list(data.get("sources"))],
        )

    def _entity(self, node: str, mentions: list[Mention] | None = None) -> Entity:
        data = self.graph.nodes[node]
        with _as_graph_error(node):
            return Entity(
                id=node,
                name=str(data.get("name", node)),
                type=data.get("type", node.split(":", 1)[0]),
                aliases=[str(a) for a in _as_list(data.get("aliases"))],
                mentions=mentions or [],
            )

    def paper(self, paper: str | Paper) -> Paper:
        """The :class:`~paperkg.models.Paper` named by id or title."""
        return self._paper(self.paper_node(paper))

    def entity(self, entity: str) -> Entity:
        """The entity named ``entity`` (the most frequent one if a name is shared)."""
        return self._entity(self.entity_nodes(entity)[0])

    def papers(self) -> list[Paper]:
        """Every paper, by node id."""
        return [self._paper(n) for n in self._papers]

    # ------------------------------------------------------------------ queries

    def _rank(self, entity_nodes: Iterable[str]) -> list[str]:
        """Papers mentioning any of ``entity_nodes``, most likely proposer first."""
        best: dict[str, list] = {}
        for ent in entity_nodes:
            for node, edge in self.graph.adj[ent].items():
                in_title = edge.get("field") == "title"
                start = _opt_int(edge.get("start"))
                count = _opt_int(edge.get("mentions")) or 1
                rec = best.setdefault(node, [False, 0, 10**9])
                rec[0] = rec[0] or in_title
                rec[1] += count
                if start is not None and not in_title:
                    rec[2] = min(rec[2], start)
                elif in_title:
                    rec[2] = min(rec[2], -1)

        def key(node: str) -> tuple:
            in_title, count, start = best[node]
            year = _opt_int(self.graph.nodes[node].get("year"))
            return (not in_title, year if year is not None else 10**6, -count, start, node)

        return sorted(best, key=key)

    def papers_with(self, entity: str) -> list[Paper]:
        """Papers that mention ``entity`` (any name, alias or acronym, case-insensitive).

        Papers are ordered as in :meth:`repos_for`: the likely proposer first.
        """
        return [self._paper(n) for n in self._rank(self.entity_nodes(entity))]

    def entities_of(self, paper: str | Paper, type: str | None = None) -> list[Entity]:
        """The entities a paper mentions, in order of first appearance (title first).

        Each :class:`~paperkg.models.Entity` carries one ``Mention``: the first one
        (the knowledge graph stores the first mention and a count, not every span).
        """
        _check_type(type)
        node = self.paper_node(paper)
        data = self.graph.nodes[node]
        found = []
        for ent, edge in self.graph.adj[node].items():
            if type is not None and self.graph.nodes[ent].get("type") != type:
                continue
            mentions = []
            start, end = _opt_int(edge.get("start")), _opt_int(edge.get("end"))
            fld = edge.get("field")
            if fld in ("title", "abstract") and start is not None and end is not None:
                text = str(data.get(fld, ""))[start:end] or str(self.graph.nodes[ent].get("name"))
                mentions.append(Mention(field=fld, start=start, end=end, text=text))
            order = (0 if fld == "title" else 1, start if start is not None else 10**9, ent)
            found.append((order, self._entity(ent, mentions)))
        return [e for _, e in sorted(found, key=lambda x: x[0])]

    def mention_count(self, paper: str | Paper, entity: str) -> int:
        """How many times ``paper`` mentions ``entity`` (0 when it does not)."""
        node = self.paper_node(paper)
        return sum(
            int(self.graph.adj[node][e].get("mentions", 1))
            for e in self.entity_nodes(entity)
            if self.graph.has_edge(node, e)
        )

    def related(self, paper: str | Paper, k: int = 10) -> list[Related]:
        """The ``k`` papers most strongly linked to ``paper`` in the paper graph.

        Ordered by edge ``weight``, then ``shared_count``, then id.
        """
        node = self.paper_node(paper)
        papers = self.paper_graph_view  # a big build's view answers without a networkx graph
        if node not in papers:
            return []
        rows = []
        for other, edge in papers.adj[node].items():
            w = float(edge.get("weight", 0.0))
            rows.append((-w, -int(edge.get("shared_count", 0)), other, edge))
        rows.sort(key=lambda r: r[:3])
        return [
            Related(
                paper=self._paper(other),
                score=-negw,
                shared=[str(s) for s in _as_list(edge.get("shared"))],
                shared_ids=[str(s) for s in _as_list(edge.get("shared_ids"))],
            )
            for negw, _, other, edge in rows[: max(k, 0)]
        ]

    def why(self, paper_a: str | Paper, paper_b: str | Paper) -> Why:
        """The entities two papers share, or else the shortest chain between them."""
        a, b = self.paper_node(paper_a), self.paper_node(paper_b)
        if a == b:
            raise GraphError(f"both names name the same paper ({self._describe(a)})")
        nodes = self.graph.nodes
        common = set(self.graph.adj[a]) & set(self.graph.adj[b])
        # rarest first, ties by id: the order of the paper graph's ``shared``
        shared = sorted(common, key=lambda e: (int(nodes[e].get("df", 0)), e))
        if shared:
            path = [a, shared[0], b]
        else:
            try:
                path = nx.shortest_path(self.graph, a, b)
            except nx.NetworkXNoPath:
                path = []
        return Why(
            paper_a=self._paper(a),
            paper_b=self._paper(b),
            shared=[str(nodes[e].get("name", e)) for e in shared],
            shared_ids=shared,
            path=path,
            path_labels=[str(nodes[n].get("label", n)) for n in path],
        )

    def top_entities(self, type: str | None = None, n: int = 20) -> list[EntityCount]:
        """The ``n`` entities mentioned by the most papers (of one ``type`` if given)."""
        _check_type(type)
        nodes = self.graph.nodes
        chosen = [e for e in self._entities if type is None or nodes[e].get("type") == type]
        chosen.sort(key=lambda e: (-int(nodes[e].get("df", 0)), str(nodes[e].get("name")), e))
        return [EntityCount(self._entity(e), int(nodes[e].get("df", 0))) for e in chosen[: max(n, 0)]]

    def repos_for(self, entity: str) -> list[RepoLink]:
        """GitHub repos (``repo`` entities) of the papers that mention ``entity``.

        Papers are ranked "proposer first": a paper naming the entity in its title,
        then the earliest year (unknown last), then the most mentions, then the earliest
        first mention, then id. Each repo is listed once, with the first paper in that
        order that has it; ``proposing`` marks the first-ranked paper's repos.
        """
        ranked = self._rank(self.entity_nodes(entity))
        links: list[RepoLink] = []
        seen: set[str] = set()
        for rank, pnode in enumerate(ranked):
            repos = [e for e in self.graph.adj[pnode] if self.graph.nodes[e].get("type") == "repo"]
            edges = self.graph.adj[pnode]
            repos.sort(key=lambda e: (edges[e].get("field") != "title",
                                      _opt_int(edges[e].get("start")) or 0, e))
            paper = None
            for repo in repos:
                if repo in seen:
                    continue
                seen.add(repo)
                paper = paper or self._paper(pnode)
                data = self.graph.nodes[repo]
                links.append(RepoLink(repo=str(data.get("name", repo)), repo_id=repo,
                                      url=_repo_url(data), paper=paper, proposing=rank == 0))
        return links

    def _labels(self) -> dict[int, str]:
        raw = self.graph.graph.get("communities") or self.paper_graph_view.graph.get("communities")
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raw = {}
        return {int(k): str(v) for k, v in (raw or {}).items()}

    def communities(self) -> list[Community]:
        """Communities of the paper graph: id (0 = largest), label, size, paper ids."""
        labels = self._labels()
        members: dict[int, list[str]] = {}
        for node in self._papers:
            cid = _opt_int(self.graph.nodes[node].get("community"))
            if cid is not None:
                members.setdefault(cid, []).append(str(self.graph.nodes[node].get("id", node)))
        return [
            Community(id=cid, label=labels.get(cid, ""), size=len(ids), papers=sorted(ids))
            for cid, ids in sorted(members.items())
        ]

    def subgraph(self, *, entity: str | None = None, community: int | None = None) -> nx.Graph:
        """A copy of part of the knowledge graph.

        ``entity=``: the entity, the papers that mention it and those papers' other
        entities. ``community=``: the community's papers and their entities.
        """
        if (entity is None) == (community is None):
            raise GraphError("subgraph needs exactly one of entity= or community=")
        if entity is not None:
            ents = self.entity_nodes(entity)
            papers = {p for e in ents for p in self.graph.adj[e]}
            keep = set(ents) | papers
        else:
            papers = {n for n in self._papers
                      if _opt_int(self.graph.nodes[n].get("community")) == community}
            if not papers:
                known = ", ".join(str(c.id) for c in self.communities()[:10])
                raise GraphError(f"no community {community} (known: {known})")
            keep = set(papers)
        for p in papers:
            keep.update(self.graph.adj[p])
        return self.graph.subgraph(sorted(keep)).copy()

    # ------------------------------------------------------------------ figures

    def stats(self, top: int = 5) -> dict[str, Any]:
        """Counts by type, top entities per type, degree figures and communities."""
        nodes = self.graph.nodes
        by_type = Counter(str(nodes[e].get("type")) for e in self._entities)
        paper_deg = [self.graph.degree(p) for p in self._papers]
        ent_deg = [self.graph.degree(e) for e in self._entities]
        papers = self.paper_graph_view
        pg_deg = [degree for _, degree in papers.degree()]

        def fig(values: list[int]) -> dict[str, float]:
            if not values:
                return {"mean": 0.0, "median": 0.0, "max": 0}
            return {"mean": round(statistics.fmean(values), 2),
                    "median": float(statistics.median(values)), "max": max(values)}

        return {
            "papers": len(self._papers),
            "entities": len(self._entities),
            "mentions": self.graph.number_of_edges(),
            "paper_links": papers.number_of_edges(),
            "entities_by_type": {t: by_type.get(t, 0) for t in ENTITY_TYPES},
            "top_entities": {
                t: [{"name": c.entity.name, "df": c.df} for c in self.top_entities(t, top)]
                for t in ENTITY_TYPES
            },
            "degree": {
                "entities_per_paper": fig(paper_deg),
                "papers_per_entity": fig(ent_deg),
                "paper_graph": fig(pg_deg),
            },
            "papers_without_entities": sum(1 for d in paper_deg if d == 0),
            "isolated_papers": sum(1 for d in pg_deg if d == 0),
            "components": _components(papers),
            "options": {k: self.graph.graph[k] for k in ("weight", "min_shared", "max_df", "top_k", "seed")
                        if k in self.graph.graph},
            "communities": [{"id": c.id, "label": c.label, "size": c.size} for c in self.communities()],
        }

    def __repr__(self) -> str:
        return (
            f"KnowledgeGraph({len(self._papers)} papers, {len(self._entities)} entities, "
            f"{self.paper_graph_view.number_of_edges()} paper links, "
            f"{len(self.communities())} communities)"
        )


def _check_type(type: str | None) -> None:
    if type is not None and type not in ENTITY_TYPES:
        raise GraphError(f"unknown entity type {type!r}: use one of {', '.join(ENTITY_TYPES)}")


def _repo_url(data: dict) -> str | None:
    for value in [data.get("url"), *_as_list(data.get("aliases"))]:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    name = str(data.get("name", ""))
    if name.startswith(("http://", "https://")):
        return name
    if name.lower().startswith("github.com/"):
        return "https://" + name
    return f"https://github.com/{name}" if _GITHUB_NAME.match(name) else None


@contextmanager
def _as_graph_error(node: str) -> Iterator[None]:
    """A node whose attributes do not make a valid record is a :class:`GraphError`."""
    try:
        yield
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(map(str, first["loc"]))
        raise GraphError(f"graph node {node!r}: {field}: {first['msg']}") from error
