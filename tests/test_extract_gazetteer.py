"""Vocabulary matching with the Aho-Corasick gazetteer."""

from __future__ import annotations

import pickle

import pytest

from paperkg.extract.gazetteer import Gazetteer, fold_text
from paperkg.text import match_key
from paperkg.vocab import Term, Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    terms = [
        Term(name="Fokker-Planck equation", type="math", source="t"),
        Term(name="Schrödinger bridge", type="math", source="t"),
        Term(name="Markov chain", type="math", source="t"),
        Term(name="Markov chain Monte Carlo", type="method", aliases=["MCMC"], source="t"),
        Term(name="Adam", type="method", case_sensitive=True, source="t"),
        Term(name="CIFAR-10", type="dataset", aliases=["CIFAR10"], source="t"),
        Term(name="DataComp", type="dataset", source="t"),
        Term(name="LAION", type="dataset", source="t"),
        Term(name="sequential Monte Carlo", type="method", aliases=["SMC"],
             case_sensitive=True, source="t"),
    ]
    return Gazetteer(Vocabulary(terms=terms, generic=frozenset({match_key("our method")})))


def _found(g: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(text[h.start:h.end], h.term.name) for h in g.find(text)]


def test_gazetteer_fold_keeps_length() -> None:
    text = "Schrödinger–Föllmer İ"
    assert len(fold_text(text)) == len(text)
    assert fold_text("Fokker-Planck") == "fokker planck"


def test_gazetteer_variants_and_plurals(gazetteer: Gazetteer) -> None:
    text = "Fokker–Planck equations, Schrodinger bridges and cifar10."
    assert _found(gazetteer, text) == [
        ("Fokker–Planck equations", "Fokker-Planck equation"),
        ("Schrodinger bridges", "Schrödinger bridge"),
        ("cifar10", "CIFAR-10"),
    ]


def test_gazetteer_longest_match_wins(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "Markov chain Monte Carlo sampling") == [
        ("Markov chain Monte Carlo", "Markov chain Monte Carlo")]


def test_gazetteer_whole_words_only(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "semiMarkov chainsaw") == []


def test_gazetteer_case_sensitive_terms(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "we use Adam") == [("Adam", "Adam")]
    assert _found(gazetteer, "we adam it") == []


def test_gazetteer_picklable(gazetteer: Gazetteer) -> None:
    clone = pickle.loads(pickle.dumps(gazetteer))
    assert _found(clone, "an MCMC run") == [("MCMC", "Markov chain Monte Carlo")]


def test_gazetteer_versioned_name_is_its_own_surface(gazetteer: Gazetteer) -> None:
    text = "trained on DataComp-1.4B."
    (hit,) = gazetteer.find(text)
    assert text[hit.start:hit.end] == "DataComp-1.4B" and hit.versioned


def test_gazetteer_hyphen_prefixed_name_not_matched(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "the Re-LAION corpus") == []


def test_gazetteer_sentence_case_of_case_sensitive_term(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "Sequential Monte Carlo works") == [
        ("Sequential Monte Carlo", "sequential Monte Carlo")]
    assert _found(gazetteer, "SEQUENTIAL MONTE CARLO") == []


def test_gazetteer_listed_version_alias_is_its_own_variant() -> None:
    vocab = Vocabulary(terms=[Term(name="ResNet", type="method", source="t",
                                   aliases=["ResNet-50", "residual network"])])
    hits = {("ResNet-50 and ResNet and residual network"[h.start:h.end], h.versioned)
            for h in Gazetteer(vocab).find("ResNet-50 and ResNet and residual network")}
    assert hits == {("ResNet-50", True), ("ResNet", False), ("residual network", False)}


def test_gazetteer_reads_latex_accents_with_original_offsets(gazetteer: Gazetteer) -> None:
    text = 'computational Schr\\"odinger Bridges (SB) and Schr\\"{o}dinger bridge'
    hits = gazetteer.find(text)
    assert [text[h.start:h.end] for h in hits] == [
        'Schr\\"odinger Bridges', 'Schr\\"{o}dinger bridge']
    assert {h.term.name for h in hits} == {"Schrödinger bridge"}


def test_gazetteer_latex_dash_and_lost_character_reference() -> None:
    gaz = Gazetteer(load_vocabulary())
    text = "the implicit Rao--Blackwellization of it; local Fr\\'echet regressionx2014which"
    found = {text[h.start:h.end]: h.term.name for h in gaz.find(text)}
    assert found.get("Rao--Blackwellization") == "Rao-Blackwellization"
    assert found.get("Fr\\'echet regression") == "Fréchet regression"
