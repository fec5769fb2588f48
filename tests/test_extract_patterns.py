"""Cue patterns: titles, named contributions, dataset contexts."""

from __future__ import annotations

import re

import pytest

from paperkg.extract.chunker import tag_words
from paperkg.extract.patterns import (
    contribution_cues,
    dataset_cues,
    is_acronym,
    is_bench_name,
    title_as_name,
    title_name,
    title_name_type,
)
from paperkg.extract.rules import load_rules


def _words(text: str):
    toks = [(m.group(), m.start(), m.end() < len(text) and text[m.end()].isspace())
            for m in re.finditer(r"[A-Za-z0-9]+(?:-[A-Za-z0-9.]+)*|[^\sA-Za-z0-9]", text)]
    return tag_words(toks, load_rules())


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("InfiniCity: Infinite-Scale City Synthesis", "InfiniCity"),
        ("NuTime: Numerically Multi-Scaled Embedding", "NuTime"),
        ("Ghost on the Shell: An Expressive Representation", "Ghost on the Shell"),
        ("Unbounded: A Generative Infinite Game", "Unbounded"),
    ],
)
def test_patterns_title_name(title: str, name: str) -> None:
    span = title_name(title)
    assert span is not None and title[span[0]:span[1]] == name


@pytest.mark.parametrize("title", ["Gradient descent happens in a tiny subspace",
                                   "on the theory of everything: a long and winding subtitle here"])
def test_patterns_title_without_name(title: str) -> None:
    assert title_name(title) is None


def _cue_texts(words, cues) -> list[tuple[str, str | None]]:
    return [(" ".join(w.text for w in words[c.start:c.end]), c.type) for c in cues]


def test_patterns_we_propose_and_called() -> None:
    words = _words("In this paper we propose a novel framework called S2SNet for denoising.")
    assert ("S2SNet", None) in _cue_texts(words, contribution_cues(words, load_rules()))


def test_patterns_we_introduce_dataset() -> None:
    words = _words("We introduce Zeroverse dataset for training.")
    assert ("Zeroverse", "dataset") in _cue_texts(words, contribution_cues(words, load_rules()))


def test_patterns_dataset_lists() -> None:
    words = _words("We report results on datasets such as CIFAR-10, SVHN and ImageNet.")
    found = [t for t, _ in _cue_texts(words, dataset_cues(words))]
    assert found == ["CIFAR-10", "SVHN", "ImageNet"]


def test_patterns_acronym_shape() -> None:
    assert is_acronym("MCMC") and is_acronym("SS-HOPM") and not is_acronym("FunBaT")


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Beyond the Mean: Limit Theory for Random Graphs", None),
        ("Attention: A Survey of Mechanisms", None),
        ("Ghost on the Shell: An Expressive Representation", "Ghost on the Shell"),
        ("Unbounded: A Generative Infinite Game", "Unbounded"),
        ("S2SNet: Fast Denoising", "S2SNet"),
        ("Numba-Accelerated 2D Diffusion-Limited Aggregation: A Study", None),
        ("Elephant Neural Networks: Born to Learn", "Elephant Neural Networks"),
    ],
)
def test_patterns_title_name_needs_a_name_shaped_prefix(title: str, name: str | None) -> None:
    span = title_name(title, load_rules())
    assert (None if span is None else title[span[0]:span[1]]) == name


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Quorvex: A Benchmark to Evaluate Attribution Methods", "dataset"),
        ("Quorvex: A Large-Scale Dataset of Synthetic Scenes", "dataset"),
        ("QuorvexBench: Can Agents Plan?", "dataset"),
        ("Quorvex: A Generative Infinite Game", None),
        ("Quorvex: Scaling Benchmarks for Agents", None),  # the subtitle is no apposition
    ],
)
def test_patterns_title_name_type_benchmarks(title: str, kind: str | None) -> None:
    span = title_name(title, load_rules())
    assert span is not None
    assert title_name_type(title, span[1]) == kind


@pytest.mark.parametrize(("text", "bench"), [("SurfaceBench", True), ("SWE-bench", True),
                                             ("MMBench", True), ("Bench", False),
                                             ("benchmark", False), ("Benchmarking", False)])
def test_patterns_is_bench_name(text: str, bench: bool) -> None:
    assert is_bench_name(text) is bench


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Idempotent Quorvex Network", "Idempotent Quorvex Network"),
        ("Fractal Generative Models", "Fractal Generative Models"),
        ("Deep Neural Networks", None),           # all common words
        ("Scaling Laws", None),                   # no method head
        ("Learning with Quorvex Networks", None),  # a closed-class word: a description
        ("Gradient descent happens in a tiny subspace", None),
        ("A Quorvex Approach", None),             # a generic head needs a real name
        ("Scaling Quorvex Diffusion Models", None),  # a gerund phrase
    ],
)
def test_patterns_title_as_name(title: str, name: str | None) -> None:
    span = title_as_name(title, load_rules())
    assert (title[span[0]:span[1]] if span else None) == name


def test_patterns_gerund_title_prefix_is_no_name() -> None:
    rules = load_rules()
    assert title_name("Compressing Neural Networks: Towards Optimal Ranks", rules) is None
    assert title_name("Quorvex Networks: Towards Optimal Ranks", rules) is not None


def test_patterns_title_as_name_before_a_known_term() -> None:
    rules = load_rules()
    known = {"schrodinger bridge", "transformer"}.__contains__

    def lookup(text: str) -> bool:
        return known(text.lower().replace("ö", "o").rstrip("s"))

    title = "Light Schrödinger Bridge"
    assert title_as_name(title, rules, lookup) == (0, len(title))
    assert title_as_name("Efficient Transformers", rules, lookup) is None  # generic modifier
    assert title_as_name("Light Schrödinger Bridge", rules) is None  # no vocabulary given
