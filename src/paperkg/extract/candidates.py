"""Candidate mentions of one paper, read off the span groups of its docs.

Each pipeline component writes a span group (``doc.spans["gazetteer"]``, ``"chunks"``,
``"cues"``, ``"repos"``, the abbreviation pairs); this module turns each span into a
:class:`Candidate`, a mention with the evidence for it (its type and source), and holds
the text lookups the resolution uses (words of a name elsewhere in the text, URLs,
spans inside other spans). :mod:`paperkg.extract.resolve` merges the candidates into
entities.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from paperkg.extract.chunker import is_adjectival_compound, is_name_like, is_title_case
from paperkg.extract.classify import classify_phrase, head_type, is_debris
from paperkg.extract.patterns import is_bench_name
from paperkg.extract.pipeline import doc_text
from paperkg.extract.rules import Rules
from paperkg.text import fold_accents, match_key, singular, unlatex_accents
from paperkg.vocab import Vocabulary

__all__ = ["Candidate", "abbreviation_candidates", "span_candidates", "singular_surface",
           "url_spans", "find_word", "inside_index", "slash_list"]

_LEAD_STRIP = frozenset({"the", "a", "an", "our", "their", "its", "this", "these", "new",
                         "novel", "so-called", "called", "termed", "dubbed", "named", "of",
                         "and", "for", "in", "on", "with", "to", "by"})


# URLs (and PDF-damaged ones: "github.com/ owner/ name") hold no entity but the repo itself
_URL = re.compile(r"(?:https?://|www\.|\b[\w-]+\.github\.io|github\.com\s*/)\s?[^\s,;]*"
                  r"(?:\s?/\s?[^\s,;]+)*")


# a bibliographic reference in brackets: "[Kolda, T.G.: ... SIAM J. Matrix Anal. (2011)]"
_REFERENCE = re.compile(r"\[[^\[\]]{0,400}?\b(?:19|20)\d\d\b[^\[\]]{0,400}?\]")


_NON_WORD = re.compile(r"[\W_]+")


_DIMENSION = re.compile(r"^\d+[Dd]$")


_NEXT_WORD = re.compile(r"\)?\s+([A-Za-z][\w-]*)")


@dataclass
class Candidate:
    """One mention with the evidence for it."""

    field: str
    start: int
    end: int
    text: str
    type: str
    source: str
    name: str | None = None  # canonical name suggested by the source
    key: str = ""


def singular_surface(surface: str) -> str:
    """``"Fourier Neural Operators"`` -> ``"Fourier Neural Operator"`` (last word only);
    LaTeX accents become letters (``Schr\\"odinger`` -> ``Schrödinger``)."""
    if "\\" in surface:
        surface = unlatex_accents(surface)[0]
    head, sep, last = surface.rpartition(" ")
    if "-" in last and not sep:
        pre, _, last = surface.rpartition("-")
        single = singular(last.lower())
        return surface if single == last.lower() else f"{pre}-{last[:len(single)]}"
    single = singular(last.lower())
    if single == last.lower() or not last.isalpha() or last.isupper():
        return surface
    if last[:1].isupper() and single not in _english_words():
        return surface  # a name, not a plural: "Parisian particle Gibbs", "Hastings"
    if last.lower().startswith(single):
        return f"{head}{sep}{last[:len(single)]}"
    return f"{head}{sep}{last[:1]}{single[1:]}"  # "symmetries" -> "symmetry"


@functools.cache
def _english_words() -> frozenset[str]:
    from paperkg.extract.rules import load_rules

    return frozenset(load_rules().lexicon)


def _trim_long_form(text: str, start: int) -> tuple[str, int]:
    words = text.split(" ")
    offset = start
    while len(words) > 1 and words[0].lower() in _LEAD_STRIP:
        offset += len(words[0]) + 1
        words.pop(0)
    return " ".join(words), offset


def url_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of URLs and bracketed references ("[Smith et al., 2020]").

    The substring tests are necessary conditions of the two patterns; they spare the
    URL pattern's word-by-word attempts on the (many) texts without any.
    """
    spans = []
    if "://" in text or "www." in text or "github" in text:
        spans += [m.span() for m in _URL.finditer(text)]
    if "[" in text:
        spans += [m.span() for m in _REFERENCE.finditer(text)]
    return spans


def _span_text(span: Span, text: str) -> str:
    """``span.text`` sliced from its doc's text (``doc_text``) instead of rebuilt from
    its tokens: the same string, since a tokenizer's doc reproduces its text exactly."""
    return text[span.start_char:span.end_char]


def abbreviation_candidates(field_name: str, doc: Doc, rules: Rules, vocabulary: Vocabulary,
                             short_to_key: dict[str, str]) -> list[Candidate]:
    out: list[Candidate] = []
    full = doc_text(doc)
    for lspan, sspan in zip(doc.spans["abbrev_long"], doc.spans["abbrev_short"], strict=True):
        long_text, long_start = _trim_long_form(_span_text(lspan, full), lspan.start_char)
        if "\n" in long_text or is_debris(long_text.replace("-", " ")):
            continue
        short = _span_text(sspan, full)
        words = long_text.split()
        t = None
        # "Bianchi I (BI) model": the long form with the word after the definition
        after = _NEXT_WORD.match(doc_text(doc), sspan.end_char)
        probes = (long_text, short) if after is None else (
            long_text, short, f"{long_text} {after.group(1)}")
        for probe in probes:
            if vocabulary.is_stop(probe):
                t = "stop"
                break
            terms = vocabulary.lookup(probe)
            if terms:
                t = terms[0].type
                break
        if t == "stop":
            continue
        if t is None:
            t = classify_phrase(words, rules, vocabulary, default="method")
        if t is None:
            continue
        if t == "math" and singular(words[-1].lower()) in rules.named_method_heads \
                and not vocabulary.lookup(long_text):
            t = "method"  # a defined "X Decomposition (XD)" names a method
        # an adjective-only long form ("out-of-distribution", "state-of-the-art") is no name
        last = words[-1].lower().split("-")[-1]
        if rules.lexicon.get(last) in ("ADJ", "ADV", "VBN") and head_type(words, rules) is None:
            continue
        key = match_key(long_text)
        short_to_key[short] = key
        out.append(Candidate(field_name, long_start, long_start + len(long_text), long_text, t,
                             "abbrev", singular_surface(long_text), key))
        out.append(Candidate(field_name, sspan.start_char, sspan.end_char, short, t, "abbrev",
                             singular_surface(long_text), key))
    return out


def span_candidates(docs: dict[str, Doc], rules: Rules, vocabulary: Vocabulary,
                    short_to_key: dict[str, str]) -> list[Candidate]:
    """The candidates of each field's repos, gazetteer terms, chunks and cues, in
    that order, field by field (``short_to_key``: the short forms the paper defines,
    from :func:`abbreviation_candidates`)."""
    cands: list[Candidate] = []
    norms: dict[str, str] = {}
    for fname, doc in docs.items():
        full = doc_text(doc)
        for span in doc.spans["repos"]:
            cands.append(Candidate(fname, span.start_char, span.end_char, _span_text(span, full),
                                   "repo", "repo", span.kb_id_, "repo:" + span.kb_id_))
        for span in doc.spans["gazetteer"]:
            stext = _span_text(span, full)
            cands.append(Candidate(fname, span.start_char, span.end_char, stext,
                                   span.label_, "gazetteer", span.kb_id_))
            if " " in stext:
                c = _elided_term(fname, full, span.start_char, stext, vocabulary)
                if c is not None:
                    cands.append(c)
        weak_title = fname == "title" and is_title_case(full)
        for span in doc.spans["chunks"]:
            c = _chunk_candidate(fname, span, full, docs, norms, rules, vocabulary,
                                 weak_title=weak_title)
            if c is not None:
                cands.append(c)
        for span in doc.spans["cues"]:
            c = _cue_candidate(fname, span, full, rules, vocabulary, short_to_key)
            if c is not None:
                cands.append(c)
    return cands


def _chunk_candidate(fname: str, span: Span, full: str, docs: dict[str, Doc],
                     norms: dict[str, str], rules: Rules, vocabulary: Vocabulary, *,
                     weak_title: bool) -> Candidate | None:
    """A chunk's candidate, trimmed and typed; ``None`` when the chunk names nothing."""
    stext = _span_text(span, full)
    if span.label_ == "nominal":
        if _in_title_and_abstract(stext, docs, norms):
            return Candidate(fname, span.start_char, span.end_char, stext,
                             _nominal_type(stext, vocabulary), "chunk")
        return None
    # capitals of a title-cased title say nothing: the abstract must use it too
    if weak_title and not _occurs_in(match_key(stext), _norm(docs, norms, "abstract")):
        return None
    start, end, text = span.start_char, span.end_char, stext
    if span.label_ == "dataset" and len(span) > 1:
        # "the CIFAR-10 dataset", "SuperCon benchmark": the dataset is the name
        head = singular(span[-1].text.lower())
        if head in rules.dataset_heads:
            end = span[-2].idx + len(span[-2].text)
            text = full[start:end]
            if _common_words_only(text.split(), rules):
                return None  # "2D Gaussians dataset": a kind of data, no name
    name = key = None
    if span.label_ == "method" and len(span) >= 3:
        # "Scale-wise Conditional Decoding mechanism": the capitalised part names it
        head = span[-1].text
        before = full[start:span[-2].idx + len(span[-2])].split()
        if (head.islower() and singular(head) in rules.strict_heads
                and len(before) >= 2 and all(w[:1].isupper() for w in before)):
            name = " ".join(before)
            key = match_key(name)
    label = span.label_
    if (label in ("method", "math") and len(span) > 2
            and singular(span[-1].text.lower()) not in rules.named_method_heads):
        # "spin-1/2 XXZ model": the known term it ends with gives the type (not for
        # decompositions, which a modifier makes a method of their own)
        label = _known_suffix_type(text, vocabulary) or label
    return Candidate(fname, start, end, text, label, "chunk", name, key or "")


def slash_list(text: str, vocabulary: Vocabulary) -> bool:
    """``"CIFAR-10/FFHQ"``: names joined by "/" where every part is a known term or
    name-shaped (the parts are entities, the joined string is not)."""
    if "/" not in text:
        return False
    parts = [p.strip() for p in text.split("/")]
    return len(parts) > 1 and all(p and (vocabulary.lookup(p) or is_name_like(p))
                                  for p in parts) and any(vocabulary.lookup(p) for p in parts)


_ELLIPSIS = re.compile(r"\b([A-Z][\w'-]*)(?:,| and| or|, and|, or) $")


def _elided_term(fname: str, text: str, start: int, surface: str,
                 vocabulary: Vocabulary) -> Candidate | None:
    """"Chamfer and Hausdorff distances": a capitalised word coordinated before a known
    term shares the term's head; it is a mention of "<word> <head>" when the vocabulary
    knows that term ("Chamfer distance")."""
    m = _ELLIPSIS.search(text, max(0, start - 40), start)
    if m is None:
        return None
    word = m.group(1)
    rest = surface.split(" ", 1)[1]
    terms = vocabulary.lookup(f"{word} {rest}")
    if not terms:
        return None
    return Candidate(fname, m.start(1), m.end(1), word, terms[0].type, "gazetteer",
                     terms[0].name)


def _known_suffix_type(text: str, vocabulary: Vocabulary) -> str | None:
    """Type (method or math) of the longest known term ``text`` ends with, if any."""
    words = text.split()
    for i in range(1, len(words)):
        terms = vocabulary.lookup(" ".join(words[i:]))
        if terms:
            return terms[0].type if terms[0].type in ("method", "math") else None
    return None


def _nominal_type(text: str, vocabulary: Vocabulary) -> str:
    """A nominalisation names a method ("volume rendering"), unless its head part is a
    known math term ("random advection": advection is a math concept)."""
    return _known_suffix_type(text, vocabulary) or "method"


def _occurs_in(key: str, normalized: str) -> bool:
    """Whether the words of ``key`` (a match key) start at a word boundary of
    ``normalized`` (a text from :func:`_normalize_for_search`); plurals still match."""
    return (" " + key) in normalized


def _inside(c: Candidate, spans: Sequence[tuple[str, int, int]]) -> bool:
    """Whether ``c`` lies strictly inside one of ``spans`` (same field). O(len(spans));
    :func:`inside_index` answers the same for many candidates."""
    return any(f == c.field and s <= c.start and c.end <= e and (s, e) != (c.start, c.end)
               for f, s, e in spans)


def inside_index(spans: Sequence[tuple[str, int, int]]) -> Callable[[Candidate], bool]:
    """:func:`_inside` against fixed ``spans``, in O(log n) a candidate after an
    O(n log n) build.

    A span ``(s, e)`` holds ``c`` strictly when ``s < c.start`` and ``e >= c.end``, or
    ``s == c.start`` and ``e > c.end``: the first is the largest end among the spans
    that start before ``c`` (a running maximum over the spans sorted by start), the
    second the largest end among those that start with it.
    """
    by_field: dict[str, list[tuple[int, int]]] = {}
    for f, s, e in spans:
        by_field.setdefault(f, []).append((s, e))
    index: dict[str, tuple[list[int], list[int], dict[int, int]]] = {}
    for f, items in by_field.items():
        items.sort()
        starts = [s for s, _ in items]
        reach, longest = [], -1
        widest: dict[int, int] = {}
        for s, e in items:
            longest = max(longest, e)
            reach.append(longest)
            widest[s] = max(e, widest.get(s, -1))
        index[f] = (starts, reach, widest)

    def inside(c: Candidate) -> bool:
        found = index.get(c.field)
        if found is None:
            return False
        starts, reach, widest = found
        before = bisect_left(starts, c.start)
        return (before > 0 and reach[before - 1] >= c.end) or widest.get(c.start, -1) > c.end

    return inside


def _word_char(c: str) -> bool:
    """``re``'s ``[\\w-]`` on one character."""
    return c.isalnum() or c == "_" or c == "-"


def find_word(text: str, word: str, *, plural: bool = False) -> Iterator[tuple[int, int]]:
    """Spans of ``word`` in ``text`` where neither neighbour is a word character or a
    hyphen (with ``plural``, also ``word`` + "s"; the longer where both fit).

    The matches of ``re.finditer(r"(?<![\\w-])" + re.escape(word) + r"(?![\\w-])", text)``
    (``r"s?(?![\\w-])"`` with ``plural``), left to right and not overlapping, found with
    :meth:`str.find` instead of a pattern compiled for each name of each paper.
    """
    n, size = len(text), len(word)
    if not size:
        return
    pos = text.find(word)
    while pos >= 0:
        end = pos + size
        if pos == 0 or not _word_char(text[pos - 1]):
            if plural and end < n and text[end] == "s" and (
                    end + 1 == n or not _word_char(text[end + 1])):
                yield pos, end + 1
                pos = text.find(word, end + 1)
                continue
            if end == n or not _word_char(text[end]):
                yield pos, end
                pos = text.find(word, end)
                continue
        pos = text.find(word, pos + 1)


def _in_title_and_abstract(text: str, docs: dict[str, Doc], norms: dict[str, str]) -> bool:
    key = match_key(text)
    for fname in ("title", "abstract"):
        if fname not in docs:
            return False
        if not _occurs_in(key, _norm(docs, norms, fname)):
            return False
    return True


def _norm(docs: dict[str, Doc], norms: dict[str, str], fname: str) -> str:
    """:func:`_normalize_for_search` of field ``fname``'s text, made once per paper."""
    if fname not in norms:
        norms[fname] = _normalize_for_search(doc_text(docs[fname]))
    return norms[fname]


def _normalize_for_search(text: str) -> str:
    if "\\" in text:
        text = unlatex_accents(text)[0]
    return " " + _NON_WORD.sub(" ", fold_accents(text).lower()) + " "


def _cue_candidate(fname: str, span: Span, full: str, rules: Rules, vocabulary: Vocabulary,
                   short_to_key: dict[str, str]) -> Candidate | None:
    text = _span_text(span, full)
    kind = span.label_
    hint = span.kb_id_ or None
    words = text.split()
    if kind != "title" and text in short_to_key:
        return None
    if vocabulary.is_stop(text) or is_debris(text.replace("-", " ")):
        return None
    terms = vocabulary.lookup(text)
    if terms:
        return Candidate(fname, span.start_char, span.end_char, text, terms[0].type,
                         "gazetteer", terms[0].name)
    if kind == "name":
        if len(text) < 3:
            return None
        if text in rules.acronym_stop or text.endswith("-") or is_adjectival_compound(text):
            return None
        t = "method"
    elif kind == "data":
        if _common_words_only(words, rules):
            return None  # "experiments on 2D Gaussians": a common noun, no dataset name
        t = "dataset"
    else:
        # a one-word name ("LoRA-Flow") says nothing through its last hyphen part
        t = hint or (head_type(words, rules) if len(words) > 1 else None) or "method"
        if len(words) > 1 and not any(is_name_like(w) for w in words) and head_type(
                words, rules) is None and kind != "title" and not (
                kind == "contrib" and all(w[:1].isupper() for w in words)):
            # "we propose Iterated Amplification": capitalised words right after the
            # cue name the contribution even without a head noun
            return None
    if t == "method" and is_bench_name(text):
        t = "dataset"  # "SurfaceBench", "SWE-bench": a benchmark by its own name
    return Candidate(fname, span.start_char, span.end_char, text, t, kind)


def _common_words_only(words: Sequence[str], rules: Rules) -> bool:
    """Whether ``words`` (dimension words such as "2D" aside) are frequent English or
    technical words, none name-shaped: "Gaussians", "2D Gaussians"; not "MNIST",
    "Objaverse"."""
    content = [w for w in words if not _DIMENSION.match(w)]
    return bool(content) and not any(is_name_like(w) for w in content) and all(
        rules.is_common(singular(w.lower())) for w in content)
