"""Compiled inner loops (numba) for the graph stage's and the layout's hot spots.

The pure-Python/numpy versions in :mod:`paperkg.graph` and :mod:`paperkg.export.layout` are the reference. Each kernel
here performs the same floating-point operations in the same order on the same arrays,
so its result is identical, bit for bit (the tests compare them on random inputs); it is
just compiled. They are used when numba (a dependency of paperkg) is importable
and the input is big enough for compiling to pay; the compiled code is cached on disk
(numba's ``cache=True``), so only the first run compiles. ``PAPERKG_KERNELS=python`` in
the environment turns them off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = ["available", "far_field", "far_field_split", "louvain_level", "numba_version",
           "project_rows", "shared_entities", "slice_cuts", "sorted_unique", "springs"]

log = logging.getLogger("paperkg")

_state: dict[str, Any] = {}


def numba_version() -> str | None:
    """numba's version when the kernels are on (importable and not turned off)."""
    if "numba" not in _state:
        _state["numba"] = None
        if os.environ.get("PAPERKG_KERNELS", "").strip().lower() != "python":
            try:
                import numba
            except Exception as err:  # absent, or broken (e.g. built for another numpy)
                log.debug("graph kernels off: numba does not import (%s)", err)
            else:
                _state["numba"] = numba
    numba = _state["numba"]
    return None if numba is None else str(numba.__version__)


def available() -> bool:
    """Whether the compiled kernels are used (see the module docstring)."""
    return numba_version() is not None


def _compiled(func: Callable) -> Callable:
    key = "fn:" + func.__name__
    if key not in _state:
        numba_version()
        njit = _state["numba"].njit
        try:
            _state[key] = njit(cache=True, nogil=True)(func)
        except RuntimeError:  # no writable cache directory: compile in memory each run
            _state[key] = njit(nogil=True)(func)
    return _state[key]


# --------------------------------------------------------------------------- Louvain


def louvain_level(n: int, cuts: np.ndarray, dst: np.ndarray, wts: np.ndarray,
                  deg: np.ndarray, order: np.ndarray, m: float,
                  max_passes: int) -> tuple[np.ndarray, bool]:
    """:func:`paperkg.graph.communities._louvain_level`, compiled: one local-moving pass.

    ``cuts``: node ``u``'s adjacency entries are ``dst[cuts[u]:cuts[u+1]]`` (weights
    ``wts``), in networkx order, self-loops included (skipped here); ``order``: the
    shuffled node order. Returns each node's community (not renumbered) and whether any
    node moved.

    The nodes are first renamed in visiting order (node ``order[t]`` becomes ``t``, its
    adjacency copied to position ``t``), so the pass reads the adjacency front to back
    instead of jumping to a random node's entries at every step (far fewer cache misses
    on a large level). Communities are named after nodes, so the names
    map back one to one; the sums, comparisons and ties are the same, and so is the
    partition. The copy costs 12 bytes an entry (int32 node numbers where they fit).
    """
    index = np.int32 if n < 2**31 else np.int64
    new_cuts = np.empty(n + 1, dtype=np.int64)
    new_dst = np.empty(len(dst), dtype=index)
    new_wts = np.empty(len(wts), dtype=np.float64)
    new_deg = np.empty(n, dtype=np.float64)
    rank = np.empty(n, dtype=np.int64)
    _compiled(_visiting_order)(cuts, dst, wts, deg, order, rank, new_cuts, new_dst, new_wts,
                               new_deg)
    com = np.empty(n, dtype=np.int64)
    improved = _compiled(_louvain_level)(n, new_cuts, new_dst, new_wts, new_deg,
                                         np.arange(n, dtype=np.int64), m, max_passes, com)
    return order[com[rank]], bool(improved)


def _visiting_order(cuts, dst, wts, deg, order, rank, new_cuts, new_dst, new_wts,
                    new_deg):  # pragma: no cover
    n = len(order)
    for t in range(n):
        rank[order[t]] = t
    new_cuts[0] = 0
    for t in range(n):
        u = order[t]
        at = new_cuts[t]
        for e in range(cuts[u], cuts[u + 1]):
            new_dst[at] = rank[dst[e]]
            new_wts[at] = wts[e]
            at += 1
        new_cuts[t + 1] = at
        new_deg[t] = deg[u]


def _louvain_level(n, cuts, dst, wts, deg, order, m, max_passes, node2com):  # pragma: no cover
    # The loop of graph._louvain_level with networkx's dict ``weights2com`` as a dense
    # array plus the list of its keys in insertion order (``seen``), reset by a stamp.
    for u in range(n):
        node2com[u] = u
    stot = deg.copy()
    w2c = np.zeros(n, dtype=np.float64)
    stamp = np.full(n, -1, dtype=np.int64)
    widest = 1
    for u in range(n):
        widest = max(widest, cuts[u + 1] - cuts[u] + 1)
    seen = np.empty(widest, dtype=np.int64)
    visit = 0
    moves = 1
    passes = 0
    improved = False
    while moves > 0 and passes < max_passes:
        passes += 1
        moves = 0
        for t in range(n):
            u = order[t]
            visit += 1
            best_mod = 0.0
            own = node2com[u]
            best_com = own
            n_seen = 0
            for e in range(cuts[u], cuts[u + 1]):
                v = dst[e]
                if v == u:
                    continue
                c = node2com[v]
                if stamp[c] == visit:
                    w2c[c] += wts[e]
                else:
                    stamp[c] = visit
                    w2c[c] = 0.0 + wts[e]
                    seen[n_seen] = c
                    n_seen += 1
            degree = deg[u]
            stot[own] -= degree
            if stamp[own] != visit:
                stamp[own] = visit
                w2c[own] = 0.0
                seen[n_seen] = own
                n_seen += 1
            # the gain times m**2 (networkx gh-8739): see graph._louvain_level
            remove_cost = -w2c[own] * m + (stot[own] * degree) / 2
            for s in range(n_seen):
                c = seen[s]
                gain = remove_cost + w2c[c] * m - (stot[c] * degree) / 2
                if gain > best_mod:
                    best_mod = gain
                    best_com = c
            stot[best_com] += degree
            if best_com != own:
                improved = True
                moves += 1
                node2com[u] = best_com
    return improved


# --------------------------------------------------------------------------- projection

#: ``mode`` numbers of :func:`project_rows`.
MODES = {"count": 0, "idf": 1, "jaccard": 2}


def slice_cuts(bt_indptr: np.ndarray, bt_indices: np.ndarray, n: int,
               width: int) -> np.ndarray:
    """Where each row of ``bt`` (entities x papers, CSR, sorted indices) crosses each
    multiple of ``width`` papers: ``cuts[e, s]`` is the first entry of row ``e`` whose
    paper is ``>= s * width``; the last column is the row's end."""
    count = max(1, -(-n // width))
    rows = len(bt_indptr) - 1
    bounds = np.minimum(np.arange(count + 1, dtype=np.int64) * width, n)
    key = np.repeat(np.arange(rows, dtype=np.int64), np.diff(bt_indptr)) * (n + 1) + bt_indices
    query = np.arange(rows, dtype=np.int64)[:, None] * (n + 1) + bounds[None, :]
    return np.searchsorted(key, query.ravel()).reshape(rows, count + 1)


class Common(NamedTuple):
    """The commonest linking entities, for :func:`project_rows`'s pruning.

    ``first``: the first common column (every later column is common too; at most 64);
    ``tail[i]``: where row ``i``'s common entities start in ``b_indices``; ``bits[p]``:
    paper ``p``'s common entities, bit ``col - first``."""

    first: int
    tail: np.ndarray
    bits: np.ndarray


def project_rows(lo: int, hi: int, b_indptr: np.ndarray, b_indices: np.ndarray,
                 bt_indices: np.ndarray, cuts: np.ndarray, width: int, w_link: np.ndarray,
                 set_size: np.ndarray, n: int, weight: str, min_shared: int,
                 top_k: int | None, rows: np.ndarray | None = None,
                 common: Common | None = None) -> tuple[np.ndarray, int, np.ndarray]:
    """The kept pairs of rows ``lo..hi-1`` (or of ``rows``) of the paper-paper
    projection, compiled: what :func:`paperkg.graph.projection._project_blocks` computes
    with scipy's product, without storing the product.

    One slice of ``width`` papers at a time (``cuts`` from :func:`slice_cuts`; the
    accumulator stays in a core's L2 cache), the shared count and weight of every paper
    a row meets accumulate in dense arrays in the order scipy adds them (the same sums);
    each row keeps its ``top_k`` best valid off-diagonal entries (score, then count,
    descending; then lower column) over all slices. Returns the kept pairs as sorted
    unique ``i * n + j`` keys (``i < j``), the number of valid off-diagonal products,
    and the rows left undone (none without ``common``).

    With ``common`` (``top_k`` set, weight ``count`` or ``idf``) a row walks only its
    rare entities' paper lists (columns before ``common.first``; the common ones' are
    the long ones) and completes each paper met with the common entities the two share
    (``common.bits``, in the row's order: still the reference's sums). A paper met by
    no rare entity scores at most the sum of the row's common weights; when the row's
    ``top_k``-th best beats that, its top-k is final, else the row is returned undone
    (run it again without ``common``). A paper whose rare sum plus that bound (with a
    margin for rounding) falls short of a full row's ``top_k``-th best is not completed
    at all: it cannot make the top-k. The count of valid products leaves out the pairs
    of common entities only and those papers.
    """
    if rows is None:
        rows = np.arange(lo, hi, dtype=np.int64)
    k = -1 if top_k is None else top_k
    if common is None:
        tail, bits, first, prune = b_indptr[1:], np.zeros(1, dtype=np.int64), 0, False
    else:
        tail, bits, first, prune = common.tail, common.bits, common.first, True
        if k < 0 or weight == "jaccard":
            raise ValueError("pruning needs top_k and the count or idf weight")
    # each row's best entries so far, best first (top-k only), and its valid products
    kk = max(k, 1)
    best_p = np.empty((len(rows), kk), dtype=np.int64)
    best_s = np.empty((len(rows), kk), dtype=np.float64)
    best_c = np.empty((len(rows), kk), dtype=np.float64)
    n_best = np.zeros(len(rows), dtype=np.int64)
    row_pairs = np.zeros(len(rows), dtype=np.int64)
    keys, n_keys = _compiled(_project_rows)(
        rows, b_indptr, b_indices, bt_indices, cuts, width, w_link, set_size, n,
        MODES[weight], float(min_shared) - 0.5 if min_shared > 1 else -np.inf, k,
        tail, bits, first, prune, best_p, best_s, best_c, n_best, row_pairs,
        _compiled(_row_lifts)(rows, b_indptr, b_indices, w_link, MODES[weight], tail, prune))
    keys, n_keys, n_pairs, undone, n_undone = _compiled(_row_results)(
        rows, b_indptr, b_indices, w_link, n, MODES[weight], k, tail, prune, keys, n_keys,
        best_p, best_s, n_best, row_pairs)
    return sorted_unique(keys[:n_keys]), int(n_pairs), undone[:n_undone]


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` of int64 keys, by a sort: numpy 2's hashing ``unique`` has a
    fixed cost of about a millisecond a call, which the thousands of small blocks of a
    large projection pay again and again, and is slower than a sort on tens of millions
    of keys too."""
    keys = np.sort(keys)
    if len(keys) > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys


# The projection's hot loop (one compiled function: split into calls, it ran half as
# fast). ``lift``: what the common entities can add to a paper's score, at most; a paper
# whose rare sum plus it is below the row's k-th best cannot make the top-k, whatever it
# shares (the common weights are added one by one, each sum rounded: the margin covers
# that many times over).
def _project_rows(row_ids, b_indptr, b_indices, bt_indices, cuts, width, w_link, set_size,
                  n, mode, min_valid, k, tail, bits, first, prune,
                  best_p, best_s, best_c, n_best, row_pairs, lifts):  # pragma: no cover
    rows = len(row_ids)
    acc = np.zeros((width, 2), dtype=np.float64)  # per paper: shared count, idf sum
    touched = np.empty(width, dtype=np.int64)
    keys = np.empty(max(16, rows * max(k, 1)), dtype=np.int64)
    n_keys = 0
    for part in range(cuts.shape[1] - 1):
        c0 = part * width
        for r in range(rows):
            i = row_ids[r]
            mid = tail[i] if prune else b_indptr[i + 1]
            end = b_indptr[i + 1]
            n_touched = 0
            for a in range(b_indptr[i], mid):
                e = b_indices[a]
                w = w_link[e]
                for t in range(cuts[e, part], cuts[e, part + 1]):
                    p = bt_indices[t] - c0
                    if acc[p, 0] == 0.0:
                        touched[n_touched] = p
                        n_touched += 1
                    acc[p, 0] += 1.0
                    acc[p, 1] += w
            nb = n_best[r]
            lift = lifts[r]
            for t in range(n_touched):
                local = touched[t]
                c = acc[local, 0]
                s = acc[local, 1]
                acc[local, 0] = 0.0
                acc[local, 1] = 0.0
                p = local + c0
                if p == i:
                    continue
                if prune and nb == k and (c if mode == 0 else s) + lift < best_s[r, k - 1]:
                    continue
                if mid < end:
                    # the common entities p shares with the row
                    has = bits[p]
                    for a in range(mid, end):
                        e = b_indices[a]
                        if (has >> (e - first)) & 1:
                            c += 1.0
                            s += w_link[e]
                if c < min_valid:
                    continue
                row_pairs[r] += 1
                if mode == 0:
                    s = c
                elif mode == 2:
                    s = c / (set_size[i] + set_size[p] - c)
                if k < 0:
                    if n_keys == len(keys):
                        keys = np.concatenate((keys, np.empty_like(keys)))
                    keys[n_keys] = min(i, p) * n + max(i, p)
                    n_keys += 1
                    continue
                # insert (s, c, p) into the row's best list
                if nb == k:
                    q = k - 1
                    if not (s > best_s[r, q] or (s == best_s[r, q] and (
                            c > best_c[r, q] or (c == best_c[r, q] and p < best_p[r, q])))):
                        continue
                else:
                    q = nb
                    nb += 1
                while q > 0 and (s > best_s[r, q - 1] or (s == best_s[r, q - 1] and (
                        c > best_c[r, q - 1] or (c == best_c[r, q - 1]
                                                 and p < best_p[r, q - 1])))):
                    best_s[r, q] = best_s[r, q - 1]
                    best_c[r, q] = best_c[r, q - 1]
                    best_p[r, q] = best_p[r, q - 1]
                    q -= 1
                best_s[r, q] = s
                best_c[r, q] = c
                best_p[r, q] = p
            n_best[r] = nb
    return keys, n_keys


def _row_lifts(row_ids, b_indptr, b_indices, w_link, mode, tail, prune):  # pragma: no cover
    """Per row, what its common entities can add to a paper's score, at most (with the
    margin :func:`_project_rows` needs)."""
    lifts = np.zeros(len(row_ids), dtype=np.float64)
    for r in range(len(row_ids)):
        i = row_ids[r]
        lift = 0.0
        for a in range(tail[i] if prune else b_indptr[i + 1], b_indptr[i + 1]):
            lift += 1.0 if mode == 0 else w_link[b_indices[a]]
        lifts[r] = lift * (1.0 + 1e-9) + 1e-9
    return lifts


def _row_results(row_ids, b_indptr, b_indices, w_link, n, mode, k, tail, prune, keys, n_keys,
                 best_p, best_s, n_best, row_pairs):  # pragma: no cover
    """The kept pairs (``keys`` after the first ``n_keys``), the valid products and the
    rows left undone, from the rows' best lists :func:`_project_rows` made."""
    undone = np.empty(max(1, len(row_ids)), dtype=np.int64)
    n_undone = 0
    n_pairs = 0
    for r in range(len(row_ids)):
        i = row_ids[r]
        if prune and tail[i] < b_indptr[i + 1]:
            # a paper met by no rare entity scores at most the common ones' sum
            bound = 0.0
            for a in range(tail[i], b_indptr[i + 1]):
                bound += w_link[b_indices[a]]
            if mode == 0:
                bound = float(b_indptr[i + 1] - tail[i])
            if n_best[r] < k or not best_s[r, k - 1] > bound:
                undone[n_undone] = i
                n_undone += 1
                continue
        n_pairs += row_pairs[r]
        for q in range(n_best[r] if k >= 0 else 0):
            p = best_p[r, q]
            keys[n_keys] = min(i, p) * n + max(i, p)
            n_keys += 1
    return keys, n_keys, n_pairs, undone, n_undone


# --------------------------------------------------------------------------- link attributes


def shared_entities(rows: np.ndarray, cols: np.ndarray, b_indptr: np.ndarray,
                    b_indices: np.ndarray, w_link: np.ndarray, set_size: np.ndarray,
                    weight: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`paperkg.graph.shared.edge_attrs`'s merge, compiled: for each pair
    ``(rows[k], cols[k])`` the columns its two rows of ``b`` share (``b``: CSR, sorted
    indices), in column order, and the pair's weight before rounding.

    Returns ``bounds`` (pair ``k``'s columns are ``shared[bounds[k]:bounds[k+1]]``),
    ``shared`` (int32) and ``weights``, bit-identical to the numpy version's: an idf
    weight is summed as ``np.add.reduceat`` sums a segment (its first value plus
    numpy's pairwise sum of the rest; segments of more than 129 values, whose pairwise
    sum recurses, are summed by numpy itself).
    """
    bounds, shared, weights, long_ones = _compiled(_shared_entities)(
        rows, cols, b_indptr, b_indices, w_link, set_size, MODES[weight])
    for k in long_ones:
        weights[k] = np.add.reduceat(w_link[shared[bounds[k]:bounds[k + 1]]], [0])[0]
    return bounds, shared, weights


def _shared_entities(rows, cols, b_indptr, b_indices, w_link, set_size,
                     mode):  # pragma: no cover
    n_pairs = len(rows)
    bounds = np.empty(n_pairs + 1, dtype=np.int64)
    room = 0
    for k in range(n_pairs):
        room += min(b_indptr[rows[k] + 1] - b_indptr[rows[k]],
                    b_indptr[cols[k] + 1] - b_indptr[cols[k]])
    shared = np.empty(room, dtype=np.int32)
    weights = np.zeros(n_pairs, dtype=np.float64)
    long_ones = np.empty(n_pairs, dtype=np.int64)
    n_long = 0
    r = np.empty(8, dtype=np.float64)
    pos = 0
    for k in range(n_pairs):
        i = rows[k]
        j = cols[k]
        bounds[k] = pos
        a = b_indptr[i]
        a_end = b_indptr[i + 1]
        b = b_indptr[j]
        b_end = b_indptr[j + 1]
        while a < a_end and b < b_end:
            x = b_indices[a]
            y = b_indices[b]
            if x == y:
                shared[pos] = x
                pos += 1
                a += 1
                b += 1
            elif x < y:
                a += 1
            else:
                b += 1
        count = pos - bounds[k]
        if mode == 0:
            weights[k] = float(count)
        elif mode == 2:
            weights[k] = count / (set_size[i] + set_size[j] - count)
        elif count > 0:
            # np.add.reduceat: the first value, plus numpy's pairwise_sum of the rest
            # (numpy/_core/src/umath/loops_utils.h.src) when there are at most 128
            lo = bounds[k] + 1
            n = count - 1
            if n < 8:
                rest = 0.0
                for t in range(lo, lo + n):
                    rest += w_link[shared[t]]
            elif n <= 128:
                for q in range(8):
                    r[q] = w_link[shared[lo + q]]
                t = 8
                while t < n - (n % 8):
                    for q in range(8):
                        r[q] += w_link[shared[lo + t + q]]
                    t += 8
                rest = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
                while t < n:
                    rest += w_link[shared[lo + t]]
                    t += 1
            else:
                long_ones[n_long] = k
                n_long += 1
                continue
            weights[k] = w_link[shared[bounds[k]]] + rest
    bounds[n_pairs] = pos
    return bounds, shared[:pos].copy(), weights, long_ones[:n_long].copy()


# --------------------------------------------------------------------------- layout forces


def far_field_split(samples: int) -> int | None:
    """Where numpy's pairwise sum splits a row of ``samples`` float32 values (0: it
    does not, up to 128), or ``None`` when it would split more than once (the compiled
    far field then does not apply)."""
    if samples <= 128:
        return 0
    half = samples // 2
    half -= half % 8
    return half if half <= 128 and samples - half <= 128 else None


def far_field(part: np.ndarray, sample: np.ndarray, sample_mass: np.ndarray,
              soft: np.float32, scale: np.ndarray, disp: np.ndarray, split: int) -> None:
    """:func:`paperkg.export.layout._far_field`, compiled: the same float32 operations
    per (node, sample) pair, and each row summed as numpy's pairwise sum does
    (``numpy/_core/src/umath/loops_utils.h.src``: up to 128 values in eight interleaved
    partial sums, a longer row as two halves split at ``split``, from
    :func:`far_field_split`), so ``disp`` gets the same bits; one pass, no temporaries."""
    _compiled(_far_field)(part, sample, sample_mass, soft, scale, disp, split)


def _far_field(part, sample, sample_mass, soft, scale, disp, split):  # pragma: no cover
    n_samples = sample.shape[0]
    dxs = np.empty(n_samples, dtype=np.float32)
    dys = np.empty(n_samples, dtype=np.float32)
    acc = np.empty(8, dtype=np.float32)
    leaves = ((0, n_samples), (0, 0)) if split == 0 else ((0, split), (split, n_samples - split))
    for r in range(part.shape[0]):
        x = np.float32(part[r, 0])
        y = np.float32(part[r, 1])
        for s in range(n_samples):
            dx = x - sample[s, 0]
            dy = y - sample[s, 1]
            inv = dx * dx
            sq = dy * dy
            inv = inv + sq
            inv = inv + soft
            inv = sample_mass[s] / inv
            dxs[s] = dx * inv
            dys[s] = dy * inv
        for axis in range(2):
            values = dxs if axis == 0 else dys
            total = np.float32(0.0)
            for leaf in range(2):
                lo, n = leaves[leaf]
                if leaf == 1 and split == 0:
                    break
                if n < 8:
                    part_sum = np.float32(0.0)
                    for t in range(lo, lo + n):
                        part_sum += values[t]
                else:
                    for q in range(8):
                        acc[q] = values[lo + q]
                    t = 8
                    while t < n - (n % 8):
                        for q in range(8):
                            acc[q] += values[lo + t + q]
                        t += 8
                    part_sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + \
                        ((acc[4] + acc[5]) + (acc[6] + acc[7]))
                    while t < n:
                        part_sum += values[lo + t]
                        t += 1
                total = part_sum if leaf == 0 else total + part_sum
            disp[r, axis] += scale[r] * total


def springs(pos: np.ndarray, edges: np.ndarray, disp: np.ndarray) -> None:
    """The layout's spring step, compiled: ``disp[:, a] -= bincount(u, delta[:, a])``
    then ``+= bincount(v, delta[:, a])`` for each axis ``a``, with ``delta = pos[u] -
    pos[v]``: each sum taken in edge order as ``np.bincount`` takes it, so the same bits,
    in one pass over the edges."""
    _compiled(_springs)(pos, edges, disp)


def _springs(pos, edges, disp):  # pragma: no cover
    n = pos.shape[0]
    out_u = np.zeros((n, 2), dtype=np.float64)
    out_v = np.zeros((n, 2), dtype=np.float64)
    for e in range(edges.shape[0]):
        u = edges[e, 0]
        v = edges[e, 1]
        for axis in range(2):
            delta = pos[u, axis] - pos[v, axis]
            out_u[u, axis] += delta
            out_v[v, axis] += delta
    for i in range(n):
        for axis in range(2):
            disp[i, axis] = (disp[i, axis] - out_u[i, axis]) + out_v[i, axis]
