"""Typing and filtering of candidate phrases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from paperkg.extract.classify import classify_phrase, head_type, is_debris
from paperkg.extract.rules import load_rules
from paperkg.text import match_key
from paperkg.vocab import Term, Vocabulary


def _chunk_classifier(terms: list[tuple[str, str]]) -> Callable[[str], str | None]:
    """``classify_chunk`` over a vocabulary of ``(name, type)`` terms, for phrases given
    as text: every word but the last tagged ADJ, the last NOUN."""
    from paperkg.extract.chunker import Word
    from paperkg.extract.classify import classify_chunk, technical_words

    rules = load_rules()
    vocabulary = Vocabulary(terms=[Term(name=n, type=t, source="t") for n, t in terms])
    technical = technical_words(vocabulary, rules)

    def chunk(text: str) -> str | None:
        words = [Word(w, 0, len(w), "ADJ", False) for w in text.split()[:-1]]
        words.append(Word(text.split()[-1], 0, 1, "NOUN", False))
        return classify_chunk(words, rules, vocabulary, technical)

    return chunk


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary(
        terms=[Term(name="gradient descent", type="method", source="t")],
        generic=frozenset(match_key(s) for s in ["our method", "the proposed framework",
                                                 "experiments"]),
        tasks=frozenset({match_key("image classification")}),
        metrics=frozenset({match_key("accuracy")}),
    )


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Fokker-Planck equation", "math"),
        ("Hilbert space", "math"),
        ("perceptron algorithm", "method"),
        ("neural operator", "method"),
        ("Koopman operator", "math"),
        ("ImageNet benchmark", "dataset"),
        # a named multi-word component with an ambiguous head is a method
        ("Adaptive Time Channel Decomposition module", "method"),
        # decompositions and factorizations are done, so methods
        ("low-rank decomposition", "method"),
        ("low-rank factorization", "method"),
    ],
)
def test_classify_head_nouns(phrase: str, expected: str) -> None:
    assert head_type(phrase.split(), load_rules()) == expected


@pytest.mark.parametrize("phrase", ["our method", "the proposed framework", "experiments",
                                    "image classification", "accuracy", "novel framework"])
def test_classify_stop_listed_phrases_rejected(phrase: str, vocab: Vocabulary) -> None:
    assert classify_phrase(phrase.split(), load_rules(), vocab) is None


def test_classify_gazetteer_type_wins(vocab: Vocabulary) -> None:
    assert classify_phrase(["gradient", "descent"], load_rules(), vocab) == "method"


@pytest.mark.parametrize("text", ["Smith2020", "Doshi et al.", "AGG14", "\\alpha", "{x}", "(1"])
def test_classify_debris(text: str) -> None:
    assert is_debris(text)


@pytest.mark.parametrize("text", ["Step~9", "datax2014the method", "data&#x2014;the"])
def test_classify_markup_debris(text: str) -> None:
    assert is_debris(text)


def test_classify_paired_heads_need_a_vocabulary_pair() -> None:
    chunk = _chunk_classifier([
        ("random variable", "math"),
        ("discrete random variable", "math"),
        ("metric space", "math"),
        ("global minimum", "math"),
        ("global optimum", "math"),
        ("symmetric matrix", "math"),
        ("symmetric tensor", "math"),
    ])

    # "global" is a technical math word, yet no term pairs it with "variable"
    assert chunk("global variable") is None
    assert chunk("privacy constraint") is None
    # the pair a term has, under another modifier, passes
    assert chunk("symmetric random variable") == "math"
    # a head that needs no pair keeps the looser rule
    assert chunk("symmetric manifold") == "math"


def test_classify_method_heads_need_a_vocabulary_pair() -> None:
    chunk = _chunk_classifier([
        ("latent diffusion model", "method"),
        ("diffusion model", "method"),
        ("dense retrieval", "method"),
        ("dense passage retrieval", "method"),
        ("graph neural network", "method"),
        ("conditional random field", "method"),
        ("conditional variational autoencoder", "method"),
    ])

    # "dense" is a technical method word, yet no term pairs it with "model"
    assert chunk("dense model") is None
    assert chunk("compact decoder") is None
    assert chunk("parameter learning") is None
    # a pair the vocabulary has passes under another modifier; sized architectures pass
    assert chunk("conditional diffusion model") == "method"
    assert chunk("two-layer network") == "method"


def test_classify_descriptive_compound_modifier_is_no_math_name() -> None:
    chunk = _chunk_classifier([
        ("error bound", "math"),
        ("higher-order function", "math"),
        ("higher-order derivative", "math"),
        ("random variable", "math"),
    ])

    assert chunk("layer-wise error bound") is None
    assert chunk("episode-wise random variable") is None
    assert chunk("higher-order tensor") == "math"


def test_classify_partition_is_a_math_head() -> None:
    assert head_type(["shortcut", "partition"], load_rules()) == "math"
