"""The second stage of the learned entity decision: boosted trees over the linear model.

The linear model of :mod:`paperkg.extract.learned` scores each proposal on its own
sparse features. This stage re-decides the proposals it does not rule out (the "none"
probability below :data:`GATE`; the others stay dropped, which keeps this stage
cheap) from dense features the linear model cannot combine by itself (:func:`dense_features`): its class probabilities, how and where the proposal
is mentioned, how the other proposals of the paper score (a longer proposal that
contains this one, a shorter one inside it), and how often the training papers had
the proposal's key as an entity or as a rejected proposal (:class:`KeyCounts`).

The trees are fitted by scikit-learn's ``HistGradientBoostingClassifier`` at training
time and exported as flat arrays (:meth:`Trees.from_sklearn`); prediction walks all
trees at once in numpy, so running needs neither scikit-learn nor anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from paperkg.extract.patterns import is_acronym

__all__ = ["GATE", "N_DENSE", "KeyCounts", "Trees", "dense_features", "gated"]

#: Proposals whose linear "none" probability is at least this are dropped unread.
GATE = 0.995
#: Columns of :func:`dense_features`.
N_DENSE = 34
_RULE_TYPES = {"method": 1, "dataset": 2, "math": 3}


def _case(name: str) -> int:
    letters = [w for w in name.split() if w[:1].isalpha()]
    if not letters:
        return 4
    if all(w.islower() for w in letters):
        return 0
    if all(w[:1].isupper() and w[1:] == w[1:].lower() for w in letters):
        return 1
    if all(w.isupper() for w in letters):
        return 2
    return 3


class KeyCounts:
    """How many training papers had a key as a (typed) entity and as a rejected proposal."""

    def __init__(self, counts: dict[str, tuple[int, int]] | None = None) -> None:
        self.counts = dict(counts or {})

    @classmethod
    def of(cls, labelled: Iterable[tuple[str, int]]) -> KeyCounts:
        """From ``(key, label)`` pairs, one per paper and proposal (label 0: none)."""
        counts: dict[str, list[int]] = {}
        for key, label in labelled:
            pair = counts.setdefault(key, [0, 0])
            pair[0 if label > 0 else 1] += 1
        return cls({k: (a, b) for k, (a, b) in counts.items()})

    def features(self, key: str) -> list[float]:
        pos, neg = self.counts.get(key, (0, 0))
        return [float(np.log1p(pos)), float(np.log1p(neg)), (pos + 0.5) / (pos + neg + 1)]

    def to_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        keys = sorted(self.counts)
        text = np.frombuffer("\n".join(keys).encode("utf-8"), dtype=np.uint8)
        return text, np.asarray([self.counts[k] for k in keys], dtype=np.int32).reshape(-1, 2)

    @classmethod
    def from_arrays(cls, text: np.ndarray, values: np.ndarray) -> KeyCounts:
        keys = bytes(text).decode("utf-8").split("\n") if len(text) else []
        if len(keys) != len(values):
            raise ValueError("key counts: keys and values differ in number")
        return cls({k: (int(a), int(b)) for k, (a, b) in zip(keys, values.tolist(), strict=True)})


def gated(probs: np.ndarray) -> np.ndarray:
    """Indices of the proposals the second stage reads."""
    return np.flatnonzero(probs[:, 0] < GATE)


def dense_features(proposals: Sequence, probs: np.ndarray, lengths: tuple[int, int],
                   counts: KeyCounts) -> np.ndarray:
    """One row per proposal (the :func:`gated` ones of a paper), ``probs`` the linear
    model's, ``lengths`` the lengths of the title and abstract."""
    n = len(proposals)
    keys = [f" {p.key} " for p in proposals]
    keep = 1.0 - probs[:, 0] if n else np.zeros(0)
    order = np.argsort(probs[:, 0], kind="stable") if n else np.zeros(0, int)
    rank = np.empty(n)
    rank[order] = np.arange(n)
    title_len, abstract_len = lengths[0] + 1, lengths[1] + 1
    n_rule = sum(p.rule is not None for p in proposals)
    n_likely = float((probs[:, 0] < 0.5).sum()) if n else 0.0
    rows = []
    for j, p in enumerate(proposals):
        pr = probs[j]
        outer = [keep[o] for o in range(n) if o != j and keys[j] in keys[o]]
        inner = [keep[o] for o in range(n) if o != j and keys[o] in keys[j]]
        in_title = sum(m[0] == "title" for m in p.mentions)
        first = min((m[1] for m in p.mentions if m[0] != "title"), default=abstract_len)
        name = p.name
        rows.append([
            *pr, float(np.log(max(pr[0], 1e-6) / max(pr[1:].max(), 1e-6))),
            _RULE_TYPES.get(p.rule.type, 0) if p.rule is not None else 0,
            "rule" in p.sources, "chunk" in p.sources, "tail" in p.sources,
            len(p.mentions), in_title, len(p.mentions) - in_title, len(p.surfaces),
            first / abstract_len, len(name.split()), len(name), _case(name),
            any(is_acronym(s) for s in p.surfaces), any(c.isdigit() for c in name),
            "-" in name, len(p.rule.aliases) if p.rule is not None else 0,
            n, n_rule, n_likely, rank[j] / n, abstract_len, title_len,
            max(outer, default=0.0), len(outer), max(inner, default=0.0), len(inner),
            *counts.features(p.key)])
    return np.asarray(rows, dtype=np.float64).reshape(n, N_DENSE)



class Trees:
    """Boosted trees as flat arrays: node ``i`` of any tree tests ``x[feature[i]] <=
    threshold[i]`` and goes to ``left[i]`` or ``right[i]``; a leaf points to itself and
    holds ``value[i]``. Tree ``t`` starts at ``roots[t]`` and adds to class column
    ``column[t]`` of the raw scores."""

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray,
                 right: np.ndarray, value: np.ndarray, roots: np.ndarray, column: np.ndarray,
                 baseline: np.ndarray, classes: np.ndarray, depth: int) -> None:
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.value = np.asarray(value, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.column = np.asarray(column, dtype=np.int64)
        self.baseline = np.asarray(baseline, dtype=np.float64)
        self.classes = np.asarray(classes, dtype=np.int64)
        self.depth = int(depth)
        self._leaf = self.left == np.arange(len(self.left))

    ARRAYS = ("feature", "threshold", "left", "right", "value", "roots", "column",
              "baseline", "classes")

    @classmethod
    def from_sklearn(cls, clf) -> Trees:
        """The trees of a fitted ``HistGradientBoostingClassifier`` (numeric features)."""
        parts: dict[str, list] = {k: [] for k in ("feature", "threshold", "left", "right",
                                                  "value", "roots", "column")}
        offset, depth = 0, 0
        for iteration in clf._predictors:
            for k, tree in enumerate(iteration):
                nodes = tree.nodes
                if nodes["is_categorical"].any():
                    raise ValueError("categorical splits are not exported")
                idx = np.arange(len(nodes)) + offset
                leaf = nodes["is_leaf"].astype(bool)
                parts["feature"].append(np.where(leaf, 0, nodes["feature_idx"]))
                parts["threshold"].append(nodes["num_threshold"])
                parts["left"].append(np.where(leaf, idx, nodes["left"].astype(np.int64) + offset))
                parts["right"].append(np.where(leaf, idx, nodes["right"].astype(np.int64) + offset))
                parts["value"].append(np.where(leaf, nodes["value"], 0.0))
                parts["roots"].append([offset])
                parts["column"].append([k])
                depth = max(depth, int(nodes["depth"].max()))
                offset += len(nodes)
        flat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
        return cls(**flat, baseline=np.ravel(clf._baseline_prediction),
                   classes=clf.classes_, depth=depth)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores, ``(len(x), len(baseline))``."""
        x = np.asarray(x, dtype=np.float64)
        n, n_trees = len(x), len(self.roots)
        node = np.tile(self.roots, n)  # (row, tree) pairs, row-major
        row = np.repeat(np.arange(n), n_trees)
        active = np.flatnonzero(~self._leaf[node])
        for _ in range(self.depth):  # only the pairs not yet at a leaf move on
            if not active.size:
                break
            at = node[active]
            go_left = x[row[active], self.feature[at]] <= self.threshold[at]
            nxt = np.where(go_left, self.left[at], self.right[at])
            node[active] = nxt
            active = active[~self._leaf[nxt]]
        values = self.value[node].reshape(n, n_trees)
        out = np.tile(self.baseline, (n, 1))
        for k in range(len(self.baseline)):
            out[:, k] += values[:, self.column == k].sum(axis=1)
        return out

    def probabilities(self, x: np.ndarray, n_classes: int) -> np.ndarray:
        """Probabilities of ``n_classes`` classes (0 for a class absent from training)."""
        raw = self.raw(x)
        if raw.shape[1] == 1:  # binary: one logit for the second class
            p1 = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            per = np.stack([1.0 - p1, p1], axis=1)
        else:
            raw -= raw.max(axis=1, keepdims=True)
            per = np.exp(raw)
            per /= per.sum(axis=1, keepdims=True)
        out = np.zeros((len(x), n_classes))
        out[:, self.classes] = per
        return out

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        out = {f"{prefix}{k}": getattr(self, k) for k in self.ARRAYS}
        out[f"{prefix}depth"] = np.asarray(self.depth)
        return out

    @classmethod
    def from_arrays(cls, data, prefix: str) -> Trees:
        return cls(**{k: data[f"{prefix}{k}"] for k in cls.ARRAYS},
                   depth=int(data[f"{prefix}depth"]))
