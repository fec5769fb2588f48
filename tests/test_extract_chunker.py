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


@pytest.mark.parametrize(
    ("text", "bad", "good"),
    [
        ("We study smooth linear statistics of eigenvalues.", "study smooth linear statistics",
         "smooth linear statistics"),
        ("Such networks admit infinite-width limits here.", "admit infinite-width", None),
        ("A method by estimating OT maps from samples.", "estimating OT maps", "OT maps"),
        ("Fitting OT maps is hard.", "Fitting OT maps", "OT maps"),
        ("Models can cause latent collapse.", "cause latent collapse", "latent collapse"),
        ("It is used to study smooth linear statistics.", "study smooth linear statistics",
         "smooth linear statistics"),
    ],
)
def test_chunker_verbs_do_not_start_chunks(text: str, bad: str, good: str | None) -> None:
    chunks = _chunks(text)
    assert bad not in chunks
    assert not any(c.split()[0] in ("study", "admit", "estimating", "Fitting", "cause")
                   for c in chunks)
    if good is not None:
        assert good in chunks


def test_chunker_pdf_broken_hyphen_is_one_word() -> None:
    words = merge_words(_tokens("a general- purpose PDE model"))
    assert [w[0] for w in words] == ["a", "general-purpose", "PDE", "model"]
    assert "purpose PDE model" not in _chunks("a general- purpose PDE model")


def test_chunker_unit_like_version_suffix_joined() -> None:
    words = merge_words(_tokens("trained on FooBar-2M and more"))
    assert "FooBar-2M" in [w[0] for w in words]


def test_chunker_markup_debris_breaks_chunks() -> None:
    rules = load_rules()
    tags = {w.text: w.tag for w in tag_words([("datax2014the", 0, True), ("method", 13, False)],
                                             rules)}
    assert tags["datax2014the"] == "PUNCT"
    assert tag_words([("Step~9", 0, False)], rules)[0].tag == "PUNCT"


def test_chunker_singular_words_in_s_are_not_verbs() -> None:
    assert "Taylor series expansion" in _chunks("A Taylor series expansion of the loss.")


def test_chunker_adverb_fragment_not_a_chunk() -> None:
    chunks = _chunks("We fit partially separable models to the data.")
    assert "separable models" not in chunks


def test_chunker_plural_verb_after_a_determined_subject() -> None:
    # "a Transformer encoder maps the ...": "maps" is the verb, not a head noun
    chunks = _chunks("Furthermore, a Transformer encoder maps the global boundary geometry.")
    assert "Transformer encoder" in chunks
    assert not any("maps" in c for c in chunks)
    # a plural inside a prepositional phrase is still a noun
    assert "random vector fields" in _chunks("converge to Neural CDEs with random vector "
                                             "fields which depend on the weights")


def test_chunker_gerund_after_a_comma_takes_an_object() -> None:
    chunks = _chunks("Despite their elegance, fitting OT maps with ICNNs raises challenges.")
    assert "OT maps" in chunks and not any(c.startswith("fitting") for c in chunks)


def test_chunker_progressive_verb_after_be_is_no_modifier() -> None:
    chunks = _chunks("A burgeoning paradigm is learning neural operators for PDEs.")
    assert "neural operators" in chunks
    assert not any(c.startswith("learning") for c in chunks)


def test_chunker_general_purpose_split_is_trimmed() -> None:
    # "general purpose" without a hyphen: "general" is trimmed, so "purpose" must be too
    chunks = _chunks("an effective, general purpose PDE foundation model.")
    assert not any(c.startswith("purpose") for c in chunks)
