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
_HYPHEN_SLASH_DASH = re.compile(r"[-/–]")
_LATIN_WORD = re.compile(r"[A-Za-z][\w'-]*")
# markup debris inside a word: LaTeX "Step~9", a numeric character reference that lost
# its "&#" ("datax2014the" for "data&#x2014;the"), HTML entities
_DEBRIS = re.compile(r"[~&#]|[a-z]x[0-9a-fA-F]{4}")
# second parts that make a hyphenated compound an adjective ("ML-based", "task-free")
_ADJ_SECOND = frozenset({"based", "style", "like", "free", "aware", "driven", "guided", "wise",
                         "specific", "agnostic", "dependent", "independent", "invariant",
                         "level", "scale", "order", "type", "shot", "aided", "enabled",
                         "oriented", "friendly", "informed", "conditioned", "centric", "only",
                         "art", "sized", "size", "efficient", "inspired",
                         "augmented", "equivariant", "tuned", "trained", "generated", "powered"})
_NOUNISH = frozenset({"NOUN"})
_BE_FORMS = frozenset({"is", "are", "was", "were", "been", "being"})
# a word after these is a verb: subject pronouns and modals
_VERB_BEFORE = frozenset({"we", "they", "i", "you", "who", "can", "could", "may", "might",
                          "must", "should", "will", "would", "cannot", "shall", "does", "do",
                          "did"})
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
        while not ws and j + 1 < n and text[-1:].isdigit() and tokens[j + 1][0].isalpha() \
                and len(tokens[j + 1][0]) <= 2:
            # "FooBar-2M", "1.4B": the tokenizer split a unit-like version suffix off
            nxt, nstart, ws = tokens[j + 1]
            text, end = text + nxt, nstart + len(nxt)
            j += 1
        if (not ws and j + 2 < n and tokens[j + 1][0] == "-" and tokens[j + 1][2]
                and text.isalpha() and _broken_tail(tokens[j + 2][0])):
            # "general - purpose" as two tokens: the hyphen glued to the left word
            nxt, nstart, ws = tokens[j + 2]
            text, end = f"{text}-{nxt}", nstart + len(nxt)
            j += 2
        elif (text.endswith("-") and len(text) > 2 and text[-2].isalpha() and j + 1 < n
                and _broken_tail(tokens[j + 1][0])):
            # PDF line-break damage "general- purpose": one word, never two
            nxt, nstart, ws = tokens[j + 1]
            text, end = text + nxt, nstart + len(nxt)
            j += 1
        out.append((text, start, end, sent_start))
        sent_start = text in (".", "?", "!") or (text.endswith(".") and len(text) > 1
                                                 and text[:-1].isalpha() is False)
        i = j + 1
    return out


def _broken_tail(text: str) -> bool:
    """The second half of a hyphenated word split by a line break ("purpose" after
    "general- "), not a word of "pre- and post-training"."""
    return text.isalpha() and text.islower() and text not in ("and", "or", "to", "versus")


def tag_word(text: str, rules: Rules, *, sent_start: bool, title_case: bool) -> str:
    """Coarse tag of one word: closed class, lexicon, then shape and suffix rules."""
    if not text[:1].isalnum() or _DEBRIS.search(text):
        return "PUNCT"
    if not any(c.isalpha() for c in text):
        return "NUM"
    lower = text.lower()
    if lower in rules.closed_class:
        return rules.closed_class[lower]
    if is_name_like(text):
        return "NOUN"
    if "-" in lower or "/" in lower:
        last = _HYPHEN_SLASH_DASH.split(lower)[-1]
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
    words = [w for w in _LATIN_WORD.findall(text) if len(w) >= 4]
    if len(words) < 2:
        return False
    return sum(w[0].isupper() for w in words) >= 0.8 * len(words)


# tag_word is pure given the rules; words recur across abstracts. One dict per
# (title_case, sent_start), keyed by the word alone (cheaper to hash than a tuple key).
_TagInfo = tuple[str, bool, bool, bool]
_TAG_CACHE: dict[int, tuple[Rules, tuple[tuple[dict[str, _TagInfo], dict[str, _TagInfo]], ...]]] = {}
_TAG_CACHE_MAX = 200_000


def tag_words(tokens: Sequence[tuple[str, int, bool]], rules: Rules, *,
              title_case: bool = False) -> list[Word]:
    """Merge hyphenated tokens and tag every word.

    A lower-case word right after a subject pronoun or a modal ("we study ...",
    "networks can admit ...", adverbs in between) is a verb whatever the lexicon says.
    """
    out: list[Word] = []
    expect_verb = False
    entry = _TAG_CACHE.get(id(rules))
    if (entry is None or entry[0] is not rules
            or sum(len(d) for pair in entry[1] for d in pair) > _TAG_CACHE_MAX):
        entry = _TAG_CACHE[id(rules)] = (rules, (({}, {}), ({}, {})))
    caches = entry[1][bool(title_case)]  # indexed by the word's sent_start
    after_to: list[int] = []  # indices of words that follow "to"
    new = tuple.__new__
    for text, start, end, ss in merge_words(tokens):
        cache = caches[ss]
        info = cache.get(text)
        if info is None:
            lower = text.lower()
            info = cache[text] = (tag_word(text, rules, sent_start=ss, title_case=title_case),
                                  text.isalpha() and text.islower(), lower in _VERB_BEFORE,
                                  lower == "to")
        tag, bare, verb_before, is_to = info
        if expect_verb and tag in ("ADV", "PART"):
            pass
        elif expect_verb and bare and tag in ("NOUN", "ADJ", "VBG"):
            tag = "VERB"
            expect_verb = False
        else:
            expect_verb = verb_before
        if is_to:
            after_to.append(len(out) + 1)
        out.append(new(Word, (text, start, end, tag, ss)))
    # "to study smooth ...", "to model complex ...": a bare word after "to" that takes an
    # adjective or determiner is a verb
    last = len(out) - 1
    for i in after_to:
        if i >= last:
            continue
        w = out[i]
        if (w.tag == "NOUN" and w.text.isalpha()
                and w.text.islower() and not w.text.endswith(("s", "ing", "ion"))
                and out[i + 1].tag in ("ADJ", "DET", "PRON")):
            out[i] = w._replace(tag="VERB")
    return out


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
        if (tag == "NOUN" and not run and i and words[i - 1].text.lower() in _BE_FORMS
                and w.text.endswith("ing") and i + 1 < n
                and words[i + 1].tag in ("ADJ", "NOUN", "VBN")):
            continue  # "a paradigm is learning neural operators": a progressive verb
        if (tag == "VERB" and run and run[-1].tag in ("NOUN", "ADJ")
                and singular(w.text.lower()) in rules.head_nouns):
            # "dynamic boundary condition", "diffusion model": a head noun the lexicon
            # saw mostly as a verb
            tag = "NOUN"
            w = w._replace(tag="NOUN")
        if (tag == "NOUN" and run and run[-1].tag == "NOUN" and not _is_plural_verbish(run[-1])
                and _is_plural_verbish(w) and i + 1 < n
                and words[i + 1].text.lower() in _DETERMINERS
                and i - len(run) > 0 and words[i - len(run) - 1].text.lower() in _DETERMINERS):
            # "a Transformer encoder maps the geometry": a singular subject, then a verb
            flush()
            continue
        if (tag in ("ADJ", "VBN") and not run and i and words[i - 1].tag == "ADV"
                and words[i - 1].text.lower().endswith("ly")
                and w.text.lower() not in rules.generic_modifiers):
            # "partially separable models": the adjective belongs to its adverb; without
            # it the phrase is a fragment ("separable models")
            continue
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
                if (not run and tag == "VBG" and nxt == "NOUN"
                        and (i == 0 or prev in ("ADP", "PUNCT", "CCONJ", "SCONJ"))
                        and rules.lexicon.get(w.text.lower(), "VBG") in ("VBG", "VERB")):
                    continue  # "by estimating OT maps", "Fitting OT maps is ..."
            run.append(w)
        else:
            flush()
    flush()
    return chunks


_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "its", "their",
                          "our", "each", "every", "any", "some"})


def _is_plural_verbish(w: Word) -> bool:
    """A lower-case plural-looking word: inside a noun run it is usually a verb
    ("sublayer gains width", "space possesses symmetries")."""
    t = w.text
    return (len(t) > 3 and t.islower() and t.isalpha() and t.endswith("s")
            and not t.endswith(("ss", "us", "is", "ics", "ous", "ys")) and t not in _NOT_PLURAL)


# singular words ending in "s"
_NOT_PLURAL = frozenset({"series", "species", "means", "bias", "lens", "gas", "chaos", "atlas",
                         "news", "canvas", "alias", "biceps", "whereas", "perhaps"})


def _emit(run: list[Word], chunks: list[Chunk], rules: Rules) -> None:
    for i, w in enumerate(run[:-1]):
        if _is_plural_verbish(w):
            # "function space possesses ...": the verb goes; "limiting kernels ..." stays
            left = run[:i] if i and run[i - 1].tag == "NOUN" else run[:i + 1]
            _emit(left, chunks, rules)
            right = run[i + 1:]
            if (len(right) > 1 and right[0].text.isalpha() and right[0].text.islower()
                    and not _is_plural_verbish(right[0])
                    and rules.lexicon.get(right[0].text, "NOUN") in ("NOUN", "VERB")):
                # "networks admit infinite-width limits": after a plural subject, a bare
                # word is its verb
                right = right[1:]
            _emit(right, chunks, rules)
            return
    words = list(run)
    while words and words[-1].tag not in _NOUNISH:
        words.pop()
    while words and (words[0].text.lower() in rules.generic_modifiers or words[0].tag == "VBG"
                     and len(words) > 1 and words[1].tag != "NOUN"):
        words.pop(0)
    if words:
        chunks.append(Chunk(tuple(words), words[0].start, words[-1].end))
