"""Train the learned entity decision (:mod:`paperkg.extract.learned`) from annotations.

Input: pairs of JSON Lines files in the format of ``../shared/gold`` — papers
(``{"id", "title", "abstract"}``) and their annotations (``{"id", "entities": [{"name",
"aliases", "types", "optional"}]}``, matched to the papers by id). Each paper goes through
the rule pipeline; every proposal is labelled with the type of the required gold
entity it matches (name or alias under the scorer's normalisation), "none" when it
matches no gold entity, and left out when it matches only an optional one.

The regularisation strength and the keep threshold are chosen by grouped
cross-validation over the training papers (folds by paper), scored with the
reference scorer's matching (:func:`paperkg.evaluate.evaluate`): the choice with the
best mean over the training files of their micro F1, so that a large file does not
set the threshold for the styles of the small ones. Files given as ``fit_only`` are
in every fold's fit but not in that mean: sets the rules were tuned on, whose
proposals are cleaner than on new text and would pull the threshold towards keeping
too much. The final model is then fitted on all the papers. Needs scikit-learn (``pip install 'paperkg[train]'``); the
model it writes needs only numpy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperkg.errors import PaperKGError, SourceError
from paperkg.evaluate import GoldPaper, evaluate
from paperkg.extract import Extractor
from paperkg.extract.learned import (
    CLASSES,
    EntityModel,
    Featurizer,
    Proposal,
    assemble,
    propose,
    span_sources,
)
from paperkg.models import Paper, PaperEntities
from paperkg.text import match_key

__all__ = ["TrainReport", "Example", "read_annotated", "featurize", "train"]

log = logging.getLogger(__name__)

N_BUCKETS = 1 << 20
DEFAULT_C = (0.5, 1.0)
THRESHOLDS = tuple(np.round(np.arange(0.30, 0.81, 0.025), 3))


@dataclass
class Example:
    """One paper prepared for training: its rule result, proposals and their features."""

    gold: GoldPaper
    source: int  # which training file pair it came from
    result: PaperEntities
    proposals: list[Proposal]
    rows: list[list[int]]
    name_cols: list[int]  # how many of each row's columns are the name's (they come first)
    labels: list[int | None]  # class index (0: none); None: only optional gold matches


@dataclass
class TrainReport:
    papers: int
    proposals: int
    positives: int
    c: float
    threshold: float
    cv_micro_f1: float
    cv_rules_micro_f1: float
    candidate_recall: float

    def lines(self) -> list[str]:
        return [
            f"{self.papers} papers, {self.proposals} proposals ({self.positives} entities)",
            f"untyped recall of the proposals: {self.candidate_recall:.3f}",
            f"cross-validated micro F1, mean over the scored training files: {self.cv_micro_f1:.3f} "
            f"(rules alone {self.cv_rules_micro_f1:.3f}); C={self.c:g}, "
            f"threshold={self.threshold:g}",
        ]


def read_annotated(pairs: Sequence[tuple[str | Path, str | Path]]) -> list[tuple[Paper, GoldPaper]]:
    """``(papers.jsonl, gold.jsonl)`` pairs -> (paper, its annotation), by id."""
    return [(paper, gold) for paper, gold, _ in _read_sources(pairs)]


def _read_sources(pairs: Sequence[tuple[str | Path, str | Path]]
                  ) -> list[tuple[Paper, GoldPaper, int]]:
    out = []
    where: dict[str, str] = {}  # paper id -> file:line it was read from
    for source, (papers_path, gold_path) in enumerate(pairs):
        found = len(out)
        golds = {}
        for n, line in enumerate(_lines(gold_path), 1):
            try:
                record = json.loads(line)
                if isinstance(record, dict):
                    record.setdefault("title", "")  # the paper's own title is used
                gold = GoldPaper.model_validate(record)
            except ValueError as err:
                raise SourceError(f"{gold_path}:{n}: not an annotation record ({_reason(err)})") from None
            golds[gold.id] = gold
        for n, line in enumerate(_lines(papers_path), 1):
            try:
                rec = json.loads(line)
                paper = Paper(id=str(rec["id"]), title=rec["title"], abstract=rec["abstract"])
            except (ValueError, KeyError, TypeError) as err:
                raise SourceError(f"{papers_path}:{n}: not a paper record ({_first(err)})") from None
            gold = golds.get(paper.id)
            if gold is None:
                continue
            if paper.id in where:  # it would be scored by a fold fitted on its other copy
                raise SourceError(f"{papers_path}:{n}: paper {paper.id} is also at "
                                  f"{where[paper.id]}: give each annotated paper once")
            where[paper.id] = f"{papers_path}:{n}"
            out.append((paper, gold.model_copy(update={"title": paper.title}), source))
        if len(out) == found:
            raise SourceError(f"{papers_path}: no paper of it is annotated in {gold_path} "
                              "(ids of the papers and annotations differ?)")
    return out


def _lines(path: str | Path) -> list[str]:
    try:
        return [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"{path}: cannot read ({err})") from None


def _first(err: Exception) -> str:
    return str(err).splitlines()[0]


def _reason(err: Exception) -> str:
    """``loc: message`` of a pydantic error's first problem, else the first line."""
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(map(str, first['loc'])) or 'record'}: {first['msg']}"
    return _first(err)


def _label(p: Proposal, gold: GoldPaper) -> int | None:
    """The class of a proposal: the type of the required gold entity it matches, "none"
    when it matches no gold entity, ``None`` (left out of training) when it matches only
    optional ones, which the scorer neither requires nor penalises."""
    keys = {match_key(s) for s in p.surfaces} | {match_key(p.name)}
    if p.rule is not None:
        keys |= {match_key(a) for a in p.rule.aliases}
    rule_type = p.rule.type if p.rule is not None else None
    optional_hit = False
    for g in gold.entities:
        if not keys & ({match_key(g.name)} | {match_key(a) for a in g.aliases}):
            continue
        if g.optional:
            optional_hit = True
            continue
        etype = rule_type if rule_type in g.types else next(
            (t for t in g.types if t in CLASSES), None)
        if etype is not None:
            return CLASSES.index(etype)
    return None if optional_hit else 0


def featurize(extractor: Extractor, annotated: Sequence[tuple[Paper, GoldPaper]],
              n_buckets: int = N_BUCKETS, sources: Sequence[int] | None = None) -> list[Example]:
    """Run the rules over each paper and describe its proposals (``sources``: the
    training file of each paper, for :func:`cross_validate`)."""
    featurizer = Featurizer(extractor.rules, extractor.vocabulary, n_buckets)
    examples = []
    papers = [p for p, _ in annotated]
    sources = sources or [0] * len(annotated)
    for (_, gold), source, (result, docs) in zip(annotated, sources, extractor.rule_pass(papers),
                                                 strict=True):
        proposals = propose(result, docs, extractor.rules)
        spans = span_sources(docs)
        names = [featurizer.name_columns(p) for p in proposals]
        rows = [n + featurizer.mention_columns(p, docs, spans)
                for n, p in zip(names, proposals, strict=True)]
        examples.append(Example(gold, source, result, proposals, rows, [len(n) for n in names],
                                [_label(p, gold) for p in proposals]))
    return examples


def _matrix(examples: Sequence[Example], n_buckets: int):
    from scipy.sparse import csr_matrix

    rows, labels = [], []
    for ex in examples:
        for row, label in zip(ex.rows, ex.labels, strict=True):
            if label is not None:
                rows.append(row)
                labels.append(label)
    indptr = np.cumsum([0, *map(len, rows)])
    cols = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=int(indptr[-1]))
    x = csr_matrix((np.ones(len(cols), np.float32), cols, indptr), shape=(len(rows), n_buckets))
    x.sum_duplicates()
    return x, np.asarray(labels)


def _fit(examples: Sequence[Example], c: float, n_buckets: int) -> EntityModel:
    from sklearn.linear_model import LogisticRegression

    x, y = _matrix(examples, n_buckets)
    clf = LogisticRegression(C=c, max_iter=300, tol=1e-4)
    clf.fit(x, y)
    weights = np.zeros((n_buckets, len(CLASSES)), np.float32)
    bias = np.full(len(CLASSES), -1e4, np.float32)  # a class absent from training never wins
    if len(clf.classes_) == 2:
        # one logit z for the second class: softmax over (0, z) is sklearn's sigmoid(z)
        weights[:, clf.classes_[1]] = clf.coef_[0]
        bias[clf.classes_[0]], bias[clf.classes_[1]] = 0.0, clf.intercept_[0]
    else:
        for j, cls in enumerate(clf.classes_):
            weights[:, cls] = clf.coef_[j]
            bias[cls] = clf.intercept_[j]
    return EntityModel(weights, bias)


def _micro_f1(examples: Sequence[Example], probs: Sequence[np.ndarray], threshold: float,
              scored: frozenset[int] | None = None) -> float:
    """Mean over the training files (those in ``scored``, default all) of their micro F1."""
    sources = {ex.source for ex in examples}
    if scored is not None:
        sources &= scored
    scores = []
    for source in sorted(sources):
        part = [(ex, pr) for ex, pr in zip(examples, probs, strict=True) if ex.source == source]
        preds = [assemble(ex.result, ex.proposals, pr, threshold) for ex, pr in part]
        scores.append(evaluate([ex.gold for ex, _ in part], preds).micro.f1)
    return float(np.mean(scores))


def _folds(n: int, k: int) -> list[np.ndarray]:
    order = np.random.default_rng(0).permutation(n)
    return [order[i::k] for i in range(k)]


def cross_validate(examples: Sequence[Example], c_values: Sequence[float] = DEFAULT_C,
                   folds: int = 5, n_buckets: int = N_BUCKETS,
                   scored: frozenset[int] | None = None) -> tuple[float, float, float]:
    """Best ``(C, threshold, micro F1)`` by grouped ``folds``-fold cross-validation,
    scored on the training files in ``scored`` (default all)."""
    parts = _folds(len(examples), folds)
    best = (c_values[0], 0.5, -1.0)
    for c in c_values:
        probs: list[np.ndarray | None] = [None] * len(examples)
        for held in parts:
            held_set = set(held.tolist())
            model = _fit([ex for i, ex in enumerate(examples) if i not in held_set], c, n_buckets)
            for i in held:
                probs[i] = model.probabilities(examples[i].rows)
        for t in THRESHOLDS:
            f1 = _micro_f1(examples, probs, float(t), scored)  # type: ignore[arg-type]
            log.info("C=%g threshold=%.3f: cross-validated micro F1 %.4f", c, t, f1)
            if f1 > best[2]:
                best = (c, float(t), f1)
    return best


def candidate_recall(examples: Sequence[Example]) -> float:
    """Share of required gold entities some proposal (or repo) matches, types ignored."""
    found = total = 0
    for ex in examples:
        keys = set()
        for p in ex.proposals:
            keys |= {match_key(s) for s in p.surfaces} | {match_key(p.name)}
        keys |= {match_key(e.name) for e in ex.result.entities if e.type == "repo"}
        for g in ex.gold.entities:
            if g.optional:
                continue
            total += 1
            found += bool(({match_key(g.name)} | {match_key(a) for a in g.aliases}) & keys)
    return found / total if total else 0.0


#: Share of the kept proposals no rule made that the pruning margin may lose.
PRUNE_LOSS = 0.002
#: A head is skipped when fewer than this share of its lower-case chunks (and at least
#: SKIP_MIN_SEEN of them) were entities in the training data.
SKIP_RATE = 0.005
SKIP_MIN_SEEN = 10


def skip_heads(examples: Sequence[Example]) -> frozenset[str]:
    """Last words of lower-case chunk proposals that were almost never an entity."""
    seen: dict[str, int] = {}
    hits: dict[str, int] = {}
    for ex in examples:
        for p, label in zip(ex.proposals, ex.labels, strict=True):
            if p.rule is not None or label is None or not p.name.islower():
                continue
            head = p.key.rpartition(" ")[2]
            seen[head] = seen.get(head, 0) + 1
            hits[head] = hits.get(head, 0) + (label > 0)
    return frozenset(h for h, n in seen.items()
                     if n >= SKIP_MIN_SEEN and hits.get(h, 0) < SKIP_RATE * n)


def prune_margin(model: EntityModel, examples: Sequence[Example]) -> tuple[float, float]:
    """The name-only margin above which a proposal no rule made is dropped unread, and
    the share of those proposals it drops: the margin loses at most ``PRUNE_LOSS`` of
    the ones the full model keeps."""
    kept, every = [], []
    for ex in examples:
        probs = model.probabilities(ex.rows)
        for p, row, n, prob in zip(ex.proposals, ex.rows, ex.name_cols, probs, strict=True):
            if p.rule is not None:
                continue
            logits = model.scores(row[:n]) + model.bias
            margin = float(logits[0] - logits[1:].max())
            every.append(margin)
            if prob[0] < model.threshold:
                kept.append(margin)
    if not kept:
        return float("inf"), 0.0
    margin = float(np.quantile(kept, 1 - PRUNE_LOSS))
    return margin, float(np.mean(np.asarray(every) > margin))


def train(pairs: Sequence[tuple[str | Path, str | Path]], output: str | Path, *,
          fit_only: Sequence[tuple[str | Path, str | Path]] = (),
          c_values: Sequence[float] = DEFAULT_C, folds: int = 5,
          n_buckets: int = N_BUCKETS) -> TrainReport:
    """Train on the annotated ``(papers, gold)`` pairs and ``fit_only`` pairs (fitted on,
    not scored in the cross-validation) and write the model to ``output``."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise PaperKGError("training needs scikit-learn: pip install 'paperkg[train]'") from None
    folder = Path(output).resolve().parent
    if not folder.is_dir():
        raise SourceError(f"{output}: no folder {folder} to write the model into")
    if not pairs:
        raise SourceError("no --papers/--gold pair to cross-validate on (the --fit-papers "
                          "sets are fitted on, not scored)")
    sourced = _read_sources([*pairs, *fit_only])
    scored = frozenset(range(len(pairs)))
    if len(sourced) < folds:
        raise SourceError(f"{len(sourced)} annotated papers: need at least {folds} "
                          f"(one per cross-validation fold)")
    extractor = Extractor(model=None)
    examples = featurize(extractor, [(p, g) for p, g, _ in sourced], n_buckets,
                         [s for _, _, s in sourced])
    labels = {lab for ex in examples for lab in ex.labels if lab is not None}
    if len(labels) < 2 or labels == {0}:
        raise SourceError("the annotations give no entity to learn from (every proposal "
                          "matches nothing, or only optional entities)")
    c, threshold, f1 = cross_validate(examples, c_values, folds, n_buckets, scored)
    model = _fit(examples, c, n_buckets)
    model.threshold = threshold
    model.skip_heads = skip_heads(examples)
    model.prune_margin, pruned = prune_margin(model, examples)
    log.info("prune margin %.2f: %.1f%% of the chunk proposals skip their mention features",
             model.prune_margin, 100 * pruned)
    rules_f1 = float(np.mean([
        evaluate([ex.gold for ex in examples if ex.source == s],
                 [ex.result for ex in examples if ex.source == s]).micro.f1
        for s in sorted({ex.source for ex in examples} & scored)]))
    report = TrainReport(
        papers=len(examples), proposals=sum(len(ex.proposals) for ex in examples),
        positives=sum(1 for ex in examples for lab in ex.labels if lab), c=c,
        threshold=threshold, cv_micro_f1=f1, cv_rules_micro_f1=rules_f1,
        candidate_recall=candidate_recall(examples))
    model.meta.update({"papers": report.papers, "cv_micro_f1": round(f1, 4), "c": c,
                       "training_files": [str(Path(p).name) for pair in pairs for p in pair],
                       "fit_only_files": [str(Path(p).name) for pair in fit_only for p in pair]})
    model.save(output)
    return report
