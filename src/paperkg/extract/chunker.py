"""A fast noun-phrase chunker that needs no statistical tagger at run time.

Words get a coarse tag from a closed-class list and a POS lexicon shipped as data
(``data/rules/pos_lexicon.tsv``, derived offline by ``tools/build_pos_lexicon.py``),
then from capitalisation and suffix rules for unknown words. A chunk is a maximal run
of modifier words (adjectives, participles, nouns) ending in a noun; tokens joined by
a hyphen without spaces ("higher-order", "Fokker-Planck") form one word.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

from paperkg.extract.rules import Rules
from paperkg.text import singular

__all__ = ["Word", "Chunk", "is_adjectival_compound", "merge_words", "tag_word", "tag_words", "chunk_words", "is_name_like"]

_ADJ_SUFFIX = ("ous", "ive", "al", "ic", "able", "ible", "ful", "less", "ary", "ar", "ian", "ent",
               "ant")
_HAS_DIGIT = re.compile(r"\d")
# second parts that make a hyphenated compound an adjective ("ML-based", "task-free")
_ADJ_SECOND = frozenset({"based", "style", "like", "free", "aware", "driven", "guided", "wise",
                         "specific", "agnostic", "dependent", "independent", "invariant",
                         "level", "scale", "order", "type", "shot", "aided", "enabled",
                         "oriented", "friendly", "informed", "conditioned", "centric", "only",
                         "art", "sized", "size", "efficient", "inspired",
                         "augmented", "equivariant", "tuned", "trained", "generated", "powered"})
_NOUNISH = frozenset({"NOUN"})
_MODIFIER = frozenset({"NOUN", "ADJ", "VBN", "VBG"})


class Word(NamedTuple):
    """A word (possibly several hyphen-joined tokens): text, character span, tag."""

    text: str
    start: int
    end: int
    tag: str
    sent_start: bool


class Chunk(NamedTuple):
    """A candidate noun phrase: its words (after trimming) and character span."""

    words: tuple[Word, ...]
    start: int
    end: int


@functools.lru_cache(maxsize=65536)
def is_name_like(text: str) -> bool:
    """CamelCase, inner capitals, or letters with digits: ``ResNet-50``, ``S2SNet``, ``h-MDS``.

    Hyphenated words count only through a part that is name-like on its own, so the
    capitalised compounds of a title ("Three-Layer", "Minor-Free") and adjectival
    compounds ("ML-based", "LLaMA-style") are not names.
    """
    if not any(c.isalpha() for c in text):
        return False
    if "-" in text:
        parts = [p for p in text.split("-") if p]
        if not parts or parts[-1].lower() in _ADJ_SECOND:
            return False
        return any(_name_part(p) for p in parts) or (
            len(parts) > 1 and parts[0][:1].islower() and any(p.isupper() for p in parts[1:]))
    return _name_part(text)


def is_adjectival_compound(text: str) -> bool:
    """``"ML-based"``, ``"LLaMA-style"``, ``"task-free"``: a hyphenated adjective."""
    return "-" in text and text.rsplit("-", 1)[-1].lower() in _ADJ_SECOND


def _name_part(text: str) -> bool:
    if _HAS_DIGIT.search(text) and any(c.isupper() for c in text) and any(
            c.isalpha() for c in text):
        return True
    return any(c.isupper() for c in text[1:])


def merge_words(tokens: Sequence[tuple[str, int, bool]]) -> list[tuple[str, int, int, bool]]:
    """Join ``word - word`` token runs written without spaces into one word.

    ``tokens`` are ``(text, start_char, followed_by_space)``; returns
    ``(text, start, end, sentence_start)``.
    """
    out: list[tuple[str, int, int, bool]] = []
    sent_start = True
    i = 0
    n = len(tokens)
    while i < n:
        text, start, ws = tokens[i]
        end = start + len(text)
        j = i
        while (
            not ws
            and j + 2 < n
            and tokens[j + 1][0] in ("-", "–", "/")
            and not tokens[j + 1][2]
            and tokens[j + 2][0][:1].isalnum()
            and text[-1:].isalnum()
        ):
            nxt, nstart, nws = tokens[j + 2]
            end = nstart + len(nxt)
            ws = nws
            j += 2
            text = text + tokens[j - 1][0] + nxt
        out.append((text, start, end, sent_start))
        sent_start = text in (".", "?", "!") or (text.endswith(".") and len(text) > 1
                                                 and text[:-1].isalpha() is False)
        i = j + 1
    return out


def tag_word(text: str, rules: Rules, *, sent_start: bool, title_case: bool) -> str:
    """Coarse tag of one word: closed class, lexicon, then shape and suffix rules."""
    if not text[:1].isalnum():
        return "PUNCT"
    if not any(c.isalpha() for c in text):
        return "NUM"
    lower = text.lower()
    if lower in rules.closed_class:
        return rules.closed_class[lower]
    if is_name_like(text):
        return "NOUN"
    if "-" in lower or "/" in lower:
        last = re.split(r"[-/–]", lower)[-1]
        tag = rules.tag(last)
        if tag in ("VBN", "VBG", "ADJ"):
            return "ADJ"
        return "NOUN"
    capital = text[0].isupper()
    if capital and not sent_start and not title_case:
        return "NOUN"
    if sent_start and lower.endswith("ing"):
        return "VBG"  # "Learning ...", "Using ..." open a sentence as verbs
    tag = rules.lexicon.get(lower)
    if tag is not None:
        return tag
    if capital and not sent_start:
        return "NOUN"
    if lower.endswith("ly") and len(lower) > 4:
        return "ADV"
    if lower.endswith("ing") and len(lower) > 5:
        return "VBG"
    if lower.endswith("ed") and len(lower) > 4:
        return "VBN"
    if lower.endswith(_ADJ_SUFFIX) and len(lower) > 5:
        return "ADJ"
    return "NOUN"


def is_title_case(text: str) -> bool:
    """True when most words of ``text`` (4+ letters) start with a capital letter."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", text) if len(w) >= 4]
    if len(words) < 2:
        return False
    return sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def tag_words(tokens: Sequence[tuple[str, int, bool]], rules: Rules, *,
              title_case: bool = False) -> list[Word]:
    """Merge hyphenated tokens and tag every word."""
    return [
        Word(text, start, end, tag_word(text, rules, sent_start=ss, title_case=title_case), ss)
        for text, start, end, ss in merge_words(tokens)
    ]


def chunk_words(words: Sequence[Word], rules: Rules) -> list[Chunk]:
    """Maximal modifier+noun runs, with generic leading modifiers trimmed.

    A participle ("shifted", "training") may only modify: it cannot end a chunk and
    cannot follow a noun (that reads as a verb: "models trained on ...").
    """
    chunks: list[Chunk] = []
    run: list[Word] = []

    def flush() -> None:
        if run:
            _emit(run, chunks, rules)
            run.clear()

    n = len(words)
    for i, w in enumerate(words):
        tag = w.tag
        if (tag == "NOUN" and not run and i and words[i - 1].tag == "ADP" and i + 1 < n
                and words[i + 1].tag in ("ADJ", "DET") and w.text.endswith("ing")):
            continue  # "for learning hierarchical ...", "by using the ..."
        if (tag == "VERB" and run and run[-1].tag in ("NOUN", "ADJ")
                and singular(w.text.lower()) in rules.head_nouns):
            # "dynamic boundary condition", "diffusion model": a head noun the lexicon
            # saw mostly as a verb
            tag = "NOUN"
            w = w._replace(tag="NOUN")
        if tag in _MODIFIER:
            if tag in ("VBN", "VBG"):
                prev = words[i - 1].tag if i else "PUNCT"
                nxt = words[i + 1].tag if i + 1 < n else "PUNCT"
                if run and run[-1].tag == "NOUN":
                    # "matrix flattening of", "MCMC sampling." read as gerund nouns;
                    # "models trained on", "method using the" as verbs.
                    if tag == "VBG" and nxt in ("ADP", "PUNCT", "CCONJ", "SCONJ", "AUX"):
                        run.append(w._replace(tag="NOUN"))
                        continue
                    flush()
                    continue
                if not run and (prev in ("PRON", "NOUN", "AUX", "ADV", "VERB", "PART")
                                or w.sent_start):
                    continue
                if not run and prev == "ADP" and nxt in ("ADJ", "VBN", "DET"):
                    continue  # "for learning hierarchical ...": a gerund taking an object
            run.append(w)
        else:
            flush()
    flush()
    return chunks


def _is_plural_verbish(w: Word) -> bool:
    """A lower-case plural-looking word: inside a noun run it is usually a verb
    ("sublayer gains width", "space possesses symmetries")."""
    t = w.text
    return (len(t) > 3 and t.islower() and t.isalpha() and t.endswith("s")
            and not t.endswith(("ss", "us", "is", "ics", "ous", "ys")))


def _emit(run: list[Word], chunks: list[Chunk], rules: Rules) -> None:
    for i, w in enumerate(run[:-1]):
        if _is_plural_verbish(w):
            # "function space possesses ...": the verb goes; "limiting kernels ..." stays
            left = run[:i] if i and run[i - 1].tag == "NOUN" else run[:i + 1]
            _emit(left, chunks, rules)
            _emit(run[i + 1:], chunks, rules)
            return
    words = list(run)
    while words and words[-1].tag not in _NOUNISH:
        words.pop()
    while words and (words[0].text.lower() in rules.generic_modifiers or words[0].tag == "VBG"
                     and len(words) > 1 and words[1].tag != "NOUN"):
        words.pop(0)
    if words:
        chunks.append(Chunk(tuple(words), words[0].start, words[-1].end))
