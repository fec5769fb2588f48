"""Abbreviation definitions: "Long Form (LF)" and "LF (Long Form)".

An implementation of Schwartz & Hearst (2003), "A simple algorithm for identifying
abbreviation definitions in biomedical text", Pacific Symposium on Biocomputing 8,
451-462: a short form in parentheses is matched right-to-left, character by
character, against the words just before it; the first character of each short-form
word part must start a word of the long form. The long form window is at most
``min(|SF| + 5, 2 * |SF|)`` words. Pure functions on strings; offsets are character
offsets into the text given.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Abbreviation", "find_abbreviations", "best_long_form", "is_short_form", "last_word"]

_PAREN = re.compile(r"\(([^()]{1,40})\)")
_WORD = re.compile(r"\S+")
_CLAUSE = re.compile(r"[;,]")
# Words that stop a long form when met going left (a definition never spans them).
_LEFT_STOP = frozenset({"we", "the", "a", "an", "this", "that", "which", "is", "are", "by",
                        "using", "use", "via", "with", "called", "named", "termed", "dubbed",
                        "propose", "proposes", "introduce", "introduces", "present", "on",
                        "in", "to", "from", "as", "namely", "i.e.", "e.g.", "its", "our",
                        "their", "these", "those", "be", "been", "into"})


class Abbreviation(NamedTuple):
    """A definition: the long form span and the short form span (character offsets)."""

    long_start: int
    long_end: int
    short_start: int
    short_end: int
    long_form: str
    short_form: str


def is_short_form(candidate: str) -> bool:
    """S&H candidate test: 2-10 chars, at most two words, starts alphanumeric, has a letter
    and at least one capital letter (so "(i)", "(see above)" are rejected)."""
    candidate = candidate.strip()
    if not 2 <= len(candidate) <= 10 or len(candidate.split()) > 2:
        return False
    if not candidate[0].isalnum():
        return False
    if not any(c.isalpha() for c in candidate):
        return False
    return any(c.isupper() for c in candidate)


def best_long_form(short_form: str, long_form: str) -> int | None:
    """Index in ``long_form`` where the long form of ``short_form`` starts, or ``None``.

    The algorithm of Schwartz & Hearst (2003, figure 2): walk both strings from the
    end; every alphanumeric character of the short form must be found in order, and
    the first one must begin a word of the long form.
    """
    s_index = len(short_form) - 1
    l_index = len(long_form) - 1
    while s_index >= 0:
        c = short_form[s_index].lower()
        if not c.isalnum():
            s_index -= 1
            continue
        while (l_index >= 0 and long_form[l_index].lower() != c) or (
            s_index == 0 and l_index > 0 and long_form[l_index - 1].isalnum()
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = l_index + 1
    return start


def _long_form_window(text: str, end: int, n_words: int) -> int:
    """Start offset of the last ``n_words`` words before ``end`` (stopping at a
    sentence/clause boundary or a stop word)."""
    words = list(_WORD.finditer(text, max(0, end - 300), end))
    start = end
    taken = 0
    for w in reversed(words):
        token = w.group()
        if taken >= n_words:
            break
        if token.endswith((".", ";", ":", ",", ")")) and taken > 0:
            break
        if token.lower().strip(",;:") in _LEFT_STOP:
            break
        start = w.start()
        taken += 1
    return start


def last_word(text: str, end: int) -> tuple[int, int]:
    """Offsets of the last whitespace-free run of ``text[:end]`` (trailing whitespace
    skipped); an empty span when there is none.

    The match of ``re.search(r"(\\S+)\\s*$", text[:end])``, group 1, found from the end:
    that search tries every position of the text before it fails or succeeds, and ran
    for each parenthesis of an abstract.
    """
    stop = end
    while stop > 0 and text[stop - 1].isspace():
        stop -= 1
    start = stop
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return start, stop


def find_abbreviations(text: str) -> list[Abbreviation]:
    """Every "Long Form (SF)" and "SF (Long Form)" definition in ``text``.

    Examples
    --------
    >>> [a.long_form for a in find_abbreviations("the Subspace Power Method (SPM) is")]
    ['Subspace Power Method']
    """
    out: list[Abbreviation] = []
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        inner_s = m.start(1)
        # strip "e.g."-like tails: "(SPM; Smith 2020)" -> "SPM"
        cut = _CLAUSE.split(inner, maxsplit=1)[0]
        stripped = cut.strip()
        lead = len(cut) - len(cut.lstrip())
        parts = stripped.split()
        if len(parts) == 2 and is_short_form(parts[0]) and not is_short_form(stripped) \
                and text[:m.start()].rstrip().lower().endswith(" " + parts[1].lower()):
            # "Newton-Schulz iteration (NS iteration)": match "NS" against the words
            # before the shared head; the definition is of the whole phrases
            head = parts[1]
            pre_end = len(text[:m.start()].rstrip())
            win_start = _long_form_window(text, pre_end - len(head),
                                          min(len(parts[0]) + 5, len(parts[0]) * 2))
            window = text[win_start:pre_end - len(head)].rstrip()
            idx = best_long_form(parts[0], window) if window else None
            if idx is not None:
                while idx > 0 and not window[idx - 1].isspace():
                    idx -= 1
                lf = text[win_start + idx:pre_end]
                if len(lf) > len(stripped):
                    out.append(Abbreviation(win_start + idx, pre_end, inner_s + lead,
                                            inner_s + lead + len(stripped), lf, stripped))
            continue
        if is_short_form(stripped):
            sf = stripped
            sf_start = inner_s + lead
            n_words = min(len(sf) + 5, len(sf) * 2)
            win_start = _long_form_window(text, m.start(), n_words)
            window = text[win_start:m.start()].rstrip()
            if not window:
                continue
            idx = best_long_form(sf, window)
            if idx is None:
                continue
            # snap to the beginning of the word holding idx
            while idx > 0 and not window[idx - 1].isspace():
                idx -= 1
            lf = window[idx:].strip()
            if not lf or len(lf) <= len(sf) or lf.lower() == sf.lower():
                continue
            lf_start = win_start + idx
            out.append(Abbreviation(lf_start, lf_start + len(lf), sf_start, sf_start + len(sf),
                                    lf, sf))
            continue
        # "SF (Long Form)": the word before the parenthesis is the short form
        word_start, word_end = last_word(text, m.start())
        if word_start == word_end:
            continue
        sf = text[word_start:word_end].strip(",;:")
        if not is_short_form(sf) or len(inner.split()) < 2 or len(inner) <= len(sf):
            continue
        lf = inner.strip()
        idx = best_long_form(sf, lf)
        if idx is None or idx != 0:
            continue
        sf_start = word_start
        out.append(Abbreviation(inner_s + (len(inner) - len(inner.lstrip())),
                                inner_s + (len(inner) - len(inner.lstrip())) + len(lf),
                                sf_start, sf_start + len(sf), lf, sf))
    return out
