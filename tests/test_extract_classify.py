"""Typing and filtering of candidate phrases."""

from __future__ import annotations

import pytest

from paperkg.extract.classify import classify_phrase, head_type, is_debris
from paperkg.extract.rules import load_rules
from paperkg.text import match_key
from paperkg.vocab import Term, Vocabulary


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
    from paperkg.extract.chunker import Word
    from paperkg.extract.classify import classify_chunk, technical_words

    rules = load_rules()
    vocabulary = Vocabulary(terms=[
        Term(name="random variable", type="math", source="t"),
        Term(name="discrete random variable", type="math", source="t"),
        Term(name="metric space", type="math", source="t"),
        Term(name="global minimum", type="math", source="t"),
        Term(name="global optimum", type="math", source="t"),
        Term(name="symmetric matrix", type="math", source="t"),
        Term(name="symmetric tensor", type="math", source="t"),
    ])
    technical = technical_words(vocabulary, rules)

    def chunk(text: str) -> str | None:
        words = [Word(w, 0, len(w), "ADJ", False) for w in text.split()[:-1]]
        words.append(Word(text.split()[-1], 0, 1, "NOUN", False))
        return classify_chunk(words, rules, vocabulary, technical)

    # "global" is a technical math word, yet no term pairs it with "variable"
    assert chunk("global variable") is None
    assert chunk("privacy constraint") is None
    # the pair a term has, under another modifier, passes
    assert chunk("symmetric random variable") == "math"
    # a head that needs no pair keeps the looser rule
    assert chunk("symmetric manifold") == "math"


def test_classify_method_heads_need_a_vocabulary_pair() -> None:
    from paperkg.extract.chunker import Word
    from paperkg.extract.classify import classify_chunk, technical_words

    rules = load_rules()
    vocabulary = Vocabulary(terms=[
        Term(name="latent diffusion model", type="method", source="t"),
        Term(name="diffusion model", type="method", source="t"),
        Term(name="dense retrieval", type="method", source="t"),
        Term(name="dense passage retrieval", type="method", source="t"),
        Term(name="graph neural network", type="method", source="t"),
        Term(name="conditional random field", type="method", source="t"),
        Term(name="conditional variational autoencoder", type="method", source="t"),
    ])
    technical = technical_words(vocabulary, rules)

    def chunk(text: str) -> str | None:
        words = [Word(w, 0, len(w), "ADJ", False) for w in text.split()[:-1]]
        words.append(Word(text.split()[-1], 0, 1, "NOUN", False))
        return classify_chunk(words, rules, vocabulary, technical)

    # "dense" is a technical method word, yet no term pairs it with "model"
    assert chunk("dense model") is None
    assert chunk("compact decoder") is None
    assert chunk("parameter learning") is None
    # a pair the vocabulary has passes under another modifier; sized architectures pass
    assert chunk("conditional diffusion model") == "method"
    assert chunk("two-layer network") == "method"


def test_classify_descriptive_compound_modifier_is_no_math_name() -> None:
    from paperkg.extract.chunker import Word
    from paperkg.extract.classify import classify_chunk, technical_words

    rules = load_rules()
    vocabulary = Vocabulary(terms=[
        Term(name="error bound", type="math", source="t"),
        Term(name="higher-order function", type="math", source="t"),
        Term(name="higher-order derivative", type="math", source="t"),
        Term(name="random variable", type="math", source="t"),
    ])
    technical = technical_words(vocabulary, rules)

    def chunk(text: str) -> str | None:
        words = [Word(w, 0, len(w), "ADJ", False) for w in text.split()[:-1]]
        words.append(Word(text.split()[-1], 0, 1, "NOUN", False))
        return classify_chunk(words, rules, vocabulary, technical)

    assert chunk("layer-wise error bound") is None
    assert chunk("episode-wise random variable") is None
    assert chunk("higher-order tensor") == "math"


def test_classify_partition_is_a_math_head() -> None:
    assert head_type(["shortcut", "partition"], load_rules()) == "math"
