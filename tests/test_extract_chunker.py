"""Tagger-free noun-phrase chunker."""

from __future__ import annotations

import re

import pytest

from paperkg.extract.chunker import chunk_words, is_name_like, merge_words, tag_words
from paperkg.extract.rules import load_rules


def _tokens(text: str) -> list[tuple[str, int, bool]]:
    # spaCy-like tokens: words, and hyphens between letters as separate tokens
    out = []
    for m in re.finditer(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]", text):
        end = m.end()
        out.append((m.group(), m.start(), end < len(text) and text[end].isspace()))
    return out


def _chunks(text: str, **kw) -> list[str]:
    rules = load_rules()
    return [text[c.start:c.end] for c in chunk_words(tag_words(_tokens(text), rules, **kw), rules)]


def test_chunker_hyphenated_words_merge() -> None:
    words = merge_words(_tokens("the Fokker-Planck equation"))
    assert [w[0] for w in words] == ["the", "Fokker-Planck", "equation"]


def test_chunker_math_head_noun_phrase() -> None:
    text = "We study the Fokker-Planck equation on a compact manifold."
    assert "Fokker-Planck equation" in _chunks(text)


def test_chunker_participle_modifier_but_not_verb() -> None:
    text = "applying the shifted symmetric power method. We obtained results."
    chunks = _chunks(text)
    assert "shifted symmetric power method" in chunks
    assert not any("obtained" in c for c in chunks)


def test_chunker_generic_leading_adjectives_trimmed() -> None:
    assert _chunks("a novel efficient neural operator") == ["neural operator"]


def test_chunker_plural_verb_splits_run() -> None:
    chunks = _chunks("the function space possesses natural symmetries")
    assert "function space" in chunks


@pytest.mark.parametrize("word", ["ResNet-50", "GPT-4", "S2SNet", "h-MDS", "LRM-Zero", "FunBaT"])
def test_chunker_name_like_words(word: str) -> None:
    assert is_name_like(word)


@pytest.mark.parametrize("word", ["Three-Layer", "ML-based", "Method", "tensor", "2023"])
def test_chunker_not_name_like_words(word: str) -> None:
    assert not is_name_like(word)
