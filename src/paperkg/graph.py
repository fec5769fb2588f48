"""Graph stage: extractor output -> the knowledge graph and the paper-paper graph.

Two undirected :class:`networkx.Graph` objects are built:

* the **knowledge graph** (bipartite): paper nodes ``"paper:<Paper.id>"`` linked to
  entity nodes ``"<type>:<slug>"`` by ``kind="mentions"`` edges;
* the **paper graph**, its projection onto papers: two papers are linked when they share
  entities, with ``weight`` by mode ``count`` / ``idf`` / ``jaccard``.

The projection goes through a sparse papers x entities incidence matrix ``B`` and
computes ``B[block] @ diag(w) @ B.T`` one block of rows at a time, so no pair of papers
that shares nothing is ever looked at. Louvain communities (Blondel et al. 2008,
"Fast unfolding of communities in large networks") are found on the paper graph and
labelled by their most characteristic entities.
"""

from __future__ import annotations

import gc
import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp

from paperkg.errors import GraphError
from paperkg.models import Entity, Mention, Paper, PaperEntities

if TYPE_CHECKING:
    from paperkg.kg import KnowledgeGraph

__all__ = [
    "Weight",
    "WEIGHT_MODES",
    "PAPER_PREFIX",
    "paper_node_id",
    "paper_node_attrs",
    "short_label",
    "build_knowledge_graph",
    "check_options",
    "knowledge_graph",
    "paper_graph",
    "paper_graph_from_kg",
    "detect_communities",
    "community_labels",
    "assign_communities",
]

log = logging.getLogger("paperkg")

Weight = Literal["count", "idf", "jaccard"]
WEIGHT_MODES: tuple[str, ...] = ("count", "idf", "jaccard")
PAPER_PREFIX = "paper:"
#: Upper bound on the number of (paper, paper) products computed per row block.
BLOCK_WORK = 4_000_000
_LABEL_LEN = 60
_FIELD_ORDER = {"title": 0, "abstract": 1}


def paper_node_id(paper_id: str) -> str:
    """``"2101.00001"`` -> ``"paper:2101.00001"``."""
    return PAPER_PREFIX + paper_id


def short_label(text: str, limit: int = _LABEL_LEN) -> str:
    """Shorten ``text`` to at most ``limit`` characters at a word boundary, adding ``…``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def paper_node_attrs(paper: Paper, n_entities: int) -> dict[str, Any]:
    """Node attributes of one paper (``None`` and empty values left out)."""
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
    attrs: dict[str, Any] = {
        "id": paper.id,
        "kind": "paper",
        "label": short_label(paper.title),
        "title": paper.title,
        "abstract": paper.abstract,
        "url": url,
        "year": paper.year,
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "authors": list(paper.authors) or None,
        "categories": list(paper.categories) or None,
        "sources": list(paper.sources),
        "n_entities": n_entities,
    }
    return {k: v for k, v in attrs.items() if v is not None}


# --------------------------------------------------------------------------- inputs


@dataclass
class _Corpus:
    """Papers and merged entities in a fixed (sorted) order."""

    papers: list[Paper]  # sorted by node id
    entities: list[Entity]  # merged across papers, sorted by id, mentions empty
    # per paper: entity id -> (count, first mention or None)
    links: list[dict[str, tuple[int, Mention | None]]]
    df: dict[str, int]


def _first_mention(mentions: Iterable[Mention]) -> Mention | None:
    return min(mentions, key=lambda m: (_FIELD_ORDER.get(m.field, 2), m.start, m.end), default=None)


def _collect(papers: Sequence[Paper], results: Sequence[PaperEntities]) -> _Corpus:
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if paper.id in by_id:
            raise GraphError(f"duplicate paper id {paper.id!r}: paper ids must be unique")
        by_id[paper.id] = paper
    found: dict[str, PaperEntities] = {}
    for res in results:
        if res.id not in by_id:
            raise GraphError(f"extractor result for unknown paper id {res.id!r}")
        if res.id in found:
            raise GraphError(f"two extractor results for paper id {res.id!r}")
        found[res.id] = res
    ordered = sorted(by_id.values(), key=lambda p: paper_node_id(p.id))

    names: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    types: dict[str, str] = {}
    links: list[dict[str, tuple[int, Mention | None]]] = []
    df: Counter[str] = Counter()
    for paper in ordered:
        per: dict[str, list[Mention]] = {}  # entity id -> mentions in this paper
        res = found.get(paper.id)
        for ent in res.entities if res else ():
            if types.setdefault(ent.id, ent.type) != ent.type:
                raise GraphError(
                    f"entity {ent.id!r} has two types ({types[ent.id]}, {ent.type}) "
                    f"in paper {paper.id!r}"
                )
            names[ent.id][ent.name] += 1
            aliases[ent.id].update(ent.aliases)
            per.setdefault(ent.id, []).extend(ent.mentions)
        links.append({})
        for eid, ms in sorted(per.items()):
            # a span reported twice (two extractor hits merged by canonicalisation) counts once
            spans = {(m.field, m.start, m.end): m for m in ms}
            links[-1][eid] = (max(1, len(spans)), _first_mention(spans.values()))
        df.update(per.keys())

    entities = []
    for eid in sorted(types):
        # most frequent spelling wins; ties go to the alphabetically first
        name = min(names[eid].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        entities.append(
            Entity(
                id=eid,
                name=name,
                type=types[eid],
                aliases=sorted(a for a in aliases[eid] | set(names[eid]) if a != name),
            )
        )
    return _Corpus(ordered, entities, links, dict(df))


def check_options(weight: str, min_shared: int, max_df: float, top_k: int | None) -> None:
    """Raise :class:`~paperkg.errors.GraphError` for an invalid paper-linking option."""
    if weight not in WEIGHT_MODES:
        raise GraphError(f"unknown weight mode {weight!r}: use one of {', '.join(WEIGHT_MODES)}")
    if min_shared < 1:
        raise GraphError(f"min_shared must be at least 1, got {min_shared}")
    if not 0 < max_df <= 1:
        raise GraphError(f"max_df must be a fraction in (0, 1], got {max_df}")
    if top_k is not None and top_k < 1:
        raise GraphError(f"top_k must be at least 1 (or None for no limit), got {top_k}")


# --------------------------------------------------------------------------- knowledge graph


def knowledge_graph(corpus: _Corpus) -> nx.Graph:
    """The bipartite paper-entity graph; nodes and edges inserted in sorted order. O(n + m)."""
    graph = nx.Graph(kind="knowledge")
    for paper, links in zip(corpus.papers, corpus.links, strict=True):
        graph.add_node(paper_node_id(paper.id), **paper_node_attrs(paper, len(links)))
    for ent in corpus.entities:
        graph.add_node(
            ent.id,
            id=ent.id,
            kind="entity",
            label=ent.name,
            type=ent.type,
            name=ent.name,
            aliases=list(ent.aliases),
            df=corpus.df[ent.id],
        )
    for paper, links in zip(corpus.papers, corpus.links, strict=True):
        pid = paper_node_id(paper.id)
        for eid, (count, first) in links.items():
            attrs: dict[str, Any] = {"kind": "mentions", "mentions": count}
            if first is not None:
                attrs.update(field=first.field, start=first.start, end=first.end)
            graph.add_edge(pid, eid, **attrs)
    return graph


# --------------------------------------------------------------------------- paper graph


def _block_ranges(work: np.ndarray, budget: int) -> Iterable[tuple[int, int]]:
    """Split rows into consecutive blocks whose summed ``work`` stays near ``budget``."""
    n = len(work)
    start = 0
    total = 0
    for i in range(n):
        total += int(work[i])
        if total > budget and i > start:
            yield start, i
            start, total = i, int(work[i])
    if start < n:
        yield start, n


def _top_k_mask(rows: np.ndarray, cols: np.ndarray, score: np.ndarray, count: np.ndarray,
                k: int) -> np.ndarray:
    """Mask of the ``k`` best (score, count, lower column) entries of each row.

    ``rows`` must be non-decreasing (CSR order). Only rows with more than ``k`` entries
    are looked at, each with one O(row length) partition: no global sort.
    """
    mask = np.ones(len(rows), dtype=bool)
    if len(rows) == 0:
        return mask
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    ends = np.r_[starts[1:], len(rows)]
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        if hi - lo <= k:
            continue
        s = score[lo:hi]
        kth = np.partition(s, hi - lo - k)[hi - lo - k]  # the k-th largest score
        keep = s > kth
        tied = np.flatnonzero(s == kth)
        room = k - int(np.count_nonzero(keep))
        if len(tied) > room:
            tied = tied[np.lexsort((cols[lo:hi][tied], -count[lo:hi][tied]))[:room]]
        keep[tied] = True
        mask[lo:hi] = keep
    return mask


def paper_graph(
    papers: Sequence[str],
    incidence: sp.csr_matrix,
    entity_ids: Sequence[str],
    entity_names: Sequence[str],
    *,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    block_work: int = BLOCK_WORK,
) -> tuple[list[tuple[int, int, dict[str, Any]]], dict[str, Any]]:
    """Paper-paper links from a binary papers x entities incidence matrix.

    Parameters
    ----------
    papers
        Paper node ids, one per row of ``incidence``.
    incidence
        ``N x M`` CSR matrix, 1 where paper ``i`` mentions entity ``j``.
    entity_ids, entity_names
        One per column; ``shared`` lists are ordered rarest first, ties by column.
    weight
        ``count``: number of shared entities; ``idf``: sum of ``log(N / df)`` over the
        shared entities; ``jaccard``: ``|A & B| / |A | B|`` of the two papers' entity sets
        (the sets hold the entities allowed by ``max_df``).
    min_shared
        Pairs sharing fewer entities are dropped.
    max_df
        Entities in more than ``max_df * N`` papers create no link.
    top_k
        Keep each paper's ``k`` strongest links (ties: more shared entities, then the
        earlier paper id); an edge survives when **either** endpoint keeps it, so a
        paper can end with more than ``k`` neighbours. ``None`` keeps every link.
    block_work
        Row blocks are sized so that each computes about this many products.

    Returns
    -------
    edges, stats
        ``(i, j, attrs)`` with ``i < j`` row indices, sorted; and a few counts.

    Notes
    -----
    Cost: O(sum over linking entities of df^2) multiply-adds, the number of
    (paper, entity, paper) paths, never O(N^2). Memory is bounded by one row block's
    product (about ``block_work`` entries) plus the kept pairs (at most ``N * top_k``
    when ``top_k`` is set): pairs below ``min_shared`` and outside each row's top-k are
    pruned block by block before anything else is stored.
    """
    n, m = incidence.shape
    if len(papers) != n or len(entity_ids) != m or len(entity_names) != m:
        raise GraphError(
            f"incidence matrix is {n} x {m} but got {len(papers)} papers, "
            f"{len(entity_ids)} entity ids and {len(entity_names)} names"
        )
    incidence = sp.csr_matrix(incidence, dtype=np.float64)
    incidence.sum_duplicates()
    incidence.data[:] = 1.0
    df = np.asarray(incidence.sum(axis=0)).ravel()
    allowed = df <= max_df * n
    idf = np.zeros_like(df)
    nz = df > 0
    idf[nz] = np.log(n / df[nz])
    # |A| for jaccard counts every allowed entity, even those no other paper has
    set_size = np.asarray(incidence[:, allowed].sum(axis=1)).ravel()
    # only entities in 2..max_df*N papers can link two papers; order them rarest first,
    # ties by column (entity id order when the columns are sorted by id)
    linking = np.flatnonzero(allowed & (df >= 2))
    linking = linking[np.lexsort((linking, df[linking]))]
    stats = {"pairs_considered": 0, "edges": 0, "linking_entities": int(len(linking)),
             "excluded_entities": int(np.count_nonzero(~allowed & nz))}
    if len(linking) == 0 or n < 2:
        return [], stats
    b = incidence[:, linking].tocsr()
    b.sort_indices()
    w_link = idf[linking]
    if weight == "idf":
        # one complex product gives both figures: real part = shared count, imaginary
        # part = idf sum (the real part is >= 1, so scipy never drops an entry as zero)
        bt = sp.csr_matrix((1.0 + 1j * w_link[b.indices], b.indices, b.indptr),
                           shape=b.shape).T.tocsr()
    else:
        bt = b.T.tocsr()

    work = np.asarray(b @ df[linking]).ravel()
    kept: list[np.ndarray] = []
    n_pairs = 0
    for lo, hi in _block_ranges(work, block_work):
        prod = (b[lo:hi] @ bt).tocsr()
        rows = np.repeat(np.arange(lo, hi, dtype=np.int64), np.diff(prod.indptr))
        cols = prod.indices.astype(np.int64)
        cnt = prod.data.real
        keep = (rows != cols) & (cnt >= min_shared - 0.5)
        rows, cols, cnt = rows[keep], cols[keep], cnt[keep]
        if weight == "idf":
            val = prod.data.imag[keep]
        elif weight == "jaccard":
            val = cnt / (set_size[rows] + set_size[cols] - cnt)
        else:
            val = cnt
        del prod
        n_pairs += len(rows)
        if top_k is not None:
            mask = _top_k_mask(rows, cols, val, cnt, top_k)
            rows, cols = rows[mask], cols[mask]
        kept.append(np.unique(np.minimum(rows, cols) * n + np.maximum(rows, cols)))

    keys = np.unique(np.concatenate(kept)) if kept else np.zeros(0, dtype=np.int64)
    pairs = np.stack([keys // n, keys % n], axis=1)
    edges = _edge_attrs(pairs, b, linking, w_link, set_size, entity_ids, entity_names, weight)
    stats.update(pairs_considered=n_pairs // 2, edges=len(edges))
    return edges, stats


def _edge_attrs(pairs, b, linking, w_link, set_size, entity_ids, entity_names, weight):
    """Shared entities and weight of each kept pair, found by one vectorised merge."""
    if len(pairs) == 0:
        return []
    n_link = b.shape[1]
    indptr, indices = b.indptr, b.indices
    # every (paper, column) incidence as one sorted int64 key
    paper_of = np.repeat(np.arange(b.shape[0], dtype=np.int64), np.diff(indptr))
    keys = paper_of * n_link + indices
    i, j = pairs[:, 0], pairs[:, 1]
    lens = indptr[i + 1] - indptr[i]
    pair_of = np.repeat(np.arange(len(pairs)), lens)
    starts = np.repeat(indptr[i], lens)
    offs = np.arange(len(pair_of)) - np.repeat(np.cumsum(lens) - lens, lens)
    cols = indices[starts + offs]
    probe = j[pair_of].astype(np.int64) * n_link + cols
    pos = np.searchsorted(keys, probe)
    hit = (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == probe)
    pair_of, cols = pair_of[hit], cols[hit]
    # pair_of is non-decreasing and each pair's columns come from a sorted CSR row, so
    # every pair's shared columns are contiguous and rarest first (column order)
    bounds = np.searchsorted(pair_of, np.arange(len(pairs) + 1))
    counts = np.diff(bounds)
    if weight == "count":
        weights = counts.astype(np.float64)
    elif weight == "idf":
        weights = np.add.reduceat(w_link[cols], bounds[:-1]) if len(cols) else np.zeros(0)
    else:
        weights = counts / (set_size[i] + set_size[j] - counts)
    ids = np.asarray(entity_ids, dtype=object)[linking][cols].tolist()
    names = np.asarray(entity_names, dtype=object)[linking][cols].tolist()
    # many small containers at once: the cyclic GC would rescan them again and again
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        edges = _edge_dicts(i, j, bounds, weights, names, ids)
    finally:
        if gc_was_on:
            gc.enable()
    return edges


def _edge_dicts(i, j, bounds, weights, names, ids):
    return [
        (a, c, {"kind": "shares", "shared": names[lo:hi], "shared_ids": ids[lo:hi],
                "shared_count": hi - lo, "weight": w})
        for a, c, lo, hi, w in zip(i.tolist(), j.tolist(), bounds[:-1].tolist(),
                                   bounds[1:].tolist(), np.round(weights, 12).tolist(), strict=True)
    ]


# --------------------------------------------------------------------------- communities


def detect_communities(graph: nx.Graph, seed: int = 42) -> list[list[str]]:
    """Louvain communities of the paper graph, largest first.

    Ties in size are broken by the smallest node id, so ids are deterministic; a paper
    without links is a community of its own. Near-linear in the number of edges.
    """
    if graph.number_of_nodes() == 0:
        return []
    total = graph.size(weight="weight")
    use = "weight" if total > 0 else None
    found = nx.community.louvain_communities(graph, weight=use, seed=seed)
    groups = [sorted(c) for c in found]
    groups.sort(key=lambda c: (-len(c), c[0]))
    return groups


def _short_name(name: str, aliases: Sequence[str]) -> str:
    """A long name's acronym when it has one (labels stay short: "FNO · PDE")."""
    if len(name) <= 24:
        return name
    acronyms = [a for a in aliases if 2 <= len(a) <= 8 and a.replace("-", "").isupper()]
    return min(acronyms, key=lambda a: (len(a), a)) if acronyms else name


def community_labels(
    groups: Sequence[Sequence[str]], kg: nx.Graph, n_terms: int = 3
) -> dict[int, str]:
    """Label each community by its most characteristic entities.

    An entity scores ``df_in / size * log(N / df)``: frequent inside the community,
    rare in the corpus. The ``n_terms`` best names are joined with `` · ``; a community
    whose papers have no entity gets ``"(no entities)"``. O(sum of paper degrees).
    """
    n = sum(len(g) for g in groups)
    labels: dict[int, str] = {}
    for cid, members in enumerate(groups):
        inside: Counter[str] = Counter()
        for pid in members:
            inside.update(list(kg.adj[pid]))
        scored = []
        for eid, df_in in inside.items():
            data = kg.nodes[eid]
            score = df_in / len(members) * math.log(n / data["df"])
            if score > 0:
                scored.append((-score, -df_in, data["name"], eid))
        scored.sort()
        names = []
        for *_, eid in scored[:n_terms]:
            data = kg.nodes[eid]
            names.append(_short_name(data["name"], data.get("aliases") or []))
        labels[cid] = " · ".join(names) if names else "(no entities)"
    return labels


def assign_communities(
    kg: nx.Graph, pg: nx.Graph, seed: int = 42
) -> dict[int, str]:
    """Detect and label communities; set ``community`` on the paper nodes of both graphs.

    The labels are also stored JSON-encoded (``{"0": "label", ...}``) as the graph
    attribute ``communities`` of both graphs, so they survive GraphML.
    """
    groups = detect_communities(pg, seed=seed)
    labels = community_labels(groups, kg)
    for cid, members in enumerate(groups):
        for node in members:
            kg.nodes[node]["community"] = cid
            pg.nodes[node]["community"] = cid
    encoded = json.dumps({str(k): v for k, v in labels.items()}, ensure_ascii=False)
    kg.graph["communities"] = encoded
    pg.graph["communities"] = encoded
    return labels


# --------------------------------------------------------------------------- entry points


def paper_graph_from_kg(
    kg: nx.Graph,
    *,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
) -> nx.Graph:
    """Project a knowledge graph (as built by :func:`knowledge_graph`) onto its papers.

    Paper nodes keep the knowledge graph's attributes; see :func:`paper_graph` for the
    edge attributes and the cost.
    """
    check_options(weight, min_shared, max_df, top_k)
    papers = sorted(n for n, d in kg.nodes(data=True) if d.get("kind") == "paper")
    entities = sorted(n for n, d in kg.nodes(data=True) if d.get("kind") == "entity")
    row = {p: i for i, p in enumerate(papers)}
    col = {e: j for j, e in enumerate(entities)}
    r, c = [], []
    for p in papers:
        for e in kg.adj[p]:
            if e in col:
                r.append(row[p])
                c.append(col[e])
    incidence = sp.csr_matrix(
        (np.ones(len(r)), (np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64))),
        shape=(len(papers), len(entities)),
    )
    names = [kg.nodes[e].get("name", e) for e in entities]
    edges, stats = paper_graph(papers, incidence, entities, names, weight=weight,
                               min_shared=min_shared, max_df=max_df, top_k=top_k)
    log.debug("paper graph: %s", stats)
    pg = nx.Graph(kind="papers", weight=weight, min_shared=min_shared, max_df=max_df)
    if top_k is not None:
        pg.graph["top_k"] = top_k
    for p in papers:
        pg.add_node(p, **kg.nodes[p])
    for i, j, attrs in edges:
        pg.add_edge(papers[i], papers[j], **attrs)
    return pg


def build_knowledge_graph(
    papers: Sequence[Paper],
    results: Sequence[PaperEntities],
    *,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    seed: int = 42,
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
        Paper-paper linking options, see :func:`paper_graph`.
    seed
        Louvain seed.

    Returns
    -------
    KnowledgeGraph
        ``.graph`` (papers + entities) and ``.paper_graph`` (papers only).

    Notes
    -----
    Cost: O(n + m) for the knowledge graph, O(sum over entities of df^2) for the
    projection, near-linear Louvain. Nodes and edges are inserted in sorted order, so
    the same input gives byte-identical GraphML.
    """
    from paperkg.kg import KnowledgeGraph

    check_options(weight, min_shared, max_df, top_k)
    if not papers:
        raise GraphError("no papers to build a graph from")
    corpus = _collect(papers, results)
    kg = knowledge_graph(corpus)
    pg = paper_graph_from_kg(kg, weight=weight, min_shared=min_shared, max_df=max_df, top_k=top_k)
    params: dict[str, Any] = {"weight": weight, "min_shared": min_shared, "max_df": max_df,
                              "seed": seed}
    if top_k is not None:
        params["top_k"] = top_k
    kg.graph.update(params)
    pg.graph.update(params)
    assign_communities(kg, pg, seed=seed)
    return KnowledgeGraph(kg, pg)
