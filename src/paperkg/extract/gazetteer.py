"""Vocabulary matching: every gazetteer term in a text, longest match first.

The text is folded character by character (lower case, accents stripped, hyphens and
underscores to spaces) so that offsets in the folded text are offsets in the original;
an Aho-Corasick automaton (pyahocorasick) over the folded surface forms of every term,
and their plurals, finds all hits in one pass. Case-sensitive terms ("Adam", "GAN")
are then checked on the original text through :meth:`paperkg.vocab.Vocabulary.lookup`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import ahocorasick

from paperkg.text import match_key, unlatex_accents
from paperkg.vocab import Term, Vocabulary

__all__ = ["GazetteerHit", "Gazetteer", "fold_text"]


# a version glued to a name: "-1.4B", "-v2", "-XL", "2.0"; ends before sentence punctuation
_VERSION = re.compile(r"-(?:[0-9][\w.]*[\w]|[0-9]|v\d+\w*|[A-Z]{1,3}\b)")
_DASHES = re.compile(r"-{2,3}")


_LOST_NCR = re.compile(r"(?<=[a-z])x20[0-9a-f]{2}(?=[a-z])")


def _one_dash(text: str) -> tuple[str, list[int]]:
    """``text`` with each run of two or three hyphens as one, and ``starts``:
    ``clean[a:b]`` is ``text[starts[a]:starts[b]]``."""
    out: list[str] = []
    starts: list[int] = []
    pos = 0
    for m in _DASHES.finditer(text):
        out.append(text[pos:m.start()])
        starts.extend(range(pos, m.start()))
        out.append("-")
        starts.append(m.start())
        pos = m.end()
    out.append(text[pos:])
    starts.extend(range(pos, len(text) + 1))
    return "".join(out), starts


class _FoldTable(dict):
    """``str.translate`` table mapping each character to exactly one character."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        if c in "-_\u2010\u2011\u2012\u2013\u2014\u2212" or c.isspace():
            out = " "
        else:
            low = c.lower()
            if len(low) != 1:
                low = c
            base = "".join(x for x in unicodedata.normalize("NFKD", low)
                           if not unicodedata.combining(x))
            out = base if len(base) == 1 else low
        self[code] = out
        return out


_FOLD = _FoldTable()


def fold_text(text: str) -> str:
    """Length-preserving fold: ``"Schrödinger-Föllmer"`` -> ``"schrodinger follmer"``."""
    return text.translate(_FOLD)


def _plurals(form: str) -> list[str]:
    head, _, last = form.rpartition(" ")
    prefix = head + " " if head else ""
    if not last.isalpha() or len(last) < 3:
        return [form]
    out = [form, f"{prefix}{last}s"]
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        out.append(f"{prefix}{last[:-1]}ies")
    if last.endswith(("s", "x", "ch", "sh")):
        out.append(f"{prefix}{last}es")
    return out


class GazetteerHit(NamedTuple):
    """A gazetteer term found at ``text[start:end]``."""

    start: int
    end: int
    term: Term
    versioned: bool = False  # the text extends the term with a version ("-1.4B", "-2")


class Gazetteer:
    """All vocabulary surface forms in one automaton; :meth:`find` is O(len(text) + hits)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        automaton = ahocorasick.Automaton()
        for surface, _term in vocabulary.surfaces():
            folded = " ".join(fold_text(surface).split())
            if len(folded) < 2:
                continue
            for form in _plurals(folded):
                if form not in automaton:
                    automaton.add_word(form, len(form))
        if len(automaton) == 0:
            automaton.add_word("\x00\x00", 2)
        automaton.make_automaton()
        self._automaton = automaton

    def __reduce__(self):
        return (Gazetteer, (self.vocabulary,))

    def find(self, text: str) -> list[GazetteerHit]:
        """Leftmost-longest, non-overlapping, whole-word term occurrences in ``text``.

        LaTeX accents are read as the letters they make (``Schr\\"odinger`` finds
        "Schrödinger bridge"); offsets are always offsets into ``text``.
        """
        if "\\" in text:
            clean, starts = unlatex_accents(text)
            if clean != text:
                return [h._replace(start=starts[h.start], end=starts[h.end])
                        for h in self.find(clean)]
        if "--" in text:
            # LaTeX's en dash ("Rao--Blackwellization") is one hyphen
            clean, starts = _one_dash(text)
            return [h._replace(start=starts[h.start], end=starts[h.end])
                    for h in self.find(clean)]
        folded = fold_text(text)
        if "x20" in folded:
            # a numeric character reference that lost "&#" and ";" ("regressionx2014which")
            folded = _LOST_NCR.sub(lambda m: " " * len(m.group()), folded)
        n = len(folded)
        candidates: list[tuple[int, int]] = []
        for end_idx, length in self._automaton.iter(folded):
            start = end_idx - length + 1
            end = end_idx + 1
            if start > 0 and folded[start - 1].isalnum():
                continue
            if start > 1 and text[start - 1] in "-\u2010\u2011" and text[start - 2].isalnum():
                continue  # "Re-LAION", "non-convex optimization": part of a longer name
            if end < n and folded[end].isalnum():
                continue
            candidates.append((start, end))
        candidates.sort(key=lambda se: (se[0], -se[1]))
        hits: list[GazetteerHit] = []
        last_end = -1
        for start, end in candidates:
            if start < last_end:
                continue
            surface = text[start:end]
            terms = self.vocabulary.lookup(surface)
            if not terms and surface[:1].isupper():
                # a case-sensitive term capitalised at a sentence start or in a title
                # ("Sequential Monte Carlo" for "sequential Monte Carlo")
                terms = self.vocabulary.lookup(surface[:1].lower() + surface[1:])
            if not terms:
                continue
            m = _VERSION.match(text, end)
            if m is not None:
                # "DataComp-1.4B", "GPT-4o": a versioned variant, its own entity
                hits.append(GazetteerHit(start, m.end(), terms[0], versioned=True))
                last_end = m.end()
                continue
            term = terms[0]
            hits.append(GazetteerHit(start, end, term, versioned=_is_version_of(surface, term,
                                                                              self.vocabulary)))
            last_end = end
        return hits


_TRAILING_VERSION = re.compile(r"^(.+?)(?:-(?:[0-9][\w.]*|v\d+\w*)|(?<=[a-z])\d+[A-Za-z]?)$")


def _is_version_of(surface: str, term: Term, vocabulary: Vocabulary) -> bool:
    """A listed alias that is the term's name plus a version ("DataComp-1.4B",
    "ResNet-50", "ResNet50" of "ResNet"): a variant the paper names on purpose, its own
    entity (of the term's type)."""
    if surface == term.name:
        return False
    m = _TRAILING_VERSION.match(surface)
    if m is None:
        return False
    base = vocabulary.lookup(m.group(1))
    return bool(base) and base[0] is term and match_key(m.group(1)) != match_key(surface)
