"""Typing and filtering of candidate phrases: head-noun rules and stop lists.

``classify_phrase`` decides whether a candidate phrase (a chunk, a long form, a named
contribution) is an entity and of which type, from its head noun
(``data/rules/*_heads.txt``), its shape and the vocabulary's stop lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperkg.extract.chunker import Word, is_adjectival_compound, is_name_like
from paperkg.extract.rules import Rules
from paperkg.text import singular, unlatex_accents
from paperkg.vocab import Vocabulary

__all__ = ["head_type", "classify_phrase", "classify_chunk", "is_debris", "informative_words",
           "technical_words", "VocabCache", "vocab_cache", "is_nominal_phrase"]

_CITATION = re.compile(
    r"^[A-Z][a-z]+(?:\d{2,4}[a-z]?|\s+et\s+al\.?)$"  # Smith2020, Doshi et al.
    r"|^[A-Z]{2,}\+?\d{2}[a-z]?$"                        # AGG14, CCLMST23 (alpha keys)
    r"|^\[\d"
    r"|,|\b(?:19|20)\d\d\b"                              # "Computation,1979", years
)
_LATEX = re.compile(r"[\\{}$^_()\[\]~&#]|^\W|[^\w+]$|[a-z]x[0-9a-fA-F]{4}")
_HYPHEN_SLASH = re.compile(r"[-/]")
_TYPE_ORDER = ("dataset", "math", "method")


def _heads(words: Sequence[str]) -> list[str]:
    """Candidate head keys: last two words and last word, singular lower case."""
    low = [w.lower() for w in words]
    last = singular(low[-1].split("-")[-1]) if low else ""
    out = []
    if len(low) >= 2:
        out.append(f"{low[-2]} {singular(low[-1])}")
    out.append(singular(low[-1]))
    if last not in out:
        out.append(last)
    return out


class VocabCache:
    """Memoised :meth:`Vocabulary.lookup` / :meth:`Vocabulary.is_stop` (the same phrases
    recur across abstracts; the key normalisation dominates their cost)."""

    def __init__(self, vocabulary: Vocabulary, max_size: int = 200_000) -> None:
        self.vocabulary = vocabulary
        self._lookup: dict[str, list] = {}
        self._stop: dict[str, bool] = {}
        self.phrases: dict[tuple, str | None] = {}
        self.max_size = self._max = max_size

    def lookup(self, text: str) -> list:
        hit = self._lookup.get(text)
        if hit is None:
            if len(self._lookup) > self._max:
                self._lookup.clear()
            hit = self._lookup[text] = self.vocabulary.lookup(text)
        return hit

    def is_stop(self, text: str) -> bool:
        hit = self._stop.get(text)
        if hit is None:
            if len(self._stop) > self._max:
                self._stop.clear()
            hit = self._stop[text] = self.vocabulary.is_stop(text)
        return hit


_CACHES: dict[int, VocabCache] = {}


def vocab_cache(vocabulary: Vocabulary) -> VocabCache:
    """The :class:`VocabCache` of ``vocabulary`` (one per vocabulary object)."""
    cache = _CACHES.get(id(vocabulary))
    if cache is None or cache.vocabulary is not vocabulary:
        cache = _CACHES[id(vocabulary)] = VocabCache(vocabulary)
    return cache


def head_type(words: Sequence[str], rules: Rules) -> str | None:
    """Type suggested by the head noun of ``words``, or ``None``."""
    for head in _heads(words):
        if head in rules.dataset_heads:
            return "dataset"
        in_math = head in rules.math_heads
        in_method = head in rules.method_heads
        if in_math and in_method:
            # operator, module, kernel...: an eponym before the head reads as math
            # ("Koopman operator"), anything else as a method ("neural operator",
            # "Adaptive Time Channel Decomposition module")
            eponym = len(words) <= 2 and words[0][:1].isupper() and not is_name_like(words[0])
            return "math" if eponym else "method"
        if in_math:
            return "math"
        if in_method:
            return "method"
    return None


_NUMBERED = re.compile(r"^(?:\d+|one|two|three|four|five|six|single|multi)-[a-z]")


# second parts of hyphenated modifiers that describe rather than name ("layer-wise",
# "weight-only", "data-driven"); "higher-order", "divergence-free" can name math
_DESCRIPTIVE_SECOND = frozenset({"wise", "only", "based", "specific", "conditioned", "aware",
                                 "driven", "guided"})


def _descriptive_compound(text: str) -> bool:
    first, sep, second = text.rpartition("-")
    return bool(sep) and first.islower() and second in _DESCRIPTIVE_SECOND


def is_debris(text: str) -> bool:
    """Citation keys ("Smith2020", "Doshi et al."), LaTeX remnants, lone symbols.

    LaTeX accents are letters, not remnants: ``Schr\\"odinger Bridges`` is no debris."""
    if "\\" in text:
        text = unlatex_accents(text)[0]
    if len(text) < 2 or _CITATION.search(text) or _LATEX.search(text):
        return True
    letters = sum(c.isalpha() for c in text)
    return letters < 2 or letters < len(text) / 2


def informative_words(words: Sequence[str], rules: Rules) -> list[str]:
    """Words that are neither generic modifiers nor generic heads."""
    return [w for w in words if w.lower() not in rules.generic_modifiers
            and singular(w.lower()) not in rules.generic_heads]


def classify_phrase(words: Sequence[str], rules: Rules, vocabulary: Vocabulary, *,
                    default: str | None = None) -> str | None:
    """Type of a candidate phrase, or ``None`` when it is not an entity.

    Rejects stop-listed phrases (generic, tasks, metrics), debris, and phrases whose
    words are all generic; a single word needs a name-like shape. ``default`` is the
    type to use when the head says nothing (e.g. "method" for a named contribution).
    """
    if not words:
        return None
    vc = vocab_cache(vocabulary)
    memo_key = (tuple(words), default, id(rules))
    try:
        return vc.phrases[memo_key]
    except KeyError:
        pass
    if len(vc.phrases) > vc.max_size:
        vc.phrases.clear()
    result = vc.phrases[memo_key] = _classify_phrase(words, rules, vc, default)
    return result


def _classify_phrase(words: Sequence[str], rules: Rules, vc: VocabCache,
                     default: str | None) -> str | None:
    text = " ".join(words)
    if is_debris(text) or vc.is_stop(text):
        return None
    if not informative_words(words, rules):
        return None
    terms = vc.lookup(text)
    if terms:
        return terms[0].type
    if len(words) == 1 and not is_name_like(words[0]) and default is None:
        return None
    t = head_type(words, rules)
    if t is None:
        return default
    if len(words) == 1 and singular(words[0].lower()) in rules.all_heads:
        return None
    return t


_NOMINAL_SUFFIX = ("ing", "tion", "sion", "ment", "sis", "ance", "ence")


def is_nominal_phrase(words: Sequence[Word], rules: Rules, vocabulary: Vocabulary) -> bool:
    """A 2-3 word phrase headed by a nominalisation ("volume rendering", "iterated
    amplification", "domain splitting"): a method name when the paper keeps using it
    (the caller checks title and abstract), whatever its head says."""
    if not 2 <= len(words) <= 3:
        return False
    head = words[-1].text.lower()
    if not head.endswith(_NOMINAL_SUFFIX) or len(head) < 6 or head in rules.task_heads:
        return False
    texts = [w.text for w in words]
    if vocab_cache(vocabulary).is_stop(" ".join(texts)) or is_debris(" ".join(texts)):
        return False
    return all(w.text.lower() not in rules.generic_modifiers
               and singular(w.text.lower()) not in rules.generic_heads for w in words)


def is_acronym_word(text: str) -> bool:
    """All letters capitals: ``ME``, ``VAR``, ``PDE``."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def technical_words(vocabulary: Vocabulary, rules: Rules) -> dict[str, frozenset[str]]:
    """Per entity type, the lower-case non-final words of at least two vocabulary terms
    of that type ("symmetric", "stochastic", "Markov" for math): modifiers that make a
    head-noun phrase of that type technical. A word of one term only is often incidental
    ("input", "limiting"); a method word ("weight") says nothing about a math phrase."""
    counts: dict[str, dict[str, int]] = {}
    for term in vocabulary.terms:
        seen: set[str] = set()
        for form in term.forms:
            words = form.lower().replace("-", " ").split()
            seen.update(w for w in words[:-1] if w.isalpha() and len(w) > 2)
        by_type = counts.setdefault(term.type, {})
        for w in seen:
            by_type[w] = by_type.get(w, 0) + 1
    out = {t: frozenset(w for w, c in by_type.items() if c >= 2) - rules.generic_modifiers
           for t, by_type in counts.items()}
    # word pairs before a paired head ("random variable", "metric space") per type, under
    # the key "<type> pairs": such a head takes only modifiers some term pairs with it
    pairs: dict[str, set[str]] = {}
    for term in vocabulary.terms:
        for form in term.forms:
            words = [singular(w) for w in form.lower().replace("-", " ").split()]
            for a, b in zip(words, words[1:], strict=False):
                if b in rules.paired_heads:
                    pairs.setdefault(term.type, set()).add(f"{a} {b}")
    out.update({f"{t} pairs": frozenset(p) for t, p in pairs.items()})
    return out


def classify_chunk(words: Sequence[Word], rules: Rules, vocabulary: Vocabulary,
                   technical: dict[str, frozenset[str]], *,
                   title_case: bool = False) -> str | None:
    """Type of a chunk, or ``None``: :func:`classify_phrase` plus evidence beyond the head.

    A chunk passes when the vocabulary knows it, when a word is name-shaped or
    capitalised mid-sentence (not in a title-cased title), or when every modifier is a
    noun or a technical word (a word of some vocabulary term): "solution manifold",
    "symmetric tensor" pass, "unknown matrix", "sufficient condition" do not.
    """
    texts = [w.text for w in words]
    t = classify_phrase(texts, rules, vocabulary)
    if t is None:
        return None
    vc = vocab_cache(vocabulary)
    if vc.lookup(" ".join(texts)):
        return t
    if len(words) == 1:
        return t
    if t == "math" and any(_descriptive_compound(w.text) for w in words[:-1]):
        # "layer-wise error bound", "episode-wise random variable", "weight-only vector":
        # a description of a known kind of object, not a named concept
        return None
    named = [w for w in words if is_name_like(w.text) or (
        not title_case and not w.sent_start and w.text[:1].isupper()
        and not is_adjectival_compound(w.text))]
    head = singular(texts[-1].lower())
    if head in rules.strict_heads:
        # "Galerkin method", "FedAvg scheme" pass; "probabilistic approach", "inference
        # algorithm", "ME method" (the acronym alone is the entity) do not
        if any(not is_acronym_word(w.text) for w in named if w is not words[-1]):
            return t
        if t == "dataset" and len(words) >= 2 and any(w is words[-2] for w in named):
            return t  # "the VTAB-1K benchmark": resolve keeps the name, typed dataset
        if vc.lookup(" ".join(texts[:-1])):
            return t
        # "dynamic boundary condition": a known term ("boundary condition") with a modifier
        known_tail = any(vc.lookup(" ".join(texts[i:])) for i in range(1, len(texts) - 1))
        return t if known_tail else None
    if named:
        if t == "math" and head in rules.named_method_heads and len(named) >= 2:
            return "method"
        return t
    if t == "dataset":
        return None  # "a prompt-model interaction dataset" describes, it names nothing
    tech = technical.get(t, frozenset())
    weak_pairs = (technical.get(f"{t} pairs", frozenset())
                  if head in rules.paired_heads else None)
    for k, w in enumerate(words[:-1]):
        low = w.text.lower()
        if weak_pairs is not None and k == len(words) - 2:
            # next to a paired head ("variable", "distribution", paired_heads.txt) only a
            # modifier some term pairs with it: "random variable" yes, "global variable" no
            parts = low.replace("/", "-").split("-")
            if f"{low.replace('-', ' ')} {head}" in weak_pairs or f"{parts[-1]} {head}" in weak_pairs:
                continue
            if _NUMBERED.match(low):
                continue  # "two-layer network", "3-layer model": an architecture by its size
            return None
        if low in tech:
            continue
        parts = _HYPHEN_SLASH.split(low)
        if len(parts) > 1 and any(p in tech for p in parts):
            continue
        if w.tag == "NOUN" and low not in rules.generic_modifiers and head not in rules.weak_heads:
            continue
        return None
    return t
