"""The phrase table: abstract counts of phrases, and the features read from them."""

from __future__ import annotations

import numpy as np
import pytest

from paperkg.errors import ExtractionError
from paperkg.extract.learned import phrase_features
from paperkg.phrases import (
    MAX_WORDS,
    PhraseCounts,
    load_phrase_counts,
    phrase_hash,
    phrase_words,
)


def test_phrase_words_fold_case_accents_punctuation_and_plurals():
    assert phrase_words("Gaussian Processes") == ["gaussian", "process"]
    assert phrase_words("Schrödinger-bridge models,") == ["schrodinger", "bridge", "model"]
    assert phrase_words("  ") == []


def test_shipped_table_knows_fixed_phrases_of_the_field():
    table = load_phrase_counts()
    assert table.abstracts > 50_000
    gp = table.count(phrase_words("Gaussian process"))
    assert gp > 100
    # a fixed phrase is about as common as its last word's share of it; a chunk with a
    # stray modifier is far rarer than the phrase without it
    assert table.count(phrase_words("stochastic gradient descent")) > 0.3 * table.count(
        phrase_words("gradient descent"))
    assert table.count(phrase_words("feedforward stochastic depth network")) < 3
    assert table.count(phrase_words("zqxv unheard blorp")) == 0
    assert table.count(["a"] * (MAX_WORDS + 1)) == 0
    assert table.count([]) == 0


def test_table_round_trip_and_lookup_by_binary_search(tmp_path):
    words = [["neural", "operator"], ["fourier", "neural", "operator"], ["pde"]]
    hashes = np.array(sorted(phrase_hash(w) for w in words), dtype=np.uint32)
    counts = {phrase_hash(w): c for w, c in zip(words, (40, 12, 300), strict=True)}
    table = PhraseCounts(hashes, np.array([counts[h] for h in hashes]), abstracts=1000)
    table.save(tmp_path / "t.npz")
    back = load_phrase_counts(tmp_path / "t.npz")
    assert back.abstracts == 1000
    assert [back.count(w) for w in words] == [40, 12, 300]
    assert back.count(["operator"]) == 0


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_broken_table_is_one_clear_error(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ExtractionError, match="not a phrase table"):
        load_phrase_counts(path)


def test_phrase_features_tell_a_fixed_phrase_from_a_chunk_with_a_stray_word():
    table = load_phrase_counts()
    fixed = phrase_features("graph neural network", "none", table)
    stray = phrase_features("established graph neural network", "none", table)

    def value(feats, name):
        return next(int(f.split("=")[1]) for f in feats if f.startswith(f"{name}=") and "&" not in f)

    assert value(fixed, "df") > value(stray, "df")
    # without its first word the stray chunk is a much more common phrase
    assert value(stray, "cf") <= -3
    assert value(fixed, "cf") > value(stray, "cf")
