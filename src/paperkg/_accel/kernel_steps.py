"""Steps of :mod:`paperkg._accel.kernels`' projection loop, as plain functions.

Written in the subset of Python numba compiles; :func:`register_helpers` makes them
callable from the compiled kernels, into which numba compiles them.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["HELPERS", "register_helpers"]


def _accumulate(acc, touched, n_touched, e, w_link, cuts, part, bt_indices,
                c0):  # pragma: no cover
    """Add entity ``e``'s papers of slice ``part`` to the accumulator (shared count,
    weight sum), noting each paper met for the first time; returns how many are."""
    w = w_link[e]
    for t in range(cuts[e, part], cuts[e, part + 1]):
        p = bt_indices[t] - c0
        if acc[p, 0] == 0.0:
            touched[n_touched] = p
            n_touched += 1
        acc[p, 0] += 1.0
        acc[p, 1] += w
    return n_touched


def _insert_best(best_s, best_c, best_p, r, nb, k, s, c, p):  # pragma: no cover
    """Insert ``(s, c, p)`` into row ``r``'s best list (``nb`` entries, at most ``k``;
    score, then count, descending, then lower paper), unless it ranks below a full
    list; returns the list's new length."""
    if nb == k:
        q = k - 1
        if not (s > best_s[r, q] or (s == best_s[r, q] and (
                c > best_c[r, q] or (c == best_c[r, q] and p < best_p[r, q])))):
            return nb
    else:
        q = nb
        nb += 1
    while q > 0 and (s > best_s[r, q - 1] or (s == best_s[r, q - 1] and (
            c > best_c[r, q - 1] or (c == best_c[r, q - 1] and p < best_p[r, q - 1])))):
        best_s[r, q] = best_s[r, q - 1]
        best_c[r, q] = best_c[r, q - 1]
        best_p[r, q] = best_p[r, q - 1]
        q -= 1
    best_s[r, q] = s
    best_c[r, q] = c
    best_p[r, q] = p
    return nb


def _settled(i, r, b_indptr, b_indices, w_link, tail, mode, k, n_best,
             best_s):  # pragma: no cover
    """Whether pruned row ``i`` (``r`` in this call) has its final top-k: a paper met
    by no rare entity scores at most the sum of the row's common weights."""
    if tail[i] >= b_indptr[i + 1]:
        return True
    bound = 0.0
    for a in range(tail[i], b_indptr[i + 1]):
        bound += w_link[b_indices[a]]
    if mode == 0:
        bound = float(b_indptr[i + 1] - tail[i])
    return not (n_best[r] < k or not best_s[r, k - 1] > bound)


def _common_sum(b_indices, w_link, mid, end, mode):  # pragma: no cover
    """The most the row's common entities (``b_indices[mid:end]``) can add to a score."""
    total = 0.0
    for a in range(mid, end):
        total += 1.0 if mode == 0 else w_link[b_indices[a]]
    return total


def _add_common(c, s, has, b_indices, w_link, mid, end, first):  # pragma: no cover
    """Count and weight ``c``, ``s`` plus the row's common entities (``b_indices[mid:end]``)
    in a paper's bitmask ``has``, in the row's order."""
    for a in range(mid, end):
        e = b_indices[a]
        if (has >> (e - first)) & 1:
            c += 1.0
            s += w_link[e]
    return c, s


#: The functions above, which the kernels call.
HELPERS = (_accumulate, _insert_best, _settled, _common_sum, _add_common)
_registered: list[Callable] = []


def register_helpers() -> None:
    """Make :data:`HELPERS` callable from compiled code (numba's ``register_jitable``:
    each is compiled into the kernel that calls it); once per process."""
    if not _registered:
        from numba.extending import register_jitable

        for helper in HELPERS:
            register_jitable(helper)
            _registered.append(helper)
