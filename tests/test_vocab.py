"""Tests for paperkg.vocab: the gazetteer schema, the loader and lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperkg.errors import VocabularyError
from paperkg.text import match_key
from paperkg.vocab import (
    DEFAULT_VOCAB_DIR,
    Term,
    load_vocabulary,
    read_stop_list,
    read_terms,
)

HEADER = "name\taliases\tcase\n"


@pytest.fixture(scope="session")
def shipped():
    return load_vocabulary()


def _write_vocab(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- shipped data -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    sorted(DEFAULT_VOCAB_DIR.glob("*/*.tsv")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_vocab_shipped_tsv_validates(path: Path):
    terms = read_terms(path, path.parent.name)
    assert terms, f"{path} holds no term"
    assert all(t.source == path.name for t in terms)


@pytest.mark.parametrize("path", sorted(DEFAULT_VOCAB_DIR.glob("stop/*.txt")), ids=lambda p: p.name)
def test_vocab_shipped_stop_list_validates(path: Path):
    assert read_stop_list(path)


def test_vocab_shipped_dirs_are_known_types():
    dirs = {p.name for p in DEFAULT_VOCAB_DIR.iterdir() if p.is_dir()}
    assert dirs <= {"method", "dataset", "math", "stop"}


def test_vocab_shipped_loads_every_type(shipped):
    types = {t.type for t in shipped.terms}
    assert {"method", "dataset"} <= types
    assert shipped.generic and shipped.tasks and shipped.metrics


def test_vocab_shipped_is_cached():
    assert load_vocabulary() is load_vocabulary()


def test_vocab_shipped_known_terms(shipped):
    assert any(t.type == "method" for t in shipped.lookup("Fourier Neural Operator"))
    assert any(t.type == "method" for t in shipped.lookup("FNO"))
    assert any(t.type == "dataset" for t in shipped.lookup("CIFAR10"))
    assert any(t.type == "dataset" for t in shipped.lookup("ImageNet"))
    assert any(t.name == "Adam" for t in shipped.lookup("Adam"))
    # "adam" in lower case is a word fragment / name, not the optimiser
    assert not any(t.name == "Adam" for t in shipped.lookup("adam"))


def test_vocab_shipped_stop_lists_are_not_entities(shipped):
    """A stop-listed phrase (generic, task, metric) must not also be a method or dataset name."""
    stops = shipped.generic | shipped.tasks | shipped.metrics
    clashes = []
    for term in shipped.terms:
        if term.type == "math":
            continue
        for form in term.forms:
            if match_key(form) in stops:
                clashes.append((term.source, form))
    assert not clashes


def test_vocab_shipped_stop_kinds(shipped):
    assert shipped.stop_kind("our method") == "generic"
    assert shipped.stop_kind("Image Classification") == "tasks"
    assert shipped.stop_kind("FID") == "metrics"
    assert shipped.stop_kind("Transformer") is None


# --- lookup semantics ---------------------------------------------------------------


def test_vocab_lookup_alias_plural_hyphen_accent(tmp_path: Path):
    root = _write_vocab(
        tmp_path,
        {
            "method/a.tsv": HEADER + "Fourier Neural Operator\tFNO|Fourier neural op\t\n",
            "math/b.tsv": HEADER + "Schrödinger bridge\t\t\n",
        },
    )
    vocab = load_vocabulary(root)
    assert [t.name for t in vocab.lookup("fourier neural operators")] == ["Fourier Neural Operator"]
    assert [t.name for t in vocab.lookup("FNOs")] == ["Fourier Neural Operator"]
    assert [t.name for t in vocab.lookup("Fourier-Neural Operator")] == ["Fourier Neural Operator"]
    assert [t.type for t in vocab.lookup("Schrodinger bridges")] == ["math"]
    assert vocab.lookup("neural operator") == []


def test_vocab_lookup_case_sensitive_term(tmp_path: Path):
    root = _write_vocab(
        tmp_path,
        {"method/a.tsv": HEADER + "Adam\tAdam optimizer\t1\nGenerative Adversarial Network\tGAN\t1\n"},
    )
    vocab = load_vocabulary(root)
    assert [t.name for t in vocab.lookup("Adam")] == ["Adam"]
    assert vocab.lookup("adam") == []
    assert vocab.lookup("ADAM") == []
    assert [t.name for t in vocab.lookup("Adam Optimizer")] == []
    assert [t.name for t in vocab.lookup("Adam optimizers")] == ["Adam"]
    assert [t.name for t in vocab.lookup("GANs")] == ["Generative Adversarial Network"]
    assert vocab.lookup("gan") == []


def test_vocab_lookup_same_key_in_two_files_keeps_load_order(tmp_path: Path):
    root = _write_vocab(
        tmp_path,
        {
            "method/a.tsv": HEADER + "Gaussian process\tGP\t\n",
            "math/a.tsv": HEADER + "Gaussian process\t\t\n",
        },
    )
    vocab = load_vocabulary(root)
    assert [t.type for t in vocab.lookup("Gaussian processes")] == ["method", "math"]
    assert [t.name for t in vocab.by_type("math")] == ["Gaussian process"]
    assert ("GP", vocab.terms[0]) in list(vocab.surfaces())


def test_vocab_term_is_strict():
    with pytest.raises(ValueError):
        Term(name="X", type="method", source="x.tsv", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Term(name="X", type="task", source="x.tsv")  # type: ignore[arg-type]


def test_vocab_comments_and_blank_lines_skipped(tmp_path: Path):
    path = tmp_path / "m.tsv"
    path.write_text("# about this file\n\n" + HEADER + "# a note\nLSTM\tlong short-term memory\t\n\n")
    terms = read_terms(path, "method")
    assert [(t.name, t.aliases, t.case_sensitive) for t in terms] == [
        ("LSTM", ["long short-term memory"], False)
    ]


# --- malformed files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        ("name\taliases\n", 1, "header"),
        (HEADER + "BERT\t\t1\nGPT\t\n", 3, "3 tab-separated columns"),
        (HEADER + "BERT\t\t1\n\t\t\n", 3, "empty name"),
        (HEADER + "BERT\t\tyes\n", 2, "case flag"),
        (HEADER + "BERT\t\t1\nRoBERTa\t\t\nbert\t\t\n", 4, "duplicate name"),
        (HEADER + "BERT\tBidirectional Encoder||x\t1\n", 2, "empty alias"),
        ("# only a comment\n", 1, "missing header"),
    ],
)
def test_vocab_malformed_file_names_file_and_line(tmp_path: Path, body: str, line: int, what: str):
    root = _write_vocab(tmp_path, {"method/bad.tsv": body})
    with pytest.raises(VocabularyError) as info:
        load_vocabulary(root)
    message = str(info.value)
    assert f"bad.tsv:{line}:" in message
    assert what in message


def test_vocab_unknown_stop_list_rejected(tmp_path: Path):
    root = _write_vocab(tmp_path, {"stop/colours.txt": "red\n"})
    with pytest.raises(VocabularyError, match="colours.txt"):
        load_vocabulary(root)


def test_vocab_stop_list_holds_match_keys(tmp_path: Path):
    root = _write_vocab(tmp_path, {"stop/tasks.txt": "# tasks\nImage Classification\n\n"})
    vocab = load_vocabulary(root)
    assert vocab.tasks == frozenset({"image classification"})
    assert vocab.is_stop("image classifications")
    assert not vocab.is_stop("image")


def test_vocab_missing_dir_raises(tmp_path: Path):
    with pytest.raises(VocabularyError, match="not found"):
        load_vocabulary(tmp_path / "nope")


def test_vocab_lookup_lowercase_form_of_case_sensitive_term_is_loose(tmp_path: Path):
    root = _write_vocab(
        tmp_path,
        {
            "method/a.tsv": HEADER
            + "Contrastive Language-Image Pre-training\tCLIP|contrastive language-image pre-training\t1\n"
        },
    )
    vocab = load_vocabulary(root)
    name = "Contrastive Language-Image Pre-training"
    assert [t.name for t in vocab.lookup("CLIP")] == [name]
    assert vocab.lookup("clip") == []
    assert [t.name for t in vocab.lookup("Contrastive language-image pretraining")] == []
    assert [t.name for t in vocab.lookup("contrastive Language-Image pre-training")] == [name]


# --- the derived files and their build script -----------------------------------------

COMMON_WORDS = {
    "attention", "convolution", "electric", "gravity", "base", "aware", "line", "run", "hope",
    "nice", "use", "modern", "dance", "smith", "grab", "demon", "florence", "primer", "parrot",
    "adapter", "heatmap", "classifier", "amazon", "wikipedia", "netflix", "clip", "palm", "sam",
}


@pytest.mark.parametrize("rel", ["method/pwc.tsv", "method/scirex.tsv", "dataset/scirex.tsv"])
def test_vocab_derived_files_have_no_loose_common_word(rel: str):
    """Regression: PwC lists "Attention", "BASE", "LINE" ... as method names."""
    path = DEFAULT_VOCAB_DIR / rel
    loose = set()
    for term in read_terms(path, path.parent.name):
        for form in term.forms:
            if not term.case_sensitive or form == form.lower():
                loose.add(match_key(form))
    assert not loose & COMMON_WORDS


def test_vocab_shipped_case_sensitive_acronym_of_pwc_term():
    vocab = load_vocabulary()
    # PwC "AWARE" (a graph network) must not fire on the English word.
    assert not vocab.lookup("aware")
    assert vocab.lookup("clip") == []
    assert any(t.name == "Contrastive Language-Image Pre-training" for t in vocab.lookup("CLIP"))


def _tool():
    pytest.importorskip("wordfreq")
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tools" / "make_pwc_vocab.py"
    spec = importlib.util.spec_from_file_location("make_pwc_vocab", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_vocab_tool_judges_forms():
    tool = _tool()
    assert tool.judge("Attention") == "drop"
    assert tool.judge("BASE") == "strict"
    assert tool.judge("Linear Layer") == "strict"
    assert tool.judge("Fourier Neural Operator") == "ok"
    assert tool.judge("GA") == "drop"
    assert tool.make_term(["Residual Attention Network", "RAN"]) == (
        "Residual Attention Network",
        [],
        False,
    )
    assert tool.make_term(["Attentive Walk-Aggregating Graph Neural Network", "AWARE"]) == (
        "Attentive Walk-Aggregating Graph Neural Network",
        ["AWARE", "attentive walk-aggregating graph neural network"],
        True,
    )
    assert tool.make_term(["Fourier Neural Operator", "FNO"]) == ("Fourier Neural Operator", [], False)
    assert tool.make_term(["Graph Attention Network", "GATv2"]) == ("Graph Attention Network", ["GATv2"], False)
    assert tool.make_term(["Electric"]) is None


def test_vocab_lookup_plural_in_ses() -> None:
    from paperkg.vocab import Term, Vocabulary

    v = Vocabulary(terms=[Term(name="Coulomb gas", type="math", source="t")])
    assert [t.name for t in v.lookup("Coulomb gases")] == ["Coulomb gas"]
