"""The learned entity decision: proposals, features, the model file, the decision."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from paperkg.cache import extractor_fingerprint
from paperkg.cli import app
from paperkg.errors import ExtractionError
from paperkg.extract import SHIPPED_MODEL, Extractor, load_model
from paperkg.extract.learned import (
    CLASSES,
    Decider,
    EntityModel,
    Featurizer,
    mention_features,
    name_features,
    propose,
    span_sources,
)
from paperkg.models import Paper

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "bench" / "heldout"

PAPER = Paper(
    id="p1",
    title="Sparse Transformers for Tabular Data",
    abstract=("We propose the Sparse Tabular Transformer (STT), a Transformer architecture "
              "trained with stochastic gradient descent on the OpenML-CC18 benchmark. "
              "Code: https://github.com/example/stt-code. The results improve over "
              "gradient boosting in most settings."),
)


@pytest.fixture(scope="module")
def rules_extractor() -> Extractor:
    return Extractor(model=None)


@pytest.fixture(scope="module")
def rule_pass(rules_extractor):
    return rules_extractor.rule_pass([PAPER])[0]


def _model(n_buckets: int = 1 << 10, **kw) -> EntityModel:
    return EntityModel(np.zeros((n_buckets, len(CLASSES)), np.float32),
                       np.zeros(len(CLASSES), np.float32), **kw)


def test_learned_propose_has_rule_entities_and_other_chunks(rule_pass):
    result, docs = rule_pass
    proposals = propose(result, docs, Extractor(model=None).rules)
    rule_names = {e.name for e in result.entities if e.type != "repo"}
    assert rule_names == {p.name for p in proposals if p.rule is not None}
    chunk_only = [p for p in proposals if p.rule is None]
    assert chunk_only, "the chunks the rules rejected are proposals too"
    assert all(not p.key.startswith("example") for p in proposals), "repos are no proposals"
    # every mention points at its own text
    text = {"title": PAPER.title, "abstract": PAPER.abstract}
    for p in proposals:
        for fname, start, end, surface in p.mentions:
            assert text[fname][start:end] == surface


def test_learned_propose_folds_a_generic_tail_into_its_term(rule_pass, rules_extractor):
    result, docs = rule_pass
    proposals = propose(result, docs, rules_extractor.rules)
    keys = {p.key for p in proposals}
    assert "transformer architecture" not in keys
    transformer = next(p for p in proposals if p.key == "transformer")
    assert "Transformer architecture" in transformer.surfaces


def test_learned_propose_skips_heads_the_model_says_never_name(rule_pass, rules_extractor):
    result, docs = rule_pass
    every = propose(result, docs, rules_extractor.rules)
    assert any(p.key.endswith("setting") and p.rule is None for p in every)
    fewer = propose(result, docs, rules_extractor.rules, frozenset({"setting"}))
    assert not any(p.key.endswith("setting") and p.rule is None for p in fewer)


def test_learned_features_name_part_depends_on_the_name_only(rules_extractor):
    f1 = name_features("Sparse Tabular Transformer", "method", False, rules_extractor.rules,
                       rules_extractor.vocabulary)
    assert "head=transformer" in f1 and "w=sparse" in f1 and "rule=method" in f1
    assert f1 == name_features("Sparse Tabular Transformer", "method", False,
                               rules_extractor.rules, rules_extractor.vocabulary)


def test_learned_mention_features_read_the_context(rule_pass, rules_extractor):
    result, docs = rule_pass
    proposals = propose(result, docs, rules_extractor.rules)
    stt = next(p for p in proposals if "STT" in p.surfaces)
    feats = mention_features(stt, docs, span_sources(docs))
    assert "before_paren" in feats or "after_paren" in feats
    assert any(f.startswith("L1=") for f in feats)


def test_learned_featurizer_hashes_with_crc32(rules_extractor):
    fz = Featurizer(rules_extractor.rules, rules_extractor.vocabulary, 1 << 10)
    assert fz.hash(["bias"]) == [zlib.crc32(b"bias") & 1023]
    with pytest.raises(ExtractionError):
        Featurizer(rules_extractor.rules, rules_extractor.vocabulary, 1000)


def test_learned_model_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    model = EntityModel(rng.normal(size=(256, 4)).astype(np.float32),
                        np.array([0.5, -0.1, 0.0, 0.2], np.float32), threshold=0.4,
                        prune_margin=6.5, skip_heads=["result", "setting"], meta={"papers": 3})
    model.save(tmp_path / "m.npz")
    back = EntityModel.load(tmp_path / "m.npz")
    assert back.threshold == 0.4 and back.prune_margin == 6.5
    assert back.skip_heads == frozenset({"result", "setting"})
    assert back.meta["papers"] == 3
    # weights are stored as float16
    np.testing.assert_allclose(back.weights, model.weights, atol=1e-2)
    rows = [[1, 2, 3], [], [255, 255]]
    np.testing.assert_allclose(back.probabilities(rows), model.probabilities(rows), atol=1e-2)


def test_learned_model_file_that_is_not_one_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ExtractionError, match="not a paperkg model file"):
        EntityModel.load(bad)
    with pytest.raises(ExtractionError, match="do not fit"):
        EntityModel(np.zeros((4, 3), np.float32), np.zeros(3, np.float32))


def test_learned_probabilities_add_base_scores_and_bias():
    model = _model(8)
    model.weights[3] = [0.0, 2.0, 0.0, 0.0]
    model.bias[:] = [1.0, 0.0, 0.0, 0.0]
    probs = model.probabilities([[3], []], base=[np.zeros(4), np.array([0, 0, 5, 0])])
    assert probs.shape == (2, 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    assert int(np.argmax(probs[0])) == 1 and int(np.argmax(probs[1])) == 2


def test_learned_decider_keeps_types_and_drops_by_the_model(rules_extractor, rule_pass):
    """A model that keeps exactly the proposals named "stochastic gradient descent"
    (as math) and drops everything else, whatever the rules said; repos stay."""
    result, docs = rule_pass
    model = _model(1 << 12, threshold=0.5)
    fz = Featurizer(rules_extractor.rules, rules_extractor.vocabulary, model.n_buckets)
    model.bias[:] = [5.0, 0.0, 0.0, 0.0]
    (col,) = fz.hash(["key=stochastic gradient descent"])
    model.weights[col] = [0.0, 0.0, 0.0, 20.0]
    out = Decider(model, rules_extractor.rules, rules_extractor.vocabulary)(result, docs)
    by_type = {(e.type, e.name) for e in out.entities}
    assert ("math", "stochastic gradient descent") in by_type
    assert ("repo", "example/stt-code") in by_type
    assert len(out.entities) == 2


def test_learned_shipped_model_is_in_the_package_and_deterministic():
    assert SHIPPED_MODEL.exists() and SHIPPED_MODEL.stat().st_size < 30 * 2**20
    model = load_model("shipped")
    assert model.meta["papers"] > 7000 and model.prune_margin is not None
    a = Extractor(model="shipped").extract(PAPER).model_dump()
    b = Extractor(model="shipped").extract(PAPER).model_dump()
    assert a == b
    assert any(e["type"] == "repo" for e in a["entities"])


def test_learned_load_model_choices(tmp_path):
    assert load_model(None) is None
    model = _model()
    assert load_model(model) is model
    model.save(tmp_path / "m.npz")
    assert isinstance(load_model(tmp_path / "m.npz"), EntityModel)
    assert load_model("none") is None
    assert isinstance(load_model("shipped"), EntityModel)
    assert Extractor().model is None, "the default is the rules alone"


def test_learned_cache_fingerprint_names_the_model(tmp_path):
    _model().save(tmp_path / "a.npz")
    m2 = _model()
    m2.bias[0] = 1.0
    m2.save(tmp_path / "b.npz")
    prints = {extractor_fingerprint(m) for m in
              ("shipped", None, str(tmp_path / "a.npz"), str(tmp_path / "b.npz"))}
    assert len(prints) == 4


def test_learned_train_writes_a_model_the_extractor_uses(tmp_path):
    pytest.importorskip("sklearn")
    from paperkg.train import train

    report = train([(HELDOUT / "input.jsonl", HELDOUT / "gold.jsonl")], tmp_path / "m.npz",
                   folds=2)
    assert report.papers == 40 and report.proposals > report.positives > 0
    assert 0.5 < report.candidate_recall <= 1.0
    assert 0.0 < report.cv_micro_f1 <= 1.0
    model = EntityModel.load(tmp_path / "m.npz")
    assert model.prune_margin is not None and model.meta["papers"] == 40
    res = Extractor(model=tmp_path / "m.npz").extract(PAPER)
    assert {e.type for e in res.entities} <= {"method", "dataset", "repo", "math"}


def test_learned_cli_train_and_extract_with_the_model(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = runner.invoke(app, ["train", "--papers", str(HELDOUT / "input.jsonl"),
                              "--gold", str(HELDOUT / "gold.jsonl"), "-o", "m.npz",
                              "--folds", "2", "--c", "0.25"])
    assert out.exit_code == 0, out.output
    assert "cross-validated micro F1" in out.output and "C=0.25" in out.output
    assert EntityModel.load(tmp_path / "m.npz").meta["c"] == 0.25
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps(PAPER.model_dump(include={"id", "title", "abstract"})) + "\n")
    out = runner.invoke(app, ["extract", str(papers), "-o", "e.jsonl", "--no-cache",
                              "--model", "m.npz"])
    assert out.exit_code == 0, out.output
    assert json.loads((tmp_path / "e.jsonl").read_text())["id"] == "p1"


def test_learned_cli_bad_model_and_unpaired_files_are_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    (tmp_path / "bad.npz").write_bytes(b"nope")
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps(PAPER.model_dump(include={"id", "title", "abstract"})) + "\n")
    out = runner.invoke(app, ["extract", str(papers), "-o", "e.jsonl", "--no-cache",
                              "--model", "bad.npz"])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "not a paperkg model file" in out.output
    out = runner.invoke(app, ["train", "--papers", str(papers), "-o", "m.npz"])
    assert out.exit_code == 2 and "Traceback" not in out.output


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated zip"])
def test_learned_empty_or_truncated_model_file_is_one_clear_error(tmp_path, content):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(ExtractionError, match="not a paperkg model file"):
        EntityModel.load(path)


def test_learned_model_with_bad_settings_is_one_clear_error(tmp_path):
    model = _model()
    model.threshold = "abc"  # type: ignore[assignment]
    model.save(tmp_path / "m.npz")
    with pytest.raises(ExtractionError, match="bad model settings"):
        EntityModel.load(tmp_path / "m.npz")


def test_learned_model_file_replaced_in_place_is_a_new_model(tmp_path):
    from paperkg._accel.parallel import extract_chunk

    path = tmp_path / "m.npz"
    keep_all = _model(threshold=0.99)  # "none" never reaches 0.99: everything proposed is kept
    keep_all.save(path)
    many = json.loads(extract_chunk([PAPER], str(path))[0])["entities"]
    fingerprint = extractor_fingerprint(str(path))
    drop_all = _model()
    drop_all.bias[0] = 50.0  # "none" always wins: only the repo is left
    drop_all.save(path)
    few = json.loads(extract_chunk([PAPER], str(path))[0])["entities"]
    assert len(many) > len(few) == 1
    assert extractor_fingerprint(str(path)) != fingerprint


def test_learned_train_too_few_papers_or_no_folder_fail_before_training(tmp_path):
    pytest.importorskip("sklearn")
    from paperkg.errors import SourceError
    from paperkg.train import train

    one = tmp_path / "one.jsonl"
    one.write_text((HELDOUT / "input.jsonl").read_text().splitlines()[0] + "\n")
    with pytest.raises(SourceError, match="need at least 2"):
        train([(one, HELDOUT / "gold.jsonl")], tmp_path / "m.npz", folds=2)
    with pytest.raises(SourceError, match="no folder"):
        train([(HELDOUT / "input.jsonl", HELDOUT / "gold.jsonl")], tmp_path / "no" / "m.npz")


def test_learned_train_reads_annotations_without_titles(tmp_path):
    from paperkg.train import read_annotated

    gold = tmp_path / "gold.jsonl"
    with gold.open("w") as fh:
        for line in (HELDOUT / "gold.jsonl").read_text().splitlines():
            record = json.loads(line)
            del record["title"]
            fh.write(json.dumps(record) + "\n")
    pairs = read_annotated([(HELDOUT / "input.jsonl", gold)])
    assert len(pairs) == 40 and all(g.title == p.title for p, g in pairs)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "entities": [{"name": "a"}]}\n')
    from paperkg.errors import SourceError

    with pytest.raises(SourceError, match=r"bad.jsonl:1: .*entities\.0\.types"):
        read_annotated([(HELDOUT / "input.jsonl", bad)])


def test_learned_nested_generic_tails_keep_every_mention(rules_extractor):
    paper = Paper(id="p2", title="VisA", abstract=(
        "We evaluate on VisA. The VisA benchmark is hard; VisA benchmark datasets "
        "are larger than the VisA benchmark suite."))
    result, docs = rules_extractor.rule_pass([paper])[0]
    proposals = propose(result, docs, rules_extractor.rules)
    visa = [p for p in proposals if p.key.startswith("visa")]
    assert len(visa) == 1, [p.key for p in visa]
    surfaces = {m[3] for m in visa[0].mentions}
    assert {"VisA", "VisA benchmark", "VisA benchmark datasets"} <= surfaces, surfaces


def test_learned_kept_entity_has_no_mention_inside_another_of_its_own():
    from paperkg.extract.learned import _outermost

    got = _outermost(sorted([("abstract", 5, 9, "VisA"), ("abstract", 5, 19, "VisA benchmark"),
                             ("abstract", 40, 44, "VisA"), ("title", 0, 4, "VisA")],
                            key=lambda m: (m[0] != "title", m[1], -m[2], m[3])))
    assert got == [("title", 0, 4, "VisA"), ("abstract", 5, 19, "VisA benchmark"),
                   ("abstract", 40, 44, "VisA")]


@pytest.mark.parametrize("model", [None, "shipped"])
def test_learned_no_name_or_alias_with_broken_brackets_or_dangling_hyphen(model):
    """Alias hygiene over real abstracts: the seed pages and the annotated seed sets."""
    from paperkg.load import load_papers
    from paperkg.text import clean_alias

    papers, _ = load_papers([str(ROOT / "seeds"), str(HELDOUT / "input.jsonl")])
    bad = [(e.name, a) for r in Extractor(model=model).pipe(papers) for e in r.entities
           if e.type != "repo" for a in e.aliases if clean_alias(a) != a]
    assert not bad, bad[:10]
    names = [e.name for r in Extractor(model=model).pipe(papers) for e in r.entities
             if e.type != "repo" and e.name.rstrip().endswith(("-", "/"))]
    assert not names, names[:10]


def test_learned_model_of_an_older_format_is_one_clear_error_naming_the_fix(tmp_path):
    # format 1 had no phrase-count features: its weights would score the wrong columns
    meta = {"format": 1, "classes": list(CLASSES), "threshold": 0.5}
    path = tmp_path / "old.npz"
    np.savez_compressed(path, weights=np.zeros((16, len(CLASSES)), np.float16),
                        bias=np.zeros(len(CLASSES), np.float32),
                        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    with pytest.raises(ExtractionError, match=r"format 1 .* reads format 2 .*retrain it"):
        load_model(path)


def test_learned_train_fit_only_sets_are_fitted_on_but_not_scored(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    from paperkg.extract import Extractor as RuleExtractor
    from paperkg.train import _micro_f1, _read_sources, featurize

    extra = (HELDOUT / "extra_github_input.jsonl", HELDOUT / "extra_github_gold.jsonl")
    import paperkg.train as training
    from paperkg.train import train as train_

    scored_seen = []
    real_cv = training.cross_validate

    def recording_cv(*args, **kwargs):
        scored_seen.append(args[4] if len(args) > 4 else kwargs.get("scored"))
        return real_cv(*args, **kwargs)

    monkeypatch.setattr(training, "cross_validate", recording_cv)
    report = train_([(HELDOUT / "input.jsonl", HELDOUT / "gold.jsonl")], tmp_path / "m.npz",
                    fit_only=[extra], folds=2)
    assert scored_seen == [frozenset({0})]
    n_extra = len((HELDOUT / "extra_github_gold.jsonl").read_text().splitlines())
    assert report.papers == 40 + n_extra
    meta = EntityModel.load(tmp_path / "m.npz").meta
    assert meta["fit_only_files"] == ["extra_github_input.jsonl", "extra_github_gold.jsonl"]
    # the mean is over the scored files only: dropping every proposal of the scored file
    # and keeping every one of the fit-only file scores as the scored file alone
    sourced = _read_sources([(HELDOUT / "input.jsonl", HELDOUT / "gold.jsonl"), extra])
    examples = featurize(RuleExtractor(model=None), [(p, g) for p, g, _ in sourced],
                         sources=[s for _, _, s in sourced])
    probs = [np.tile([1.0 if ex.source == 0 else 0.0, 0, 0, 0], (len(ex.proposals), 1))
             for ex in examples]
    alone = _micro_f1([ex for ex in examples if ex.source == 0],
                      [pr for ex, pr in zip(examples, probs, strict=True) if ex.source == 0], 0.5)
    assert _micro_f1(examples, probs, 0.5, frozenset({0})) == alone
    assert _micro_f1(examples, probs, 0.5) > alone


def test_learned_cli_train_unpaired_fit_files_are_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["train", "--papers", str(HELDOUT / "input.jsonl"),
                                   "--gold", str(HELDOUT / "gold.jsonl"), "-o", "m.npz",
                                   "--fit-papers", str(HELDOUT / "input.jsonl")])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "1 --fit-papers files but 0 --fit-gold files" in out.output


def test_learned_train_a_paper_twice_or_a_file_of_no_annotated_paper_is_one_error(tmp_path):
    from paperkg.errors import SourceError
    from paperkg.train import read_annotated

    pair = (HELDOUT / "input.jsonl", HELDOUT / "gold.jsonl")
    with pytest.raises(SourceError, match=r"input.jsonl:1: paper .* is also at .*input.jsonl:1"):
        read_annotated([pair, pair])
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "nobody", "title": "t", "abstract": "a"}) + "\n")
    with pytest.raises(SourceError, match="other.jsonl: no paper of it is annotated"):
        read_annotated([pair, (other, HELDOUT / "gold.jsonl")])
