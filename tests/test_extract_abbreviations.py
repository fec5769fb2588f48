"""Schwartz & Hearst abbreviation definitions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.extract.abbreviations import (
    best_long_form,
    find_abbreviations,
    is_short_form,
    last_word,
)


@pytest.mark.parametrize(
    ("text", "long_form", "short_form"),
    [
        ("We introduce the Subspace Power Method (SPM) for tensors.", "Subspace Power Method", "SPM"),
        ("the shifted symmetric higher-order power method (SS-HOPM) to", "shifted symmetric higher-order power method", "SS-HOPM"),
        ("a Fourier Neural Operator (FNO) learns", "Fourier Neural Operator", "FNO"),
        ("solving partial differential equations (PDEs) fast", "partial differential equations", "PDEs"),
        ("Functional Bayesian Tucker Decomposition (FunBaT) is", "Functional Bayesian Tucker Decomposition", "FunBaT"),
        ("we use SGD (stochastic gradient descent) here", "stochastic gradient descent", "SGD"),
    ],
)
def test_abbreviations_long_and_short_forms(text: str, long_form: str, short_form: str) -> None:
    (a,) = find_abbreviations(text)
    assert (a.long_form, a.short_form) == (long_form, short_form)
    assert text[a.long_start:a.long_end] == long_form
    assert text[a.short_start:a.short_end] == short_form


@pytest.mark.parametrize(
    "text",
    [
        "as shown before (see above) it works",
        "the rate is O(n) in (i) and (ii)",
        "the model (Smith 2020) works",
        "a random thing (XYZ) happens",
    ],
)
def test_abbreviations_non_definitions_ignored(text: str) -> None:
    assert find_abbreviations(text) == []


def test_abbreviations_short_form_shape() -> None:
    assert is_short_form("SPM") and is_short_form("SS-HOPM") and is_short_form("FunBaT")
    assert not is_short_form("i") and not is_short_form("see above") and not is_short_form("2020")


def test_abbreviations_first_letter_must_start_a_word() -> None:
    # "M" of "Method" cannot start the match of "PM" inside "SPM" in "Spower"
    assert best_long_form("SPM", "Subspace Power Method") == 0
    assert best_long_form("XYZ", "a random thing") is None


def test_abbreviations_short_form_with_the_shared_head() -> None:
    text = "or use the Newton-Schulz iteration (NS iteration) to derive it"
    (a,) = find_abbreviations(text)
    assert (a.long_form, a.short_form) == ("Newton-Schulz iteration", "NS iteration")
    assert text[a.long_start:a.long_end] == a.long_form
    assert text[a.short_start:a.short_end] == a.short_form
    # a two-word parenthesis whose second word is not the head is no definition
    assert find_abbreviations("the Newton-Schulz iteration (NS method) is") == []


_SPACES = " \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u2028\u3000"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ(),;:.-é字" + _SPACES), max_size=30),
       st.integers(min_value=0, max_value=35))
def test_last_word_is_the_regex_search_it_replaces(text: str, end: int) -> None:
    """last_word gives the span of re.search(r"(\\S+)\\s*$", text[:end]) (empty: no match),
    for every kind of whitespace Python's \\s knows."""
    end = min(end, len(text))
    found = re.search(r"(\S+)\s*$", text[:end])
    start, stop = last_word(text, end)
    if found is None:
        assert start == stop
    else:
        assert (start, stop) == found.span(1)


def test_sf_long_form_definition_after_whitespace_of_all_kinds() -> None:
    for space in (" ", "\u00a0", "\n", "\u2003"):
        text = f"we use SGD{space}(stochastic gradient descent) here"
        (a,) = find_abbreviations(text)
        assert (a.short_form, a.long_form) == ("SGD", "stochastic gradient descent")
        assert text[a.short_start:a.short_end] == "SGD"
