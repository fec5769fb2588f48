"""A learned keep/drop-and-type decision over high-recall entity proposals.

The rules of :mod:`paperkg.extract.resolve` are precise but miss about a fifth of the
entities an annotator lists; nearly all of those are noun phrases the chunker found
and the rules rejected. This stage proposes every rule entity *and* every chunk of
the title and abstract (:func:`propose`), describes each proposal by sparse features
(:func:`features`: its words, head, shape, context, which components proposed it and
what type they gave, what the vocabulary knows of it), and lets a linear model
(:class:`EntityModel`, multinomial logistic regression trained by ``paperkg train``)
keep or drop each one and choose its type. Repos, abbreviation pairing and names stay
as the rules make them.

Features are hashed into a fixed number of columns (``zlib.crc32``: stable across
processes and platforms), so the model is a dense weight matrix and prediction is a
sum of rows: deterministic, numpy only, no model download.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from paperkg.errors import ExtractionError
from paperkg.extract.patterns import is_acronym
from paperkg.extract.pipeline import CHUNKS_KEY, doc_text
from paperkg.extract.resolve import singular_surface, url_spans
from paperkg.extract.rules import Rules
from paperkg.models import Entity, Mention, PaperEntities
from paperkg.phrases import PhraseCounts, load_phrase_counts, phrase_words
from paperkg.text import clean_alias, clean_name, match_key, singular, slugify
from paperkg.vocab import Vocabulary

__all__ = ["CLASSES", "Decider", "EntityModel", "Featurizer", "Proposal", "assemble",
           "mention_features", "name_features", "phrase_features", "propose", "span_sources"]

#: The model's classes: drop the proposal, or keep it with this type.
CLASSES = ("none", "method", "dataset", "math")
MODEL_FORMAT = 2  # 2: phrase-count features (paperkg.phrases)
_WORD = re.compile(r"\w+|[^\w\s]")
_SHAPE_RUNS = re.compile(r"(.)\1+")
_CONTEXT_WORD = re.compile(r"[A-Za-z][\w-]*|\S")


@dataclass
class Proposal:
    """One candidate entity of a paper: a rule entity, or a group of chunks with one key."""

    key: str
    surfaces: list[str] = field(default_factory=list)
    mentions: list[tuple[str, int, int, str]] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    rule: Entity | None = None

    def add(self, fname: str, start: int, end: int, text: str, source: str) -> None:
        if text not in self.surfaces:
            self.surfaces.append(text)
        mention = (fname, start, end, text)
        if mention not in self.mentions:
            self.mentions.append(mention)
        self.sources.add(source)

    @property
    def name(self) -> str:
        if self.rule is not None:
            return self.rule.name
        forms = [s for s in self.surfaces if clean_alias(s) == s] or self.surfaces
        long_forms = [s for s in forms if not is_acronym(s)] or forms
        return singular_surface(max(long_forms, key=len))


def span_sources(docs: dict[str, Doc]) -> dict[tuple[str, int, int], set[str]]:
    """``(field, start, end)`` -> the span groups (with labels) that cover exactly it."""
    out: dict[tuple[str, int, int], set[str]] = {}
    for fname, doc in docs.items():
        for group in ("gazetteer", "abbrev_long", "abbrev_short", "chunks", "cues"):
            if group not in doc.spans:
                continue
            for span in doc.spans[group]:
                out.setdefault((fname, span.start_char, span.end_char), set()).add(
                    f"{group}:{span.label_}")
    return out


def propose(result: PaperEntities, docs: dict[str, Doc], rules: Rules,
            skip_heads: frozenset[str] = frozenset()) -> list[Proposal]:
    """The rule entities of ``result`` plus every chunk of ``docs`` no rule entity covers.

    A chunk whose key is a rule entity's name or alias joins that entity; the other
    chunks are grouped by :func:`~paperkg.text.match_key`. A proposal that is another
    one plus a generic tail ("Transformer architecture", "LEAF benchmark") joins it as
    an alias. Chunks inside URLs and bracketed references are left out, as the rules
    leave them out. Repos are not proposals (they are kept as the rules find them).
    A lower-case chunk whose last word is in ``skip_heads`` (heads the training data
    almost never saw in an entity: "results", "performance") is no proposal.
    """
    proposals: list[Proposal] = []
    by_key: dict[str, Proposal] = {}
    for ent in result.entities:
        if ent.type == "repo":
            continue
        p = Proposal(key=match_key(ent.name), rule=ent)
        for m in ent.mentions:
            p.add(m.field, m.start, m.end, m.text, "rule")
        for form in (ent.name, *ent.aliases):
            by_key.setdefault(match_key(form), p)
        proposals.append(p)
    for fname, doc in docs.items():
        text = doc_text(doc)
        urls = url_spans(text)
        for start, end, _label in doc.user_data.get(CHUNKS_KEY, ()):
            if any(s < end and start < e for s, e in urls):
                continue
            surface = text[start:end]
            key = match_key(surface)
            if not key:
                continue
            p = by_key.get(key)
            if p is None:
                if skip_heads and key.rpartition(" ")[2] in skip_heads and surface.islower():
                    continue
                p = by_key[key] = Proposal(key=key)
                proposals.append(p)
            p.add(fname, start, end, surface, "chunk")
    return _fold_tails(proposals, by_key, rules)


# Tails that name the same entity as the words before them, beyond tail_heads.txt.
_SAME_TAILS = frozenset({"algorithm", "method", "dataset", "benchmark", "corpus", "suite"})


def _fold_tails(proposals: list[Proposal], by_key: dict[str, Proposal],
                rules: Rules) -> list[Proposal]:
    folded: set[int] = set()
    # longest keys first: "a b c" joins "a b" before "a b" (with it) joins "a"
    for p in sorted(proposals, key=lambda p: -len(p.key)):
        head, _, tail = p.key.rpartition(" ")
        if not head or (tail not in rules.tail_heads and tail not in _SAME_TAILS):
            continue
        base = by_key.get(head)
        if base is None or base is p or (p.rule is not None and base.rule is None):
            continue
        for m in p.mentions:
            base.add(*m, "tail")
        if p.rule is not None:
            base.surfaces.extend(a for a in p.rule.aliases if a not in base.surfaces)
        folded.add(id(p))
    return [p for p in proposals if id(p) not in folded]


_SHAPE_TABLE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "X" * 26 + "x" * 26 + "d" * 10)


def _shape(word: str) -> str:
    """``"CIFAR-10"`` -> ``"XX-dd"``: letters and digits by class, runs cut to two."""
    return _SHAPE_RUNS.sub(r"\1\1", word.translate(_SHAPE_TABLE))


def _case(surface: str) -> str:
    """"lower", "Title", "UPPER" or "Mixed": how the words of a mention are capitalised."""
    letters = [w for w in surface.split() if w[:1].isalpha()]
    if all(w.islower() for w in letters):
        return "lower"
    if all(w.isupper() for w in letters):
        return "UPPER"
    if all(w[:1].isupper() and w[1:] == w[1:].lower() for w in letters):
        return "Title"
    return "Mixed"


def _head_lists(word: str, rules: Rules) -> list[str]:
    lists = (("method", rules.method_heads), ("math", rules.math_heads),
             ("dataset", rules.dataset_heads), ("generic", rules.generic_heads),
             ("task", rules.task_heads), ("strict", rules.strict_heads),
             ("weak", rules.weak_heads), ("named", rules.named_method_heads))
    return [name for name, heads in lists if word in heads]


def _context(text: str, start: int, end: int) -> tuple[list[str], list[str]]:
    left = _CONTEXT_WORD.findall(text[max(0, start - 40):start])[-2:]
    right = _CONTEXT_WORD.findall(text[end:end + 40])[:2]
    return [w.lower() for w in left], [w.lower() for w in right]


_CACHE_LIMIT = 200_000


class Featurizer:
    """Hashed feature columns of proposals.

    A proposal's features are its name's (words, head, shape, what the rule lists and
    the vocabulary say of it: the same for every paper that has the name) and its
    mentions' (which components proposed them, the words around them). The name part
    is computed once per name and rule type and kept (up to ``_CACHE_LIMIT`` names),
    which is most of the work on a large corpus.

    Features are hashed with ``zlib.crc32`` into ``n_buckets`` columns (a power of two).
    """

    def __init__(self, rules: Rules, vocabulary: Vocabulary, n_buckets: int) -> None:
        if n_buckets & (n_buckets - 1):
            raise ExtractionError(f"the number of feature columns must be a power of two, "
                                  f"not {n_buckets}")
        self.rules = rules
        self.vocabulary = vocabulary
        self.phrases = load_phrase_counts()
        self.mask = n_buckets - 1
        self._names: dict[tuple[str, str, bool], list[int]] = {}
        self._columns: dict[str, int] = {}

    def hash(self, feats: Iterable[str]) -> list[int]:
        """The column of each feature; a feature string seen before is looked up (most
        context words and heads recur), which is cheaper than hashing it again."""
        columns, mask = self._columns, self.mask
        if len(columns) >= _CACHE_LIMIT:
            columns.clear()
        out = []
        for f in feats:
            col = columns.get(f)
            if col is None:
                col = columns[f] = zlib.crc32(f.encode("utf-8")) & mask
            out.append(col)
        return out

    @staticmethod
    def name_key(p: Proposal) -> tuple[str, str, bool]:
        """What the name features of ``p`` depend on."""
        return (p.name, p.rule.type if p.rule is not None else "none",
                any(is_acronym(s) for s in p.surfaces))

    def name_columns(self, p: Proposal, key: tuple[str, str, bool] | None = None) -> list[int]:
        key = key or self.name_key(p)
        cols = self._names.get(key)
        if cols is None:
            if len(self._names) >= _CACHE_LIMIT:
                self._names.clear()
            name, rule_type, acronym = key
            cols = self._names[key] = self.hash(
                name_features(name, rule_type, acronym, self.rules, self.vocabulary,
                              self.phrases))
        return cols

    def mention_columns(self, p: Proposal, docs: dict[str, Doc],
                        sources: dict[tuple[str, int, int], set[str]]) -> list[int]:
        return self.hash(mention_features(p, docs, sources))

    def columns(self, p: Proposal, docs: dict[str, Doc],
                sources: dict[tuple[str, int, int], set[str]]) -> list[int]:
        """Every feature column of ``p``."""
        return self.name_columns(p) + self.mention_columns(p, docs, sources)


def name_features(name: str, rule_type: str, acronym: bool, rules: Rules,
                  vocabulary: Vocabulary, phrases: PhraseCounts | None = None) -> list[str]:
    """Features of a proposal's name: words, head, shape, rule type, what the rule lists
    and the vocabulary know of it, how common a phrase it is (:func:`phrase_features`)."""
    words = _WORD.findall(name)
    low = [w.lower() for w in words]
    head = singular(low[-1]) if low else ""
    first = low[0] if low else ""
    feats = ["bias", f"key={match_key(name)}", f"rule={rule_type}", f"n={min(len(words), 5)}",
             f"head={head}", f"first={first}", f"suf3={head[-3:]}", f"suf4={head[-4:]}",
             f"head={head}&rule={rule_type}", f"first={first}&head={head}",
             f"shape={'_'.join(_shape(w) for w in words)[:24]}"]
    feats += [f"w={w}" for w in low]
    feats += [f"w={w}&rule={rule_type}" for w in low]
    feats += [f"ws={w[-3:]}" for w in low[:-1] if len(w) > 3]
    feats += [f"bi={a}_{b}" for a, b in zip(low, low[1:], strict=False)]
    for h in _head_lists(head, rules):
        feats += [f"hl={h}", f"hl={h}&rule={rule_type}"]
    if acronym:
        feats.append("acronym")
    if any(ch.isdigit() for ch in name):
        feats.append("digit")
    if any(w[1:] != w[1:].lower() for w in words if w[:1].isalpha()):
        feats.append("inner_caps")
    for term in vocabulary.lookup(name):
        feats += [f"voc={term.type}", f"voc={term.type}&rule={rule_type}"]
    if phrases is not None:
        feats += phrase_features(name, rule_type, phrases)
    return feats


def _log_bucket(n: int) -> int:
    return min((n + 1).bit_length() - 1, 14)


def _ratio_bucket(n: int, m: int) -> int:
    return max(-6, min(6, round(math.log2((n + 1) / (m + 1)))))


def phrase_features(name: str, rule_type: str, phrases: PhraseCounts) -> list[str]:
    """How many abstracts have the name (log buckets), and how much rarer it is than
    itself without its first or last word: a fixed phrase of the field is about as
    common as its parts, a chunk with a stray word is far rarer."""
    words = phrase_words(name)
    n = phrases.count(words)
    feats = [f"df={_log_bucket(n)}", f"df={_log_bucket(n)}&rule={rule_type}",
             f"df={_log_bucket(n)}&n={min(len(words), 4)}"]
    if len(words) > 1:
        first = _ratio_bucket(n, phrases.count(words[1:]))
        last = _ratio_bucket(n, phrases.count(words[:-1]))
        feats += [f"cf={first}", f"cl={last}", f"cf={first}&rule={rule_type}",
                  f"cl={last}&rule={rule_type}"]
    return feats


def mention_features(p: Proposal, docs: dict[str, Doc],
                     sources: dict[tuple[str, int, int], set[str]]) -> list[str]:
    """Features of a proposal's mentions: how many, where, proposed by what, the words
    around the first three."""
    rule_type = p.rule.type if p.rule is not None else "none"
    head = p.key.rpartition(" ")[2]
    first_field, first_surface = (p.mentions[0][0], p.mentions[0][3]) if p.mentions else ("", "")
    feats = [f"nment={min(len(p.mentions), 4)}",
             "fields=" + "+".join(sorted({m[0] for m in p.mentions})),
             f"case={_case(first_surface)}&field={first_field}"]
    if len(p.surfaces) > 1:
        feats.append("variants")
    feats += [f"src={src}" for src in p.sources]
    for fname, start, end, _text in p.mentions[:3]:
        for src in sources.get((fname, start, end), ()):
            feats += [f"span={src}", f"span={src}&rule={rule_type}"]
        text = doc_text(docs[fname])
        left, right = _context(text, start, end)
        if left:
            feats += [f"L1={left[-1]}", f"L1={left[-1]}&head={head}",
                      f"L1={left[-1]}&R1={right[0] if right else ''}"]
        if len(left) > 1:
            feats.append(f"L2={left[-2]}_{left[-1]}")
        if right:
            feats.append(f"R1={right[0]}")
        if len(right) > 1:
            feats.append(f"R2={right[0]}_{right[1]}")
        if start == 0:
            feats.append("at_start")
        elif text[start - 1] == "(":
            feats.append("after_paren")
        if text[end:end + 1] == "(" or text[end:end + 2] == " (":
            feats.append("before_paren")
    return feats


class EntityModel:
    """Multinomial logistic regression over hashed features.

    Parameters
    ----------
    weights
        ``(n_buckets, len(CLASSES))`` float32 matrix.
    bias
        ``(len(CLASSES),)`` intercepts.
    threshold
        Keep a proposal when the probability of "none" is below this.
    prune_margin
        A proposal no rule made whose name alone scores "none" this far (in logits)
        above every type is dropped without looking at its mentions (``None``: never);
        chosen at training so that it changes almost no decision.
    skip_heads
        Last words of lower-case chunks that are not proposed at all (see :func:`propose`).
    meta
        Free-form provenance (training data, scores) saved with the weights.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray, *, threshold: float = 0.5,
                 prune_margin: float | None = None, skip_heads: Iterable[str] = (),
                 meta: dict | None = None) -> None:
        if (weights.ndim != 2 or weights.shape[1] != len(CLASSES)
                or bias.shape != (len(CLASSES),) or weights.shape[0] < 1
                or weights.shape[0] & (weights.shape[0] - 1)):
            raise ExtractionError(f"model weights of shape {weights.shape} do not fit "
                                  f"{len(CLASSES)} classes and a power-of-two number of "
                                  "feature columns")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.threshold = float(threshold)
        self.prune_margin = prune_margin
        self.skip_heads = frozenset(skip_heads)
        self.meta = dict(meta or {})
        self.n_buckets = weights.shape[0]

    def scores(self, cols: Sequence[int]) -> np.ndarray:
        """Summed weights of ``cols`` per class (no bias)."""
        return self.weights[np.asarray(cols, dtype=np.int64)].sum(axis=0)

    def probabilities(self, rows: Sequence[Sequence[int]],
                      base: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """Class probabilities, one row per proposal (rows of hashed columns), plus
        ``base`` scores (the summed weights of columns already added up) when given."""
        n = len(rows)
        scores = np.zeros((n, len(CLASSES)), dtype=np.float32)
        if not n:
            return scores
        lengths = [len(r) for r in rows]
        if sum(lengths):
            flat = np.fromiter((c for row in rows for c in row), dtype=np.int64,
                               count=sum(lengths))
            np.add.at(scores, np.repeat(np.arange(n), lengths), self.weights[flat])
        if base is not None:
            scores += np.asarray(base, dtype=np.float32)
        scores += self.bias
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def save(self, path: str | Path) -> None:
        """Write the model as one ``.npz`` file (weights as float16: half the size)."""
        meta = {"format": MODEL_FORMAT, "classes": list(CLASSES),
                "threshold": self.threshold, "prune_margin": self.prune_margin,
                "skip_heads": sorted(self.skip_heads), **self.meta}
        # written beside the target and moved into place: a model being overwritten is
        # never left half-written
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".model-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, weights=self.weights.astype(np.float16), bias=self.bias,
                                    meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | Path) -> EntityModel:
        """Read a model written by :meth:`save`; a clear error for anything else."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode("utf-8"))
                weights = data["weights"].astype(np.float32)
                bias = data["bias"]
        except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile) as err:
            raise ExtractionError(f"{path}: not a paperkg model file "
                                  f"({type(err).__name__}: {err})") from None
        if not isinstance(meta, dict):
            raise ExtractionError(f"{path}: not a paperkg model file (no metadata object)")
        if meta.get("format") != MODEL_FORMAT or meta.get("classes") != list(CLASSES):
            raise ExtractionError(f"{path}: model format {meta.get('format')!r} with classes "
                                  f"{meta.get('classes')!r}; this paperkg reads format "
                                  f"{MODEL_FORMAT} with {list(CLASSES)} (retrain it with "
                                  "paperkg train)")
        threshold = meta.pop("threshold", 0.5)
        prune_margin = meta.pop("prune_margin", None)
        skip_heads = meta.pop("skip_heads", [])
        if (not isinstance(threshold, (int, float)) or not 0 < threshold <= 1
                or not (prune_margin is None or isinstance(prune_margin, (int, float)))
                or not isinstance(skip_heads, list)
                or not all(isinstance(h, str) for h in skip_heads)):
            raise ExtractionError(f"{path}: bad model settings (threshold {threshold!r}, "
                                  f"prune_margin {prune_margin!r}, skip_heads of "
                                  f"{type(skip_heads).__name__})")
        for key in ("format", "classes"):
            meta.pop(key, None)
        return cls(weights, bias, threshold=threshold, prune_margin=prune_margin,
                   skip_heads=skip_heads, meta=meta)


class Decider:
    """The learned stage of an extractor: a model, its featurizer, and the name-level
    scores of the names seen so far (the same for every paper with the name)."""

    def __init__(self, model: EntityModel, rules: Rules, vocabulary: Vocabulary) -> None:
        self.model = model
        self.rules = rules
        self.featurizer = Featurizer(rules, vocabulary, model.n_buckets)
        self._scores: dict[tuple[str, str, bool], tuple[np.ndarray, float]] = {}

    def name_score(self, p: Proposal) -> tuple[np.ndarray, float]:
        """The summed weights of the name's columns, and by how many logits they (with
        the bias) put "none" ahead of the likeliest type."""
        key = self.featurizer.name_key(p)
        found = self._scores.get(key)
        if found is None:
            if len(self._scores) >= _CACHE_LIMIT:
                self._scores.clear()
            score = self.model.scores(self.featurizer.name_columns(p, key))
            logits = score + self.model.bias
            found = self._scores[key] = (score, float(logits[0] - logits[1:].max()))
        return found

    def __call__(self, result: PaperEntities, docs: dict[str, Doc]) -> PaperEntities:
        """The paper's entities after the model's decision over :func:`propose`'s proposals."""
        proposals = propose(result, docs, self.rules, self.model.skip_heads)
        sources = span_sources(docs)
        margin = self.model.prune_margin
        kept, base, rows = [], [], []
        for p in proposals:
            score, lead = self.name_score(p)
            if p.rule is None and margin is not None and lead > margin:
                continue
            kept.append(p)
            base.append(score)
            rows.append(self.featurizer.mention_columns(p, docs, sources))
        return assemble(result, kept, self.model.probabilities(rows, base), self.model.threshold)


def assemble(result: PaperEntities, proposals: Sequence[Proposal], probs: np.ndarray,
             threshold: float) -> PaperEntities:
    """Entities of the proposals whose probability of "none" is below ``threshold``,
    each with its most probable type; the rule result's repos as they are."""
    kept: dict[str, Entity] = {e.id: e for e in result.entities if e.type == "repo"}
    for p, prob in zip(proposals, probs, strict=True):
        if prob[0] >= threshold:
            continue
        _keep(kept, p, CLASSES[1 + int(np.argmax(prob[1:]))])
    return PaperEntities(id=result.id, title=result.title, entities=list(kept.values()))


def _outermost(mentions: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """Mentions not inside a longer one of the same entity ("VisA" in "VisA benchmark"
    at the same place is one mention), given sorted by field, start, then longest first."""
    out: list[tuple[str, int, int, str]] = []
    for m in mentions:
        if out and out[-1][0] == m[0] and out[-1][1] <= m[1] and m[2] <= out[-1][2]:
            continue
        out.append(m)
    return sorted(out, key=lambda m: (m[0] != "title", m[1], m[2], m[3]))


def _keep(kept: dict[str, Entity], p: Proposal, etype: str) -> None:
    rule = p.rule
    if rule is not None and etype == rule.type and len(p.mentions) == len(rule.mentions):
        # the rules' entity, unchanged (a copy: a later one may merge into it)
        ent = rule.model_copy(update={"aliases": list(rule.aliases),
                                      "mentions": list(rule.mentions)})
    else:
        name = clean_name(p.name)
        if not name:  # only brackets and dashes
            return
        aliases = list(rule.aliases) if rule is not None else []
        for surface in p.surfaces:
            alias = clean_alias(surface)
            if alias is not None and alias != name and alias not in aliases:
                aliases.append(alias)
        mentions = _outermost(sorted(set(p.mentions),
                                     key=lambda m: (m[0] != "title", m[1], -m[2], m[3])))
        ent = Entity(id=f"{etype}:{slugify(name)}", name=name, type=etype, aliases=aliases,
                     mentions=[Mention(field=f, start=s, end=e, text=t)
                               for f, s, e, t in mentions])
    other = kept.get(ent.id)
    if other is None:
        kept[ent.id] = ent
        return
    for alias in (ent.name, *ent.aliases):
        if alias != other.name and alias not in other.aliases:
            other.aliases.append(alias)
    other.mentions.extend(m for m in ent.mentions if m not in other.mentions)
