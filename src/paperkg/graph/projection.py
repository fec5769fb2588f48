"""The paper graph's links: the projection of the knowledge graph onto its papers.

Two papers are linked when they share entities, with ``weight`` by mode ``count`` /
``idf`` / ``jaccard``. The projection goes through a sparse papers x entities
incidence matrix ``B`` and computes ``B[block] @ diag(w) @ B.T`` one block of rows at
a time, so no pair of papers that shares nothing is ever looked at. For many products
the rows are projected by a compiled loop (:func:`paperkg._accel.kernels.project_rows`)
that keeps each row's top-k as it goes; the edges are the same either way.

:func:`paper_graph` runs the projection here; :func:`plan_projection` hands out its
independent row blocks, for :mod:`paperkg.workflow` to run the two halves on two cores.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from paperkg._accel import kernels
from paperkg._accel.thresholds import THRESHOLDS
from paperkg.errors import GraphError
from paperkg.graph.bipartite import paper_graph_from_edges
from paperkg.graph.schema import Weight, check_options
from paperkg.graph.shared import edge_attrs
from paperkg.links import PaperLinks

__all__ = ["paper_graph", "plan_projection", "Projection", "paper_graph_from_kg"]

log = logging.getLogger("paperkg")

#: What projecting a run of row blocks gives: the kept pairs' ``i * n + j`` keys
#: (``i < j``) of each block, and the number of valid off-diagonal products.
_Part = tuple[list[np.ndarray], int]


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
        size = min(max(THRESHOLDS.top_k_sample, 8 * k), int(lens[long_rows].max()))
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
    product (about ``THRESHOLDS.block_work`` entries) plus the kept pairs (at most
    ``N * top_k`` when ``top_k`` is set): pairs below ``min_shared`` and outside each
    row's top-k are pruned block by block before anything else is stored.

    With numba installed and at least ``THRESHOLDS.kernel_min_work`` products, rows are
    projected by a compiled loop (:func:`paperkg._accel.kernels.project_rows`) that keeps
    each row's top-k as it goes and never stores the product: the same edges and counts.
    With ``top_k`` (``count`` or ``idf``) it first walks only a row's rarer entities,
    completes the papers met with the 64 commonest entities (``THRESHOLDS.prune_df``)
    from a bitmask per paper, and keeps the result where the row's k-th best beats
    anything a paper sharing only common entities could score; the other rows are
    walked in full.
    """
    return plan_projection(papers, incidence, entity_ids, entity_names, weight=weight,
                           min_shared=min_shared, max_df=max_df, top_k=top_k).run()


@dataclass
class Projection:
    """A projection ready to run (:func:`plan_projection`): its independent row
    ``blocks``, ``project`` that computes a run of them, and ``finish`` that turns
    the parts' results, joined, into :func:`paper_graph`'s ``(edges, stats)``."""

    blocks: list[tuple[int, int]]
    work: np.ndarray  #: products per row
    project: Callable[[Sequence[tuple[int, int]]], _Part]
    finish: Callable[[list[np.ndarray], int], tuple[PaperLinks, dict[str, Any]]]

    def run(self) -> tuple[PaperLinks, dict[str, Any]]:
        """All the blocks here."""
        return self.finish(*self.project(self.blocks))

    def halves(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
        """The blocks cut in two runs of about equal work; ``None`` for one block."""
        blocks, work = self.blocks, self.work
        if len(blocks) < 2:
            return None
        cut = int(np.searchsorted(np.cumsum([work[lo:hi].sum() for lo, hi in blocks]),
                                  work.sum() / 2))
        cut = min(max(cut, 1), len(blocks) - 1)
        return blocks[:cut], blocks[cut:]


def plan_projection(papers: Sequence[str], incidence: sp.csr_matrix,
                    entity_ids: Sequence[str], entity_names: Sequence[str], *,
                    weight: Weight = "idf", min_shared: int = 1, max_df: float = 0.25,
                    top_k: int | None = 20) -> Projection:
    """:func:`paper_graph`'s work as a :class:`Projection` (arguments as there)."""
    n, m = incidence.shape
    if len(papers) != n or len(entity_ids) != m or len(entity_names) != m:
        raise GraphError(
            f"incidence matrix is {n} x {m} but got {len(papers)} papers, "
            f"{len(entity_ids)} entity ids and {len(entity_names)} names"
        )
    b, df, idf, set_size, linking, stats = _linking_matrix(incidence, max_df)
    if len(linking) == 0 or n < 2:
        return Projection([], np.zeros(0), lambda part: ([], 0),
                          lambda kept, n_pairs: (PaperLinks.empty(), stats))
    w_link = idf[linking]
    work = np.asarray(b @ df[linking]).ravel()
    # each row with a linking entity meets itself on the diagonal with count = its size
    own = np.diff(b.indptr)
    if work.sum() >= THRESHOLDS.kernel_min_work and kernels.available():
        work, project = _compiled_projection(b, df[linking], w_link, own, set_size, work,
                                             weight=weight, min_shared=min_shared,
                                             top_k=top_k)
    else:
        project = _scipy_projection(b, w_link, own, set_size, n, weight=weight,
                                    min_shared=min_shared, top_k=top_k)

    def finish(kept: list[np.ndarray], n_pairs: int) -> tuple[PaperLinks, dict[str, Any]]:
        keys = kernels.sorted_unique(np.concatenate(kept)) if kept \
            else np.zeros(0, dtype=np.int64)
        pairs = np.stack([keys // n, keys % n], axis=1)
        edges = edge_attrs(pairs, b, linking, w_link, set_size, entity_ids, entity_names,
                           weight)
        return edges, {**stats, "pairs_considered": n_pairs // 2, "edges": len(edges)}

    return Projection(list(_block_ranges(work, THRESHOLDS.block_work)), work, project, finish)


def _linking_matrix(incidence: sp.csr_matrix, max_df: float):
    """The incidence made binary, restricted to the linking entities (those in
    ``2..max_df*N`` papers, the only ones that can link two papers), rarest first,
    ties by column (entity id order when the columns are sorted by id); with every
    column's ``df`` and ``idf``, each paper's set size for jaccard (every allowed
    entity, even those no other paper has), the linking columns and the first counts."""
    n = incidence.shape[0]
    incidence = sp.csr_matrix(incidence, dtype=np.float64)
    incidence.sum_duplicates()
    incidence.data[:] = 1.0
    df = np.asarray(incidence.sum(axis=0)).ravel()
    allowed = df <= max_df * n
    idf = np.zeros_like(df)
    nz = df > 0
    idf[nz] = np.log(n / df[nz])
    set_size = np.asarray(incidence[:, allowed].sum(axis=1)).ravel()
    linking = np.flatnonzero(allowed & (df >= 2))
    linking = linking[np.lexsort((linking, df[linking]))]
    stats = {"pairs_considered": 0, "edges": 0, "linking_entities": int(len(linking)),
             "excluded_entities": int(np.count_nonzero(~allowed & nz))}
    b = incidence[:, linking].tocsr()
    b.sort_indices()
    return b, df, idf, set_size, linking, stats


def _compiled_projection(b: sp.csr_matrix, df: np.ndarray, w_link: np.ndarray,
                         own: np.ndarray, set_size: np.ndarray, work: np.ndarray, *,
                         weight: Weight, min_shared: int, top_k: int | None
                         ) -> tuple[np.ndarray, Callable[[Sequence[tuple[int, int]]], _Part]]:
    """The projection of row blocks by :func:`paperkg._accel.kernels.project_rows`, and
    the work per row it does (``df``: the linking columns'); compiled here, once."""
    n = b.shape[0]
    bt = b.T.tocsr()
    bt.sort_indices()
    width = THRESHOLDS.kernel_column_block
    cuts = kernels.slice_cuts(bt.indptr, bt.indices, n, width)
    common = _common_entities(b, df, n) if top_k and weight != "jaccard" else None
    if common is not None:
        # the pruned walk reads only the rare entities' paper lists: blocks (and
        # halves) by that work, or a block holds a few dozen rows and the calls cost
        # more than they compute
        rare = b[:, :common.first]
        work = np.asarray(rare @ df[:common.first]).ravel() + own
        del rare

    def rows(lo: int, hi: int, **which: Any) -> tuple[np.ndarray, int, np.ndarray]:
        return kernels.project_rows(lo, hi, b.indptr, b.indices, bt.indices, cuts, width,
                                    w_link, set_size, n, weight, min_shared, top_k, **which)

    def project(part: Sequence[tuple[int, int]]) -> _Part:
        kept, n_pairs = [], 0
        for lo, hi in part:
            keys, pairs_found, undone = rows(lo, hi, common=common)
            kept.append(keys)
            n_pairs += pairs_found
            if len(undone):  # the rows whose top-k the bound did not settle
                keys, pairs_found, _ = rows(0, 0, rows=undone)
                kept.append(keys)
                n_pairs += pairs_found
        return kept, n_pairs

    project([(0, 0)])  # compile (or load the compiled code) once, before any fork
    return work, project


def _common_entities(b: sp.csr_matrix, df: np.ndarray, n: int) -> kernels.Common | None:
    """The linking entities (columns of ``b``, rarest first; ``df`` theirs) in more than
    ``THRESHOLDS.prune_df * n`` papers, at most the 64 commonest, for the pruned
    projection (:func:`paperkg._accel.kernels.project_rows`); ``None`` when there are none."""
    m = b.shape[1]
    first = max(int(np.searchsorted(df, THRESHOLDS.prune_df * n, side="right")), m - 64)
    if first >= m:
        return None
    row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(b.indptr))
    is_common = b.indices >= first
    tail = b.indptr[:-1] + np.bincount(row_of[~is_common], minlength=n)
    bits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(bits, row_of[is_common],
                     np.left_shift(1, (b.indices[is_common] - first).astype(np.int64)))
    return kernels.Common(first, tail.astype(b.indptr.dtype), bits)


def _scipy_projection(b: sp.csr_matrix, w_link: np.ndarray, own: np.ndarray,
                      set_size: np.ndarray, n: int, *, weight: Weight, min_shared: int,
                      top_k: int | None) -> Callable[[Sequence[tuple[int, int]]], _Part]:
    """The projection of row blocks by scipy's sparse product (:func:`_project_blocks`)."""
    if weight == "idf":
        # one complex product gives both figures: real part = shared count, imaginary
        # part = idf sum (the real part is >= 1, so scipy never drops an entry as zero)
        bt = sp.csr_matrix((1.0 + 1j * w_link[b.indices], b.indices, b.indptr),
                           shape=b.shape).T.tocsr()
    else:
        bt = b.T.tocsr()
    parts = _column_parts(bt, THRESHOLDS.column_block)
    del bt

    def project(part: Sequence[tuple[int, int]]) -> _Part:
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
        kept.append(kernels.sorted_unique(np.minimum(rows, cols) * n + np.maximum(rows, cols)))
    return kept, n_pairs


def paper_graph_from_kg(
    kg: nx.Graph,
    *,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
) -> nx.Graph:
    """Project a knowledge graph (as built by :func:`~paperkg.graph.bipartite.knowledge_graph`) onto its papers.

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
    return paper_graph_from_edges(kg, papers, edges, weight=weight, min_shared=min_shared,
                                  max_df=max_df, top_k=top_k)
