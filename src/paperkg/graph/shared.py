"""The shared entities and the weight of each kept pair of papers.

A merge of the two papers' rows of the incidence matrix: compiled
(:func:`paperkg._accel.kernels.shared_entities`) for many pairs, else vectorised with
numpy (:func:`_shared_numpy`); the same arrays either way.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from paperkg._accel import kernels
from paperkg._accel.thresholds import THRESHOLDS
from paperkg.graph.schema import Weight
from paperkg.links import PaperLinks

__all__ = ["edge_attrs"]


def edge_attrs(pairs, b, linking, w_link, set_size, entity_ids, entity_names, weight
               ) -> PaperLinks:
    """Shared entities and weight of each kept pair: a merge of the two papers' rows,
    compiled (:func:`paperkg._accel.kernels.shared_entities`) from
    ``THRESHOLDS.kernel_min_pairs`` pairs on, else vectorised (:func:`_shared_numpy`);
    the same arrays either way."""
    link_ids = np.asarray(entity_ids, dtype=object)[linking]
    link_names = np.asarray(entity_names, dtype=object)[linking]
    if len(pairs) == 0:
        return PaperLinks.empty(link_ids, link_names)
    keys = None
    if len(pairs) < THRESHOLDS.kernel_min_pairs or not kernels.available():
        # every (paper, column) incidence as one sorted int64 key, for _shared_numpy
        paper_of = np.repeat(np.arange(b.shape[0], dtype=np.int64), np.diff(b.indptr))
        keys = paper_of * b.shape[1] + b.indices
        del paper_of
    parts: list[PaperLinks] = []
    chunk = THRESHOLDS.edge_chunk
    for c0 in range(0, len(pairs), chunk):
        i, j = pairs[c0:c0 + chunk, 0], pairs[c0:c0 + chunk, 1]
        if keys is None:  # compiled
            bounds, cols, weights = kernels.shared_entities(i, j, b.indptr, b.indices, w_link,
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
