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

import itertools
import json
import logging
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp

from paperkg import _kernels
from paperkg._fork import can_fork, run_beside
from paperkg._gc import gc_paused
from paperkg.cache import decode_result
from paperkg.errors import GraphError, OptionError
from paperkg.links import PaperGraphView, PaperLinks
from paperkg.models import Entity, Paper, PaperEntities

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
#: :func:`paper_graph` computes half its row blocks, and :func:`build_knowledge_graph`
#: runs Louvain, in a forked child process from this many papers on (the seed corpus
#: has about 500; at 10^5 papers each gains about half a minute).
FORK_MIN_PAPERS = 20_000
#: The projection multiplies each row block by slices of about this many papers
#: (columns) at a time: the sparse product's accumulator (16 bytes per column for the
#: complex idf product, plus 4 for its linked list) then fits a core's L2 cache. At
#: 3 x 10^5 papers scipy's product ran 2.2 times faster (25.3 -> 11.6 s on a tenth of
#: the rows; the whole projection 212 -> 175 s). The output does not depend on it.
COLUMN_BLOCK = 65_536
#: :func:`paper_graph` runs its projection compiled (:mod:`paperkg._kernels`, with numba)
#: from this many (paper, entity, paper) products on; the edges are the same either way.
KERNEL_MIN_WORK = 5_000_000
#: ... and multiplies by slices of this many papers (its accumulator, 24 bytes a paper,
#: then fits a core's L2 cache: 1.5-2 times faster at 3 x 10^5 papers than unsliced).
KERNEL_COLUMN_BLOCK = 32_768
#: With ``top_k`` (weights ``count`` and ``idf``) the compiled projection walks the paper
#: lists of a row's entities in at most this fraction of the papers, and of the 64
#: commonest above it only where a bound does not settle the row's top-k without them
#: (:func:`paperkg._kernels.project_rows`); the edges are the same either way.
PRUNE_DF = 0.01
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


#: The first mention of an entity in a paper, as ``(field, start, end)``.
_Span = tuple[str, int, int]


@dataclass
class _Corpus:
    """Papers and merged entities in a fixed (sorted) order."""

    papers: list[Paper]  # sorted by node id
    entities: list[Entity]  # merged across papers, sorted by id, mentions empty
    # per paper: entity id -> (count, first mention or None)
    links: list[dict[str, tuple[int, _Span | None]]]
    df: dict[str, int]


def _span_order(span: _Span) -> tuple[int, int, int]:
    return _FIELD_ORDER.get(span[0], 2), span[1], span[2]


def _paper_links(res: dict[str, Any], shared: dict[str, str]
                 ) -> dict[str, tuple[int, _Span | None]]:
    """Entity id -> (distinct mentions, first mention) of one paper, ids sorted.

    ``res`` is the paper's record as a JSON dict (see :func:`_records`); ``shared`` maps
    each string to one stored copy, so the ids and field names of a large corpus are not
    held once per paper.
    """
    per: dict[str, dict[_Span, None]] = {}
    for ent in res["entities"]:
        eid = ent["id"]
        spans = per.setdefault(shared.setdefault(eid, eid), {})
        for m in ent["mentions"]:
            field = m["field"]
            spans[(shared.setdefault(field, field), m["start"], m["end"])] = None
    links: dict[str, tuple[int, _Span | None]] = {}
    for eid, spans in sorted(per.items()):
        # a span reported twice (two extractor hits merged by canonicalisation) counts once
        if len(spans) == 1:
            first: _Span | None = next(iter(spans))
        else:
            first = min(spans, key=_span_order, default=None)
        links[eid] = (max(1, len(spans)), first)
    return links


def _records(results: Sequence[PaperEntities], start: int = 0, stop: int | None = None
             ) -> Iterator[dict[str, Any]]:
    """Each result (from ``start`` to ``stop``) as a JSON dict, in order.

    Results held as compressed JSON text (``workflow._JsonResults``, whose ``encoded``
    are :func:`paperkg.cache.encode_result` blobs of canonical records) are decoded with
    :func:`json.loads` rather than validated into model objects again: the graph reads a
    few fields of each once. Model objects are dumped.
    """
    encoded = getattr(results, "encoded", None)
    if isinstance(encoded, list):
        return (json.loads(decode_result(blob)) for blob in encoded[start:stop])
    return (res.model_dump(mode="json") for res in itertools.islice(results, start, stop))


@dataclass
class _Tally:
    """What :func:`_collect` gathers from a run of results."""

    names: dict[str, Counter[str]]  # entity id -> spelling -> papers
    aliases: dict[str, set[str]]
    types: dict[str, set[str]]
    links_of: dict[str, dict[str, tuple[int, _Span | None]]]  # paper id -> its links
    df: Counter[str]
    #: False when a paper had a second result (tallied unchecked: see tally_records)
    clean: bool = True

    def add(self, other: _Tally) -> None:
        """Fold in the tally of other papers (none of them in this one)."""
        for eid, spellings in other.names.items():
            self.names.setdefault(eid, Counter()).update(spellings)
        for eid, found in other.aliases.items():
            self.aliases.setdefault(eid, set()).update(found)
        for eid, found in other.types.items():
            self.types.setdefault(eid, set()).update(found)
        self.links_of.update(other.links_of)
        self.df.update(other.df)


def _tally(records: Iterable[dict[str, Any]], known: dict[str, Paper] | None) -> _Tally:
    """Names, aliases, types, links and document frequencies of ``records``.

    With ``known``, raises :class:`GraphError` for a result of an unknown paper or a
    second result of one; without (:func:`tally_records`), a second result is left out
    and the tally marked not ``clean``."""
    shared: dict[str, str] = {}
    names: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    types: dict[str, set[str]] = {}
    links_of: dict[str, dict[str, tuple[int, _Span | None]]] = {}
    df: Counter[str] = Counter()
    clean = True
    for res in records:
        pid = res["id"]
        if known is not None and pid not in known:
            raise GraphError(f"extractor result for unknown paper id {pid!r}")
        if pid in links_of:
            if known is None:
                clean = False
                continue
            raise GraphError(f"two extractor results for paper id {pid!r}")
        for ent in res["entities"]:
            eid = ent["id"]
            types.setdefault(shared.setdefault(eid, eid), set()).add(ent["type"])
            names[eid][ent["name"]] += 1
            aliases[eid].update(ent["aliases"])
        links = links_of[pid] = _paper_links(res, shared)
        df.update(links.keys())
    return _Tally(dict(names), dict(aliases), types, links_of, df, clean)


def tally_records(records: Iterable[dict[str, Any]]) -> _Tally:
    """What the graph stage reads of canonical records (JSON dicts, see :func:`_records`):
    their entities' spellings, aliases and types, each paper's links and the document
    frequencies. Unchecked: :func:`_collect` checks the paper ids against the corpus.

    ``paperkg build`` makes it while canonicalising
    (:func:`paperkg.canonical.reduce_canonical_json`, whose parts
    :func:`merge_tallies` joins) and hands it over on the results
    (``workflow._JsonResults.graph_tally``), so the records are not parsed twice."""
    return _tally(records, None)


def merge_tallies(parts: Sequence[_Tally]) -> _Tally:
    """The tally of consecutive runs of records (the first part, extended in place)."""
    head, *rest = parts
    for part in rest:
        if not head.links_of.keys().isdisjoint(part.links_of):
            head.clean = False
        head.add(part)
        head.clean = head.clean and part.clean
    return head


def _given_tally(results: Sequence[PaperEntities], by_id: dict[str, Paper]) -> _Tally | None:
    """The tally that came with ``results`` (taken off them), when it holds one result
    per paper of ``results``, each of a known paper; else ``None`` (results are read)."""
    tally = getattr(results, "graph_tally", None)
    if not isinstance(tally, _Tally):
        return None
    results.graph_tally = None  # type: ignore[attr-defined]  # _collect consumes it
    if (not tally.clean or len(tally.links_of) != len(results)
            or not tally.links_of.keys() <= by_id.keys()):
        return None
    return tally


def _tally_halves(results: Sequence[PaperEntities], known: dict[str, Paper]) -> _Tally:
    """:func:`_tally` of all ``results``, the second half in a forked child.

    The halves' counts add up to the whole's; on any error (or a paper with a result in
    both halves) the whole is tallied here, so the error is the one the serial pass
    raises first."""
    mid = len(results) // 2
    try:
        tail, head = run_beside(lambda: _tally(_records(results, mid), known),
                                lambda: _tally(_records(results, 0, mid), known),
                                what="half of the results' tally")
    except GraphError:
        return _tally(_records(results), known)
    whole = merge_tallies([head, tail])
    if not whole.clean:  # a paper with a result in both halves
        return _tally(_records(results), known)
    return whole


def _collect(papers: Sequence[Paper], results: Sequence[PaperEntities],
             fork_min_papers: int | None = None) -> _Corpus:
    """Check and merge the results; reads each result once (they may be parsed on access).

    With ``fork_min_papers`` results or more (default :data:`FORK_MIN_PAPERS`) and
    ``fork``, the second half is read in a forked child (:func:`_tally_halves`). Results
    that come with their tally (:func:`tally_records`, made while they were
    canonicalised) are not read at all, unless the tally shows a problem: then they
    are, and the error is the one reading them raises."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if paper.id in by_id:
            raise GraphError(f"duplicate paper id {paper.id!r}: paper ids must be unique")
        by_id[paper.id] = paper
    if fork_min_papers is None:
        fork_min_papers = FORK_MIN_PAPERS
    tally = _given_tally(results, by_id)
    if tally is None:
        if len(results) >= max(fork_min_papers, 2) and can_fork():
            tally = _tally_halves(results, by_id)
        else:
            tally = _tally(_records(results), by_id)
    names, aliases, types, links_of = tally.names, tally.aliases, tally.types, tally.links_of
    if any(len(t) > 1 for t in types.values()):
        _raise_type_conflict(by_id, results)
    ordered = sorted(by_id.values(), key=lambda p: paper_node_id(p.id))
    empty: dict[str, tuple[int, _Span | None]] = {}
    all_links = [links_of.pop(paper.id, empty) for paper in ordered]

    entities = []
    for eid in sorted(types):
        # most frequent spelling wins; ties go to the alphabetically first
        name = min(names[eid].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        entities.append(
            Entity(
                id=eid,
                name=name,
                type=next(iter(types[eid])),
                aliases=sorted(a for a in aliases[eid] | set(names[eid]) if a != name),
            )
        )
    return _Corpus(ordered, entities, all_links, dict(tally.df))


def _raise_type_conflict(by_id: dict[str, Paper], results: Sequence[PaperEntities]) -> None:
    """Raise the error for the first entity with two types, in paper id order."""
    order = {pid: paper_node_id(pid) for pid in by_id}
    found = sorted(results, key=lambda r: order[r.id])
    types: dict[str, str] = {}
    for res in found:
        for ent in res.entities:
            if types.setdefault(ent.id, ent.type) != ent.type:
                raise GraphError(
                    f"entity {ent.id!r} has two types ({types[ent.id]}, {ent.type}) "
                    f"in paper {res.id!r}"
                )


def check_options(weight: str, min_shared: int, max_df: float, top_k: int | None) -> None:
    """Raise :class:`~paperkg.errors.OptionError` (a :class:`~paperkg.errors.GraphError`)
    for an invalid paper-linking option."""
    if weight not in WEIGHT_MODES:
        raise OptionError(f"unknown weight mode {weight!r}: use one of {', '.join(WEIGHT_MODES)}")
    if min_shared < 1:
        raise OptionError(f"min_shared must be at least 1, got {min_shared}")
    if not 0 < max_df <= 1:
        raise OptionError(f"max_df must be a fraction in (0, 1], got {max_df}")
    if top_k is not None and top_k < 1:
        raise OptionError(f"top_k must be at least 1 (or None for no limit), got {top_k}")


# --------------------------------------------------------------------------- knowledge graph


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

    The entries may come in any order. One sort of all entries by (row, -score, -count,
    column), then the first ``k`` of each row: no Python loop.
    """
    mask = np.zeros(len(rows), dtype=bool)
    if len(rows) == 0:
        return mask
    order = np.lexsort((cols, -count, -score, rows))
    sorted_rows = rows[order]
    starts = np.searchsorted(sorted_rows, sorted_rows, side="left")
    mask[order[np.arange(len(rows)) - starts < k]] = True
    return mask


#: Sample size per row for the top-k pre-filter (see :func:`_top_k_candidates`).
_TOP_K_SAMPLE = 1024


def _top_k_candidates(indptr: np.ndarray, indices: np.ndarray, score: np.ndarray,
                      valid: np.ndarray | None, first_row: int, k: int,
                      floor: np.ndarray | None = None) -> np.ndarray:
    """Entries of a CSR product that can be among their row's ``k`` best: a superset.

    Any ``k`` valid entries of a row bound its ``k``-th best score from below, so the
    ``k``-th best of an evenly spread sample of each long row is a threshold no top-k
    entry falls under. Costs one comparison per entry instead of a selection per row.
    ``valid`` (``None``: all) marks entries allowed as links; the diagonal never is.
    ``floor`` (one per row), when given, holds such bounds found in other column slices
    of the same rows: the higher one is used, and stored back.
    """
    lens = np.diff(indptr)
    n_rows = len(lens)
    threshold = np.full(n_rows, -np.inf) if floor is None else floor
    long_rows = np.flatnonzero(lens > k)
    if len(long_rows):
        size = min(max(_TOP_K_SAMPLE, 8 * k), int(lens[long_rows].max()))
        step = np.arange(size, dtype=np.int64)
        length = lens[long_rows][:, None]
        offset = np.where(length > size, step[None, :] * length // size, step[None, :])
        inside = step[None, :] < length
        pos = indptr[long_rows][:, None] + np.where(inside, offset, 0)
        sample = np.where(inside, score[pos], -np.inf)
        sample[indices[pos] == (long_rows + first_row)[:, None]] = -np.inf
        if valid is not None:
            sample[~valid[pos]] = -np.inf
        if size >= k:
            found = np.partition(sample, size - k, axis=1)[:, size - k]
            threshold[long_rows] = np.maximum(threshold[long_rows], found)
    keep = score >= np.repeat(threshold, lens)
    if valid is not None:
        keep &= valid
    return np.flatnonzero(keep)


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
    column_block: int | None = None,
    fork_min_papers: int | None = None,
) -> tuple[PaperLinks, dict[str, Any]]:
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
    column_block
        Each row block is multiplied by slices of at most this many papers at a time
        (default :data:`COLUMN_BLOCK`, or :data:`KERNEL_COLUMN_BLOCK` when compiled);
        the edges are the same.
    fork_min_papers
        With this many papers or more (default :data:`FORK_MIN_PAPERS`) and where
        :func:`os.fork` exists, the second half of the row blocks is computed in a
        forked child process on another core (:func:`paperkg._fork.run_beside`); the
        edges are the same.

    Returns
    -------
    edges, stats
        ``(i, j, attrs)`` with ``i < j`` row indices, sorted, held as arrays
        (:class:`~paperkg.links.PaperLinks`, whose attribute dicts are made as they are
        read); and a few counts: ``pairs_considered`` (pairs of papers sharing at least
        ``min_shared`` linking entities that were scored: the compiled projection with
        ``top_k`` and the ``count`` or ``idf`` weight leaves out those it proved could
        not make a top-k), ``edges``, ``linking_entities``, ``excluded_entities``.

    Notes
    -----
    Cost: O(sum over linking entities of df^2) multiply-adds, the number of
    (paper, entity, paper) paths, never O(N^2). Memory is bounded by one row block's
    product (about ``block_work`` entries) plus the kept pairs (at most ``N * top_k``
    when ``top_k`` is set): pairs below ``min_shared`` and outside each row's top-k are
    pruned block by block before anything else is stored.
    With numba installed (``pip install 'paperkg[fast]'``) and at least
    :data:`KERNEL_MIN_WORK` products, rows are projected by a compiled loop
    (:func:`paperkg._kernels.project_rows`) that keeps each row's top-k as it goes and
    never stores the product: the same edges and counts (at 3 x 10^5 papers, back to
    back on one machine: 96 s instead of 251 s). With ``top_k`` (``count`` or ``idf``)
    it first walks only a row's rarer entities, completes the papers met with the 64
    commonest entities (:data:`PRUNE_DF`) from a bitmask per paper, and keeps the
    result where the row's k-th best beats anything a paper sharing only common
    entities could score; the other rows are walked in full. Same edges, about half
    the time on the synthetic 10^5 corpus, where the 64 commonest entities make 77% of
    the products.
    """
    n, m = incidence.shape
    if fork_min_papers is None:
        fork_min_papers = FORK_MIN_PAPERS
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
        return PaperLinks.empty(), stats
    b = incidence[:, linking].tocsr()
    b.sort_indices()
    w_link = idf[linking]
    work = np.asarray(b @ df[linking]).ravel()
    # each row with a linking entity meets itself on the diagonal with count = its size
    own = np.diff(b.indptr)
    blocks = list(_block_ranges(work, block_work))
    if work.sum() >= KERNEL_MIN_WORK and _kernels.available():
        bt = b.T.tocsr()
        bt.sort_indices()
        width = KERNEL_COLUMN_BLOCK if column_block is None else column_block
        cuts = _kernels.slice_cuts(bt.indptr, bt.indices, n, width)

        common = _common_entities(b, df[linking], n) if top_k and weight != "jaccard" \
            else None
        if common is not None:
            # the pruned walk reads only the rare entities' paper lists: blocks (and the
            # two halves below) by that work, or a block holds a few dozen rows and the
            # calls cost more than they compute
            rare = b[:, :common.first]
            work = np.asarray(rare @ df[linking][:common.first]).ravel() + own
            del rare
            blocks = list(_block_ranges(work, block_work))

        def project(part: Sequence[tuple[int, int]]) -> tuple[list[np.ndarray], int]:
            kept, n_pairs = [], 0
            for lo, hi in part:
                keys, pairs_found, undone = _kernels.project_rows(
                    lo, hi, b.indptr, b.indices, bt.indices, cuts, width, w_link, set_size,
                    n, weight, min_shared, top_k, common=common)
                kept.append(keys)
                n_pairs += pairs_found
                if len(undone):  # the rows whose top-k the bound did not settle
                    keys, pairs_found, _ = _kernels.project_rows(
                        0, 0, b.indptr, b.indices, bt.indices, cuts, width, w_link,
                        set_size, n, weight, min_shared, top_k, rows=undone)
                    kept.append(keys)
                    n_pairs += pairs_found
            return kept, n_pairs

        project([(0, 0)])  # compile (or load the compiled code) once, before any fork
    else:
        project = _scipy_projection(b, w_link, own, set_size, n, weight=weight,
                                    min_shared=min_shared, top_k=top_k,
                                    column_block=column_block)

    if len(blocks) > 1 and n >= fork_min_papers and can_fork():
        # the blocks are independent: the second half (by work) runs in a forked
        # child on the other core; the pairs found are the same
        cut = int(np.searchsorted(np.cumsum([work[lo:hi].sum() for lo, hi in blocks]),
                                  work.sum() / 2))
        cut = min(max(cut, 1), len(blocks) - 1)
        (kept_b, pairs_b), (kept, n_pairs) = run_beside(
            lambda: project(blocks[cut:]), lambda: project(blocks[:cut]),
            what="the paper-paper projection")
        kept += kept_b
        n_pairs += pairs_b
    else:
        kept, n_pairs = project(blocks)

    keys = _kernels.sorted_unique(np.concatenate(kept)) if kept else np.zeros(0, dtype=np.int64)
    pairs = np.stack([keys // n, keys % n], axis=1)
    edges = _edge_attrs(pairs, b, linking, w_link, set_size, entity_ids, entity_names, weight)
    stats.update(pairs_considered=n_pairs // 2, edges=len(edges))
    return edges, stats


def _common_entities(b: sp.csr_matrix, df: np.ndarray, n: int) -> _kernels.Common | None:
    """The linking entities (columns of ``b``, rarest first; ``df`` theirs) in more than
    :data:`PRUNE_DF` ``* n`` papers, at most the 64 commonest, for the pruned projection
    (:func:`paperkg._kernels.project_rows`); ``None`` when there are none."""
    m = b.shape[1]
    first = max(int(np.searchsorted(df, PRUNE_DF * n, side="right")), m - 64)
    if first >= m:
        return None
    row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(b.indptr))
    is_common = b.indices >= first
    tail = b.indptr[:-1] + np.bincount(row_of[~is_common], minlength=n)
    bits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(bits, row_of[is_common],
                     np.left_shift(1, (b.indices[is_common] - first).astype(np.int64)))
    return _kernels.Common(first, tail.astype(b.indptr.dtype), bits)


def _scipy_projection(b: sp.csr_matrix, w_link: np.ndarray, own: np.ndarray,
                      set_size: np.ndarray, n: int, *, weight: Weight, min_shared: int,
                      top_k: int | None, column_block: int | None,
                      ) -> Callable[[Sequence[tuple[int, int]]], tuple[list[np.ndarray], int]]:
    """The projection of row blocks by scipy's sparse product (:func:`_project_blocks`)."""
    if weight == "idf":
        # one complex product gives both figures: real part = shared count, imaginary
        # part = idf sum (the real part is >= 1, so scipy never drops an entry as zero)
        bt = sp.csr_matrix((1.0 + 1j * w_link[b.indices], b.indices, b.indptr),
                           shape=b.shape).T.tocsr()
    else:
        bt = b.T.tocsr()
    parts = _column_parts(bt, COLUMN_BLOCK if column_block is None else column_block)
    del bt

    def project(part: Sequence[tuple[int, int]]) -> tuple[list[np.ndarray], int]:
        return _project_blocks(part, b, parts, own, set_size, n, weight=weight,
                               min_shared=min_shared, top_k=top_k)

    return project


def _column_parts(bt: sp.csr_matrix, width: int) -> list[tuple[int, sp.csr_matrix]]:
    """``bt`` cut into slices of at most ``width`` columns, each with its first column."""
    n = bt.shape[1]
    if n <= width:
        return [(0, bt)]
    # slices of equal width: the last one is not a sliver
    count = -(-n // width)
    edges = np.linspace(0, n, count + 1).astype(np.int64).tolist()
    return [(c0, bt[:, c0:c1].tocsr()) for c0, c1 in itertools.pairwise(edges)]


def _project_blocks(blocks: Sequence[tuple[int, int]], b: sp.csr_matrix,
                    parts: Sequence[tuple[int, sp.csr_matrix]], own: np.ndarray,
                    set_size: np.ndarray, n: int, *, weight: Weight, min_shared: int,
                    top_k: int | None) -> tuple[list[np.ndarray], int]:
    """The kept pairs (``i * n + j`` keys, ``i < j``) of each row block of ``b @ bt``,
    and the number of valid off-diagonal products (each pair counted from both ends).

    ``bt`` comes as column ``parts`` (:func:`_column_parts`): each row block is
    multiplied by one part at a time and each part's product pre-filtered
    (:func:`_top_k_candidates`; the per-row bounds found in earlier parts carry over,
    as any ``k`` entries of a row bound its ``k``-th best), then the block's top-k is
    chosen among all the parts' candidates at once: the same pairs as one product.
    """
    kept: list[np.ndarray] = []
    n_pairs = 0
    for lo, hi in blocks:
        rows_of, cols_of, cnt_of, val_of = [], [], [], []
        block = b[lo:hi]
        floor = np.full(hi - lo, -np.inf)
        for c0, part in parts:
            prod = (block @ part).tocsr()
            indptr = prod.indptr
            indices = prod.indices.astype(np.int64)
            if c0:
                indices += c0
            cnt = prod.data.real
            if weight == "idf":
                val = prod.data.imag
            elif weight == "jaccard":
                first = np.repeat(np.arange(lo, hi), np.diff(indptr))
                val = cnt / (set_size[first] + set_size[indices] - cnt)
                del first
            else:
                val = cnt
            del prod
            valid = None if min_shared <= 1 else cnt >= min_shared - 0.5
            n_pairs += len(cnt) if valid is None else int(np.count_nonzero(valid))
            if top_k is None:
                pick = np.arange(len(cnt)) if valid is None else np.flatnonzero(valid)
            else:
                pick = _top_k_candidates(indptr, indices, val, valid, lo, top_k, floor=floor)
            rows = np.searchsorted(indptr, pick, side="right") - 1 + lo
            cols = indices[pick]
            off_diagonal = rows != cols
            pick = pick[off_diagonal]
            rows_of.append(rows[off_diagonal])
            cols_of.append(cols[off_diagonal])
            cnt_of.append(cnt[pick])
            val_of.append(val[pick])
            del indptr, indices, cnt, val, pick
        n_pairs -= int(np.count_nonzero(own[lo:hi] >= max(1, min_shared)))
        rows, cols = np.concatenate(rows_of), np.concatenate(cols_of)
        if top_k is not None:
            mask = _top_k_mask(rows, cols, np.concatenate(val_of), np.concatenate(cnt_of),
                               top_k)
            rows, cols = rows[mask], cols[mask]
        del rows_of, cols_of, cnt_of, val_of
        kept.append(_kernels.sorted_unique(np.minimum(rows, cols) * n + np.maximum(rows, cols)))
    return kept, n_pairs


#: :func:`_edge_attrs` merges this many pairs at a time: its temporaries hold one int64
#: per (pair, entity of the first paper), ~6 arrays of them, so all 4.9 M pairs of a
#: 3 x 10^5 corpus at once took several GB.
EDGE_CHUNK = 250_000
#: ... compiled from this many pairs on (when numba is there).
KERNEL_MIN_PAIRS = 100_000


def _edge_attrs(pairs, b, linking, w_link, set_size, entity_ids, entity_names, weight
                ) -> PaperLinks:
    """Shared entities and weight of each kept pair: a merge of the two papers' rows,
    compiled (:func:`paperkg._kernels.shared_entities`) from :data:`KERNEL_MIN_PAIRS`
    pairs on, else vectorised (:func:`_shared_numpy`); the same arrays either way."""
    link_ids = np.asarray(entity_ids, dtype=object)[linking]
    link_names = np.asarray(entity_names, dtype=object)[linking]
    if len(pairs) == 0:
        return PaperLinks.empty(link_ids, link_names)
    keys = None
    if len(pairs) < KERNEL_MIN_PAIRS or not _kernels.available():
        # every (paper, column) incidence as one sorted int64 key, for _shared_numpy
        paper_of = np.repeat(np.arange(b.shape[0], dtype=np.int64), np.diff(b.indptr))
        keys = paper_of * b.shape[1] + b.indices
        del paper_of
    parts: list[PaperLinks] = []
    for c0 in range(0, len(pairs), EDGE_CHUNK):
        i, j = pairs[c0:c0 + EDGE_CHUNK, 0], pairs[c0:c0 + EDGE_CHUNK, 1]
        if keys is None:  # compiled
            bounds, cols, weights = _kernels.shared_entities(i, j, b.indptr, b.indices, w_link,
                                                             set_size, weight)
        else:
            bounds, cols, weights = _shared_numpy(i, j, b, keys, w_link, set_size, weight)
        parts.append(PaperLinks(i.astype(np.int64), j.astype(np.int64), np.round(weights, 12),
                                bounds.astype(np.int64), cols.astype(np.int32), link_ids,
                                link_names))
    return PaperLinks.concatenate(parts)


def _shared_numpy(i: np.ndarray, j: np.ndarray, b: sp.csr_matrix, keys: np.ndarray,
                  w_link: np.ndarray, set_size: np.ndarray, weight: Weight
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair ``(i[k], j[k])``: the columns of ``b`` both rows have (``cols``,
    pair ``k``'s in ``cols[bounds[k]:bounds[k+1]]``, rarest first) and the weight,
    by one sorted lookup of each column of row ``i`` in ``keys`` (every
    ``paper * n_columns + column`` of ``b``, sorted)."""
    n_link = b.shape[1]
    indptr, indices = b.indptr, b.indices
    lens = indptr[i + 1] - indptr[i]
    pair_of = np.repeat(np.arange(len(i)), lens)
    starts = np.repeat(indptr[i], lens)
    offs = np.arange(len(pair_of)) - np.repeat(np.cumsum(lens) - lens, lens)
    cols = indices[starts + offs]
    del starts, offs
    probe = j[pair_of].astype(np.int64) * n_link + cols
    pos = np.searchsorted(keys, probe)
    hit = (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == probe)
    del probe, pos
    pair_of, cols = pair_of[hit], cols[hit]
    # pair_of is non-decreasing and each pair's columns come from a sorted CSR row, so
    # every pair's shared columns are contiguous and rarest first (column order)
    bounds = np.searchsorted(pair_of, np.arange(len(i) + 1))
    counts = np.diff(bounds)
    if weight == "count":
        weights = counts.astype(np.float64)
    elif weight == "idf":
        weights = np.add.reduceat(w_link[cols], bounds[:-1]) if len(cols) else np.zeros(0)
    else:
        weights = counts / (set_size[i] + set_size[j] - counts)
    return bounds, cols, weights


# --------------------------------------------------------------------------- communities


def detect_communities(graph: nx.Graph | PaperGraphView, seed: int = 42) -> list[list[str]]:
    """Louvain communities of the paper graph, largest first.

    Ties in size are broken by the smallest node id, so ids are deterministic; a paper
    without links is a community of its own. Near-linear in the number of edges.
    """
    if graph.number_of_nodes() == 0:
        return []
    if isinstance(graph, PaperGraphView):  # the same partition, read off the arrays
        nodes = list(graph)
        labels = _link_louvain(len(nodes), graph.links.rows, graph.links.cols,
                               graph.links.weights, seed)
        return _ordered(_groups(nodes, labels) if labels is not None else [[n] for n in nodes])
    total = graph.size(weight="weight")
    use = "weight" if total > 0 else None
    if graph.is_directed() or graph.is_multigraph():
        found = nx.community.louvain_communities(graph, weight=use, seed=seed)
    else:
        found = _louvain(graph, use, seed)
    return _ordered(found)


def _ordered(found: Iterable[Iterable[str]]) -> list[list[str]]:
    groups = [sorted(c) for c in found]
    groups.sort(key=lambda c: (-len(c), c[0]))
    return groups


def _link_louvain(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray,
                  seed: int) -> np.ndarray | None:
    """:func:`detect_communities` of the paper graph built from the links (as
    :func:`paper_graph` returns them: rows ``eu``, ``ev``, weights ``ew``) by
    :func:`_paper_graph_from_edges`, as community numbers of the rows (before
    ordering); ``None`` when there is no edge.

    That graph's nodes are the rows in order and its edges, sorted ``(i, j)`` pairs
    with ``i < j``, come out of ``graph.edges`` in the same order, so the arrays here are
    the ones :func:`_louvain` reads off the graph.
    """
    if not len(eu):
        return None
    if not (ew > 0).any():  # graph.size(weight="weight") == 0: networkx weighs by 1
        ew = np.ones(len(eu))
    return _louvain_arrays(n, eu, ev, ew, seed)


# Louvain (Blondel et al., 2008, "Fast unfolding of communities in large networks")
# as networkx runs it (``louvain_partitions`` / ``_one_level`` / ``_gen_graph``), on
# integer arrays instead of dict-of-dict graphs: the same node order, the same random
# permutation of it and the same adjacency order, several times faster. (The
# modularity that decides when to stop sums each community in index order; networkx
# sums it in set order, which varies with the hash seed.)
#
# It always ends. The gain of a move is computed times m**2, as networkx does since
# gh-8739: with the gain divided by m and 2 m**2, rounding made both directions of a
# move look like gains, and the 7-node graph of networkx's ``test_inf_loops`` never
# finished for seeds 0, 1, 24, 25, 29 (networkx 3.6.1 still hangs there; issue 26).
# With integer weights the rescaled gains are exact; for any weights a level makes at
# most MAX_PASSES passes and the hierarchy has at most MAX_LEVELS levels.

#: Passes over the nodes in one level at most (a pass moves each node at most once;
#: real graphs settle in a few dozen).
MAX_PASSES = 1_000
#: Levels of the hierarchy at most (each level merges communities; real graphs need
#: fewer than 20).
MAX_LEVELS = 100


def _level_arrays(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray):
    """Adjacency entries ``(src, dst, weight)`` sorted by source, each node's in
    networkx insertion order, of the graph whose edges were added in the order
    ``(eu, ev, ew)``; and its weighted degrees as networkx sums them."""
    other = eu != ev
    src = np.concatenate([eu, ev[other]])
    when = np.concatenate([np.arange(len(eu)), np.flatnonzero(other)])
    order = np.lexsort((when, src))
    del when
    # one array at a time: at 10^6 papers each is 32 M entries (256 MB; the node
    # numbers half that as int32)
    index = np.int32 if n < 2**31 - 1 else np.int64
    src = src[order].astype(index)
    dst = np.concatenate([ev, eu[other]])[order].astype(index)
    wts = np.concatenate([ew, ew[other]])[order]
    del order
    # sequential sums in adjacency order (bincount adds in array order), then the
    # self-loop once more, as Graph.degree does
    degrees = np.bincount(src, weights=wts, minlength=n)
    loops = ~other
    degrees += np.bincount(eu[loops], weights=ew[loops], minlength=n)
    return src, dst, wts, degrees


#: :func:`_louvain_level` runs compiled (:mod:`paperkg._kernels`, with numba) on levels
#: with this many adjacency entries or more; the partition is the same either way.
KERNEL_MIN_ENTRIES = 20_000


def _louvain_level(n, src, dst, wts, degrees, m, rng):
    """One ``_one_level`` pass (resolution 1); returns each node's community (not
    renumbered) and whether any node moved."""
    if len(src) >= KERNEL_MIN_ENTRIES and _kernels.available():
        order = list(range(n))
        rng.shuffle(order)
        cuts = np.searchsorted(src, np.arange(n + 1, dtype=src.dtype))
        return _kernels.louvain_level(n, cuts, dst, wts, degrees,
                                      np.asarray(order, dtype=np.int64), m, MAX_PASSES)
    # per node: (neighbour, weight) pairs in adjacency order, self-loops left out
    keep = src != dst
    pairs = list(zip(dst[keep].tolist(), wts[keep].tolist(), strict=True))
    cuts = np.concatenate([[0], np.cumsum(np.bincount(src[keep], minlength=n))]).tolist()
    nbrs = [pairs[cuts[u]:cuts[u + 1]] for u in range(n)]
    del pairs
    deg = degrees.tolist()
    stot = list(deg)
    node2com = list(range(n))
    order = list(range(n))
    rng.shuffle(order)
    moves = 1
    passes = 0
    improved = False
    while moves > 0 and passes < MAX_PASSES:
        passes += 1
        moves = 0
        for u in order:
            best_mod = 0
            best_com = own = node2com[u]
            weights2com: dict[int, float] = {}
            for v, w in nbrs[u]:
                c = node2com[v]
                # networkx: defaultdict(float)[c] += w; the same sums, no method call
                if c in weights2com:
                    weights2com[c] += w
                else:
                    weights2com[c] = 0.0 + w
            degree = deg[u]
            stot[best_com] -= degree
            if best_com not in weights2com:
                weights2com[best_com] = 0.0  # networkx reads a defaultdict here
            # networkx multiplies both stot terms by resolution (1): exact, left out;
            # the gain is taken times m**2 so that it is exact for integer weights
            # ("multiply by m**2 to avoid floating point errors", networkx gh-8739)
            remove_cost = -weights2com[best_com] * m + (stot[best_com] * degree) / 2
            for nbr_com, w in weights2com.items():
                gain = remove_cost + w * m - (stot[nbr_com] * degree) / 2
                if gain > best_mod:
                    best_mod = gain
                    best_com = nbr_com
            stot[best_com] += degree
            if best_com != own:
                improved = True
                moves += 1
                node2com[u] = best_com
    return np.asarray(node2com, dtype=np.int64), improved


def _modularity(n, eu, ev, ew, degrees, com, resolution=1):
    """networkx ``modularity`` of the partition ``com`` (one community id per node)."""
    deg_sum = sum(degrees.tolist())
    m = deg_sum / 2
    norm = 1 / deg_sum**2
    k = int(com.max()) + 1 if n else 0
    inside = com[eu] == com[ev]
    internal = np.bincount(com[eu[inside]], weights=ew[inside], minlength=k).tolist()
    totals = np.bincount(com, weights=degrees, minlength=k).tolist()
    present = np.bincount(com, minlength=k).astype(bool).tolist()
    return sum(
        internal[c] / m - resolution * totals[c] * totals[c] * norm
        for c in range(k) if present[c]
    )


def _louvain(graph: nx.Graph, weight: str | None, seed: int,
             threshold: float = 0.0000001) -> list[list[Any]]:
    """``nx.community.louvain_communities(graph, weight=weight, seed=seed)`` for an
    undirected simple graph, as lists of nodes."""
    nodes = list(graph)
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    triples = [(index[u], index[v], w) for u, v, w in graph.edges(data=weight, default=1)]
    if not triples:
        return [[node] for node in nodes]
    eu = np.fromiter((t[0] for t in triples), dtype=np.int64, count=len(triples))
    ev = np.fromiter((t[1] for t in triples), dtype=np.int64, count=len(triples))
    ew = np.fromiter((t[2] for t in triples), dtype=np.float64, count=len(triples))
    del triples
    return _groups(nodes, _louvain_arrays(n, eu, ev, ew, seed, threshold))


def _groups(nodes: Sequence[Any], result: np.ndarray) -> list[list[Any]]:
    """Nodes grouped by their community number (``result``, one per node)."""
    if len(nodes) == 0:
        return []
    groups: list[list[Any]] = [[] for _ in range(int(result.max()) + 1)]
    for node, c in zip(nodes, result.tolist(), strict=True):
        groups[c].append(node)
    return groups


def _louvain_arrays(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray, seed: int,
                    threshold: float = 0.0000001) -> np.ndarray:
    """:func:`_louvain` on the graph of nodes ``0..n-1`` whose edges were added in the
    order ``(eu, ev, ew)`` (at least one); each node's community number."""
    rng = random.Random(seed)
    src, dst, wts, degrees = _level_arrays(n, eu, ev, ew)
    mod = _modularity(n, eu, ev, ew, degrees, np.arange(n))
    m = sum(degrees.tolist()) / 2
    member = np.arange(n)  # original node -> node of the current level
    level_n = n
    com, improved = _louvain_level(level_n, src, dst, wts, degrees, m, rng)
    levels = 1
    while True:
        # renumber the non-empty communities in index order, as filter(len, ...) does
        used = np.zeros(level_n, dtype=bool)
        used[com] = True
        renumber = np.cumsum(used) - 1
        com = renumber[com]
        result = com[member]
        if not improved or levels >= MAX_LEVELS:
            break
        new_mod = _modularity(level_n, eu, ev, ew, degrees, com)
        if new_mod - mod <= threshold:
            break
        mod = new_mod
        # the next level: one node per community, edges in first-seen order (networkx
        # walks the edges node by node, each edge once from its first end)
        first_end = dst >= src
        cu, cv, cw = com[src[first_end]], com[dst[first_end]], wts[first_end]
        del src, dst, wts, first_end  # this level's adjacency is done with
        lo, hi = np.minimum(cu, cv), np.maximum(cu, cv)
        level_k = int(com.max()) + 1
        keys, first, inverse = np.unique(lo * level_k + hi, return_index=True,
                                         return_inverse=True)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(keys))
        ew = np.bincount(rank[inverse.ravel()], weights=cw, minlength=len(keys))
        by_time = np.argsort(first, kind="stable")
        eu, ev = cu[first[by_time]], cv[first[by_time]]
        member = com[member]
        level_n = level_k
        src, dst, wts, degrees = _level_arrays(level_n, eu, ev, ew)
        com, improved = _louvain_level(level_n, src, dst, wts, degrees, m, rng)
        levels += 1
    return result


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
    kg: nx.Graph, pg: nx.Graph | PaperGraphView, seed: int = 42, *, groups: list[list[str]] | None = None
) -> dict[int, str]:
    """Detect and label communities; set ``community`` and ``community_label`` on the
    paper nodes of both graphs.

    The labels are also stored JSON-encoded (``{"0": "label", ...}``) as the graph
    attribute ``communities`` of both graphs, so they survive GraphML. ``groups``: the
    communities of ``pg`` as :func:`detect_communities` gives them, already found.
    """
    if groups is None:
        groups = detect_communities(pg, seed=seed)
    labels = community_labels(groups, kg)
    for cid, members in enumerate(groups):
        for node in members:
            kg.nodes[node]["community"] = pg.nodes[node]["community"] = cid
            kg.nodes[node]["community_label"] = pg.nodes[node]["community_label"] = labels[cid]
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
    return _paper_graph_nx(kg, papers, incidence, entities, names, weight=weight,
                           min_shared=min_shared, max_df=max_df, top_k=top_k)


def _paper_graph_nx(kg: nx.Graph, papers: list[str], incidence: sp.csr_matrix,
                    entities: list[str], names: list[str], *, weight: Weight,
                    min_shared: int, max_df: float, top_k: int | None) -> nx.Graph:
    edges, stats = paper_graph(papers, incidence, entities, names, weight=weight,
                               min_shared=min_shared, max_df=max_df, top_k=top_k)
    log.debug("paper graph: %s", stats)
    return _paper_graph_from_edges(kg, papers, edges, weight=weight, min_shared=min_shared,
                                   max_df=max_df, top_k=top_k)


def _paper_graph_from_edges(kg: nx.Graph, papers: list[str],
                            edges: Sequence[tuple[int, int, dict[str, Any]]], *,
                            weight: Weight, min_shared: int, max_df: float,
                            top_k: int | None) -> nx.Graph:
    pg = nx.Graph(**_paper_graph_attrs(weight, min_shared, max_df, top_k))
    pg.add_nodes_from((p, kg.nodes[p]) for p in papers)
    pg.add_edges_from((papers[i], papers[j], attrs) for i, j, attrs in edges)
    return pg


def _paper_graph_attrs(weight: Weight, min_shared: int, max_df: float, top_k: int | None
                       ) -> dict[str, Any]:
    """The paper graph's graph attributes, in order."""
    attrs: dict[str, Any] = {"kind": "papers", "weight": weight, "min_shared": min_shared,
                             "max_df": max_df}
    if top_k is not None:
        attrs["top_k"] = top_k
    return attrs


def _corpus_links(corpus: _Corpus) -> tuple[np.ndarray, np.ndarray]:
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


def _kg_layout_edges(corpus: _Corpus, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """The ``(m, 2)`` node numbers of :func:`knowledge_graph`'s edges in
    ``graph.edges()`` order, for :func:`~paperkg.export.layout.layout_from_edges`.

    That graph's nodes are the papers, then the entities, in corpus order; each edge
    joins a paper to an entity and is added from the paper's side, so ``edges()``
    yields the links paper by paper, each paper's in insertion order: ``rows`` and
    ``cols`` (:func:`_corpus_links`) as they are. ``None`` for a graph small enough
    for the spring layout, or one that would not have one node per paper and entity
    (an entity id that is also a paper node id).
    """
    from paperkg.export.layout import SMALL_GRAPH

    n = len(corpus.papers) + len(corpus.entities)
    if n <= SMALL_GRAPH or n >= 2**31:
        return None
    ids = {paper_node_id(p.id) for p in corpus.papers}
    if len(ids) != len(corpus.papers) or any(e.id in ids for e in corpus.entities):
        return None
    edges = np.empty((len(rows), 2), dtype=np.int32)
    edges[:, 0] = rows
    edges[:, 1] = cols + len(corpus.papers)
    return edges


def build_knowledge_graph(
    papers: Sequence[Paper],
    results: Sequence[PaperEntities],
    *,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    seed: int = 42,
    fork_min_papers: int | None = None,
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
        Paper-paper linking options, see :func:`paper_graph`.
    seed
        Louvain seed.
    min_papers
        Per entity type, the papers an entity needs to link papers (``{"method": 2}``):
        rarer ones stay in the knowledge graph, link none and are left off its HTML map
        (:mod:`paperkg.thesaurus`; the graph attribute ``min_papers``).
    fork_min_papers
        With this many papers or more (default :data:`FORK_MIN_PAPERS`) and where
        :func:`os.fork` exists, half of the paper-paper projection is computed in a
        forked child process (see :func:`paper_graph`), and Louvain and the knowledge
        graph's layout run in another (from the links alone) while this one assembles
        the knowledge graph and lays out the paper graph
        (:func:`paperkg._fork.run_beside`); the result is the same, and the layouts wait
        in each graph's cache for the exporters. The
        paper graph of such a build is held as arrays (a
        :class:`~paperkg.links.PaperGraphView`) until ``.paper_graph`` is first read.

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
    check_options(weight, min_shared, max_df, top_k)
    if not papers:
        raise GraphError("no papers to build a graph from")
    # millions of small dicts and tuples, none of them garbage: the cyclic GC would
    # rescan the growing heap again and again (a third of the time at 10^5 papers)
    with gc_paused():
        return _build(papers, results, weight=weight, min_shared=min_shared, max_df=max_df,
                      top_k=top_k, seed=seed,
                      fork_min_papers=FORK_MIN_PAPERS if fork_min_papers is None
                      else fork_min_papers, min_papers=min_papers or {})


def _build(papers: Sequence[Paper], results: Sequence[PaperEntities], *, weight: Weight,
           min_shared: int, max_df: float, top_k: int | None, seed: int,
           fork_min_papers: int, min_papers: Mapping[str, int]) -> KnowledgeGraph:
    from paperkg.kg import KnowledgeGraph

    corpus = _collect(papers, results, fork_min_papers)
    # the same projection paper_graph_from_kg makes, without reading the links back
    # out of the networkx graph
    ids = [paper_node_id(p.id) for p in corpus.papers]
    rows, cols = _corpus_links(corpus)
    incidence = sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                              shape=(len(corpus.papers), len(corpus.entities)))
    forked = len(ids) >= fork_min_papers and can_fork()
    # the knowledge graph's edges as node numbers, for its layout (int32: at 10^6
    # papers there are 11 M of them)
    kg_edges = _kg_layout_edges(corpus, rows, cols) if forked else None
    del rows, cols
    linking = corpus.entities
    if min_papers:  # entities below their type's threshold link no papers
        from paperkg.thesaurus import linking_columns

        keep = linking_columns([e.type for e in linking], [corpus.df[e.id] for e in linking],
                               min_papers)
        incidence, linking = incidence[:, keep], [linking[j] for j in keep]
    links, stats = paper_graph(ids, incidence, [e.id for e in linking],
                               [e.name for e in linking], weight=weight,
                               min_shared=min_shared, max_df=max_df, top_k=top_k,
                               fork_min_papers=fork_min_papers)
    del incidence
    log.debug("paper graph: %s", stats)

    groups = None
    kg_positions = None
    pg: nx.Graph | PaperGraphView
    if forked:
        from paperkg.export.layout import (
            SMALL_GRAPH,
            compute_layout,
            layout_from_edges,
            remember_layout,
        )

        def louvain() -> np.ndarray | None:
            return _link_louvain(len(ids), links.rows, links.cols, links.weights, seed)

        n_kg = len(ids) + len(corpus.entities)

        def beside() -> tuple[np.ndarray | None, np.ndarray | None]:
            labels = louvain()
            if kg_edges is None:
                return labels, None
            return labels, layout_from_edges(n_kg, kg_edges, seed=seed)

        def here() -> tuple[nx.Graph, np.ndarray]:
            kg = knowledge_graph(corpus, consume=True)
            return kg, layout_from_edges(len(ids), links.pairs(), seed=seed)

        if len(ids) > SMALL_GRAPH:
            # Louvain and the layouts of both graphs (which every exporter asks for)
            # need only the links: Louvain and the knowledge graph's layout run on the
            # other core while the knowledge graph is assembled and the paper graph laid
            # out here (at 10^6 papers: 162 + 82 s there, 121 + 90 s here); the layouts
            # are kept in each graph's cache, where compute_layout finds them
            (labels, kg_positions), (kg, positions) = run_beside(
                beside, here, what="Louvain and the knowledge graph's layout")
        else:
            positions = None
            kg, labels = knowledge_graph(corpus, consume=True), louvain()
        del kg_edges
        groups = _ordered(_groups(ids, labels) if labels is not None else [[i] for i in ids])
        if positions is not None:
            # a big graph stays arrays until someone asks for kg.paper_graph: ~40 bytes
            # a link instead of ~450 (the GraphML writer and the layout read the view)
            pg = PaperGraphView(kg, ids, links,
                                _paper_graph_attrs(weight, min_shared, max_df, top_k))
            remember_layout(pg, positions, seed=seed)
        else:  # a small graph: a networkx graph, and the spring layout, here
            pg = _paper_graph_from_edges(kg, ids, links, weight=weight, min_shared=min_shared,
                                         max_df=max_df, top_k=top_k)
            compute_layout(pg, seed=seed)
    else:
        kg = knowledge_graph(corpus, consume=True)
        pg = _paper_graph_from_edges(kg, ids, links, weight=weight, min_shared=min_shared,
                                     max_df=max_df, top_k=top_k)
    corpus = None  # type: ignore[assignment]  # free it before the labels
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
    if kg_positions is not None and len(kg_positions) == kg.number_of_nodes():
        from paperkg.export.layout import remember_layout

        # after the attributes are set: networkx empties a graph's cache on some
        # attribute updates, and the layout depends on nodes and edges only
        remember_layout(kg, kg_positions, seed=seed)
    return KnowledgeGraph(kg, pg)
