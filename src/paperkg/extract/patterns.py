"""Cue patterns for names no vocabulary knows.

* a title "Name: subtitle" (``InfiniCity: Infinite-Scale City Synthesis``);
* the paper's own named contribution: "we propose X", "called/termed/dubbed X",
  "X, a ... framework";
* dataset cues: "datasets such as X and Y", "trained/evaluated on X";
* name-shaped words (CamelCase, inner capitals, digits: ``ResNet-50``, ``S2SNet``).

Pure functions over tagged :class:`~paperkg.extract.chunker.Word` lists; each returns
``(start_word, end_word, type_hint)`` word-index ranges.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from paperkg.extract.chunker import Word, is_name_like
from paperkg.extract.rules import Rules
from paperkg.text import singular

__all__ = ["Cue", "title_name", "title_name_type", "title_as_name", "contribution_cues", "dataset_cues",
           "name_words", "is_acronym", "is_bench_name", "data_of_cues"]

_DIMENSION = re.compile(r"^\d+[Dd]$")  # "2D", "3D": digits, yet no name
_TITLE_SPLIT = re.compile(r"^\s*([^:]{2,60}?)\s*:\s+\S")
_SKIP = frozenset({"a", "an", "the", "our", "this", "new", "novel", "simple", "general",
                   "generic", "unified", "first", "efficient", "effective", "method", "called",
                   "named", "termed", "dubbed", "approach", "framework", "model", "algorithm",
                   "technique", "system", "architecture", "network", ",", "which", "we",
                   "that", "is", "as", "coined", "name", "it", "principled", "scalable",
                   "lightweight", "family", "of", "class", "to", "paradigm", "strategy",
                   "pipeline", "tool", "toolkit", "library", "benchmark", "dataset"})
_DATA_LIST_CUES = (("datasets", "such", "as"), ("benchmarks", "such", "as"),
                   ("datasets", "including"), ("benchmarks", "including"),
                   ("datasets", "like"), ("benchmarks", "like"),
                   ("trained", "on"), ("evaluated", "on"), ("experiments", "on"),
                   ("evaluation", "on"), ("fine-tuned", "on"), ("pretrained", "on"),
                   ("pre-trained", "on"), ("tested", "on"), ("results", "on"),
                   ("performance", "on"), ("evaluate", "on"), ("test", "on"),
                   ("datasets", ","), ("benchmarks", ","), ("datasets", ":"),
                   ("benchmarks", ":"), ("samples", "from"), ("images", "from"),
                   ("data", "from"), ("subset", "of"), ("split", "of"),
                   ("train", "on"), ("training", "on"), ("pretraining", "on"),
                   ("pre-training", "on"), ("finetuned", "on"), ("evaluating", "on"),
                   ("validated", "on"), ("benchmarked", "on"), ("experiments", "with"))
_TITLE_GLUE = frozenset({"on", "the", "of", "a", "an", "in", "for", "to", "and", "at", "by"})
_DATA_CUE_FIRST = frozenset(c[0] for c in _DATA_LIST_CUES)
_CONTRIB_HEADS_DATA = frozenset({"dataset", "benchmark", "corpus", "suite"})


class Cue(NamedTuple):
    """Words ``[start, end)`` name an entity; ``type`` is a hint (or ``None``)."""

    start: int
    end: int
    type: str | None


def is_acronym(text: str) -> bool:
    """All capitals (digits and hyphens allowed), 2+ letters: ``MCMC``, ``SS-HOPM``."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def title_name(title: str, rules: Rules | None = None) -> tuple[int, int] | None:
    """Character span of ``Name`` in a title ``Name: subtitle``, else ``None``.

    The prefix must look like a name: at most 4 words, and either a name-shaped word
    (CamelCase, acronym, digits) or capitalised words that are not all common English
    ("Ghost on the Shell", "Unbounded"; not "Beyond the Mean", "Attention"). Common
    words are judged by ``rules`` (closed class and frequent lexicon words) when given.
    """
    m = _TITLE_SPLIT.match(title)
    if m is None:
        return None
    name = m.group(1)
    words = name.split()
    if not 1 <= len(words) <= 4:
        return None
    if any(is_name_like(w) and not _DIMENSION.match(w) for w in words):
        return m.start(1), m.end(1)
    if (sum(w.lower() not in _TITLE_GLUE and not _DIMENSION.match(w) for w in words) > 2
            and (rules is None or singular(words[-1].lower()) not in rules.all_heads)):
        # "Numba-Accelerated 2D Diffusion-Limited Aggregation": a description; a longer
        # name needs a head noun ("Elephant Neural Networks")
        return None
    if len(words) == 1:
        if not name[:1].isupper():
            return None
    elif not (
        words[0][:1].isupper() and words[-1][:1].isupper()
        and all(w[:1].isupper() or w in _TITLE_GLUE for w in words)
    ):
        return None
    if rules is not None:
        lows = [w.lower() for w in words]
        if lows[0] in rules.closed_class:
            return None  # "Beyond the Mean", "Towards Robustness"
        if len(words) > 1 and lows[0].endswith("ing") and lows[0] in rules.lexicon:
            return None  # "Compressing Neural Networks": a gerund phrase describes the work
        content = [w for w in lows if w not in _TITLE_GLUE]
        if all(rules.is_common(w) for w in content):
            return None
    return m.start(1), m.end(1)


_SUBTITLE_LEAD = frozenset({"a", "an", "the", "new", "novel", "large", "large-scale",
                            "comprehensive", "unified", "holistic", "challenging", "open",
                            "multimodal", "synthetic", "real-world", "diverse", "public",
                            "first", "scalable", "massive", "standardized", "curated"})
_BENCH = re.compile(r"(?i)(?:bench|benchmark)$")


def is_bench_name(text: str) -> bool:
    """A name that calls itself a benchmark: ``SurfaceBench``, ``SWE-bench``, ``MMBench``
    (the word ends in "bench" after other letters; "Bench" alone is no name)."""
    word = text.split()[-1] if text.split() else ""
    m = _BENCH.search(word)
    return m is not None and m.start() >= 2


def title_name_type(title: str, end: int) -> str | None:
    """``"dataset"`` when the title name ending at ``end`` is a benchmark or dataset: its
    subtitle is headed by a dataset word ("ChaosMining: A Benchmark to Evaluate ...",
    "X: A Large-Scale Dataset for ...") or the name says so itself ("SurfaceBench")."""
    if is_bench_name(title[:end]):
        return "dataset"
    rest = title[end:].lstrip(" :").split()
    for w in rest[:5]:
        low = w.lower().strip(",.;")
        if singular(low) in _CONTRIB_HEADS_DATA:
            return "dataset"
        if low not in _SUBTITLE_LEAD and not low.endswith(("-scale", "-world", "-domain")):
            return None
    return None


def title_as_name(title: str, rules: Rules,
                  known: Callable[[str], bool] | None = None) -> tuple[int, int] | None:
    """Character span of a whole title that is itself a name: two to four capitalised
    words, none closed-class, ending in a method head noun and not all common English
    ("Idempotent Generative Network", "Fractal Generative Models"; not "Deep Networks",
    "Scaling Laws"), or one word before a term ``known`` knows ("Light Schrödinger
    Bridge"; not "Efficient Transformers", whose first word is a generic modifier)."""
    text = title.strip()
    words = text.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return None
    if not all(c.isalnum() or c in "-' " for c in text):
        return None
    lows = [w.lower() for w in words]
    if any(w in rules.closed_class for w in lows):
        return None
    if lows[0].endswith("ing") and lows[0] in rules.lexicon:
        return None  # "Scaling Riemannian Diffusion Models": a gerund phrase
    head = singular(lows[-1].split("-")[-1])
    if head in rules.strict_heads:
        return None
    if head not in rules.method_heads:
        if (known is None or lows[0] in rules.generic_modifiers
                or not known(" ".join(words[1:])) or known(text)):
            return None
    elif all(rules.is_common(w) for w in lows[:-1]):
        return None
    start = title.index(text)
    return start, start + len(text)


def _name_run(words: Sequence[Word], i: int) -> int:
    """End index of the name-like (or capitalised) word run starting at ``i``."""
    j = i
    while j < len(words) and words[j].tag == "NOUN" and (j == i or not words[j].sent_start) and (
        is_name_like(words[j].text) or words[j].text[:1].isupper()
    ):
        j += 1
    return j


def contribution_cues(words: Sequence[Word], rules: Rules) -> list[Cue]:
    """Named contributions after "we propose", "called", ... and in "X, a ... model"."""
    out: list[Cue] = []
    lows = [w.text.lower() for w in words]
    n = len(words)
    firsts = rules.name_cue_firsts
    for i in range(n):
        if lows[i] not in firsts:
            continue
        for k in (1, 2, 3):
            if i + k > n or " ".join(lows[i:i + k]) not in rules.name_cues:
                continue
            j = i + k
            # skip determiners and generic words, but not too far
            limit = min(n, j + 6)
            while j < limit and lows[j] in _SKIP and not is_name_like(words[j].text):
                j += 1
            if j < n and (is_name_like(words[j].text) or
                          (words[j].text[:1].isupper() and not words[j].sent_start)):
                e = _name_run(words, j)
                if e > j:
                    hint = None
                    if e < n and lows[e].rstrip("s") in _CONTRIB_HEADS_DATA:
                        hint = "dataset"
                    out.append(Cue(j, e, hint or _apposition_type(lows, e)))
            break
    # "X, a ... framework/model"
    for i in range(n - 2):
        if (lows[i + 2] in ("a", "an") and words[i + 1].text == ","
                and is_name_like(words[i].text)):
            out.append(Cue(i, i + 1, _apposition_type(lows, i + 1)))
    return out


_APPOSITION_STOP = frozenset({",", ".", ";", ":", "(", ")", "that", "which", "with", "for",
                              "of", "to", "and", "where", "who"})


def _apposition_type(lows: Sequence[str], i: int) -> str | None:
    """``"dataset"`` when the name before ``lows[i]`` is followed by an apposition headed
    by a dataset word: "GEMRec-18K, a prompt-model interaction dataset with ...",
    "SurfaceBench, first comprehensive benchmark for ..."."""
    if i >= len(lows) or lows[i] != ",":
        return None
    for j in range(i + 1, min(len(lows), i + 9)):
        if lows[j] in _APPOSITION_STOP:
            return None
        if singular(lows[j]) in _CONTRIB_HEADS_DATA:
            return "dataset"
    return None


def dataset_cues(words: Sequence[Word]) -> list[Cue]:
    """Name-shaped words in dataset contexts ("datasets such as X and Y", "trained on X")."""
    out: list[Cue] = data_of_cues(words)
    lows = [w.text.lower() for w in words]
    n = len(words)
    for i in range(n):
        if lows[i] not in _DATA_CUE_FIRST:
            continue
        for cue in _DATA_LIST_CUES:
            k = len(cue)
            if tuple(lows[i:i + k]) != cue:
                continue
            j = i + k
            if j < n and lows[j] in ("the", "a"):
                j += 1
            # a list: X, Y and Z
            while j < n:
                w = words[j]
                if w.tag == "NOUN" and (is_name_like(w.text) or
                                        (w.text[:1].isupper() and not w.sent_start)):
                    e = _name_run(words, j)
                    out.append(Cue(j, e, "dataset"))
                    j = e
                    if j < n and lows[j] in (",", "and", "or"):
                        j += 1
                        if j < n and lows[j] == "and":
                            j += 1
                        continue
                break
    return out


def data_of_cues(words: Sequence[Word]) -> list[Cue]:
    """A capitalised name before "data" names a dataset: "the latest Planck data" (the
    name without "data"). Acronyms and CamelCase words are left to the other rules: "MRI
    data", "LLM data" name a kind of data, not a dataset."""
    out: list[Cue] = []
    for i in range(1, len(words)):
        if words[i].text != "data":
            continue
        j = i
        while j > 0 and words[j - 1].tag == "NOUN" and not words[j - 1].sent_start and (
                words[j - 1].text[:1].isupper() and words[j - 1].text[1:].islower()):
            j -= 1
        if j < i and not (j and words[j - 1].text == ":") and not words[j].text.endswith("ing"):
            # not after a colon, which may start a sentence ("...: Fixing data, ...")
            out.append(Cue(j, i, "dataset"))
    return out


def name_words(words: Sequence[Word]) -> list[Cue]:
    """Every name-shaped word not at a sentence start of a title-cased text."""
    return [Cue(i, i + 1, None) for i, w in enumerate(words)
            if w.tag == "NOUN" and is_name_like(w.text)]
