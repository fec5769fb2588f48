"""Evaluation: same numbers as the reference scorer, and the `paperkg eval` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperkg.cli import app
from paperkg.errors import SourceError
from paperkg.evaluate import evaluate, format_report, read_gold, read_predictions

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "gold"
# a verbatim copy of ../shared/gold/score.py, so the agreement tests run wherever the
# repository is cloned; test_evaluate_vendored_scorer_is_current keeps it in step
SCORER = Path(__file__).with_name("reference_score.py")

GOLD = [
    {"id": "a", "title": "Fitted Likelihood Estimation: a study", "entities": [
        {"name": "Fitted Likelihood Estimation", "aliases": ["FLE"], "types": ["method"],
         "optional": False},
        {"name": "Wasserstein distance", "aliases": [], "types": ["math"], "optional": False},
        {"name": "neural network", "aliases": [], "types": ["method"], "optional": True},
        {"name": "owner/repo", "aliases": [], "types": ["repo"], "optional": False},
        {"name": "Gaussian process", "aliases": [], "types": ["method", "math"],
         "optional": False},
    ]},
    {"id": "b", "title": "Schrödinger bridges on CIFAR-10", "entities": [
        {"name": "Schrödinger bridge", "aliases": ["SB"], "types": ["math"], "optional": False},
        {"name": "CIFAR-10", "aliases": [], "types": ["dataset"], "optional": False},
    ]},
    {"id": "c", "title": "A paper nobody predicted", "entities": [
        {"name": "Adam", "aliases": [], "types": ["method"], "optional": False},
    ]},
]
PRED = [
    {"id": "zzz", "title": "FITTED likelihood estimation: A Study!", "entities": [
        {"name": "FLE", "type": "method", "aliases": []},
        {"name": "Fitted likelihood estimations", "type": "algorithm"},  # duplicate
        {"name": "Wasserstein distances", "type": "method"},              # wrong type
        {"name": "neural networks", "type": "method"},                    # optional
        {"name": "https://github.com/owner/repo", "type": "repo"},
        {"name": "Gaussian process", "type": "math"},
        {"name": "teacher forcing", "type": "method"},                    # false hit
    ]},
    {"id": "b", "title": "something else", "entities": [
        {"name": "Schrodinger Bridge", "type": "math", "aliases": ["SB"]},
        {"name": "CIFAR10", "type": "dataset"},                           # no match
        {"name": "thing", "type": "weird"},
    ]},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return _write(tmp_path / "gold.jsonl", GOLD), _write(tmp_path / "pred.jsonl", PRED)


def _reference(gold: Path, pred: Path) -> dict:
    if not SCORER.exists():
        pytest.skip(f"reference scorer not found at {SCORER} (../shared beside the repo)")
    out = subprocess.run([sys.executable, str(SCORER), str(gold), str(pred), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_evaluate_vendored_scorer_is_current() -> None:
    shared = SHARED / "score.py"
    if not shared.exists():
        pytest.skip(f"no ../shared beside the repo to compare {SCORER.name} with")
    assert SCORER.read_bytes() == shared.read_bytes(), "refresh tests/reference_score.py"


def test_evaluate_counts_by_hand(files: tuple[Path, Path]) -> None:
    res = evaluate(read_gold(files[0]), read_predictions(files[1]))
    assert (res.types["method"].tp, res.types["method"].fp, res.types["method"].fn) == (1, 2, 1)
    assert (res.types["repo"].tp, res.types["math"].tp) == (1, 2)
    assert res.duplicates == 1 and res.missing_papers == 1


def test_evaluate_agrees_with_reference_scorer(files: tuple[Path, Path]) -> None:
    ref = _reference(*files)
    ours = evaluate(read_gold(files[0]), read_predictions(files[1])).model_dump()
    assert ours == ref


def test_evaluate_agrees_with_reference_on_dev(tmp_path: Path) -> None:
    gold = SHARED / "dev.jsonl"
    if not gold.exists():
        pytest.skip(f"dev gold not found at {gold}")
    from paperkg.canonical import canonicalize
    from paperkg.extract import Extractor
    from paperkg.models import Paper

    papers = [Paper(id=d["id"], title=d["title"], abstract=d["abstract"])
              for d in map(json.loads, (SHARED / "dev_input.jsonl").open(encoding="utf-8"))]
    pred = _write(tmp_path / "pred.jsonl",
                  [r.model_dump() for r in canonicalize(list(Extractor().pipe(papers[:15])))])
    assert evaluate(read_gold(gold), read_predictions(pred)).model_dump() == _reference(gold, pred)


def test_evaluate_report_text_matches_reference(files: tuple[Path, Path]) -> None:
    if not SCORER.exists():
        pytest.skip(f"reference scorer not found at {SCORER}")
    ref = subprocess.run([sys.executable, str(SCORER), str(files[0]), str(files[1]), "--errors"],
                         capture_output=True, text=True, check=True).stdout
    res = evaluate(read_gold(files[0]), read_predictions(files[1]))
    assert format_report(res, errors=True).strip() == ref.strip()


def test_evaluate_bad_gold_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "a", "title": "t", "entities": []}\n{oops\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"gold.jsonl:2"):
        read_gold(bad)


def test_evaluate_cli_with_pred(files: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(app, ["eval", str(files[0]), "--pred", str(files[1]), "--errors"])
    assert result.exit_code == 0, result.output
    assert "micro    P=" in result.output and "method:teacher forcing" in result.output


def test_evaluate_cli_json(files: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(app, ["eval", str(files[0]), "--pred", str(files[1]), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["micro"]["tp"] == 4


def test_evaluate_cli_extracts_sources(tmp_path: Path) -> None:
    papers = _write(tmp_path / "papers.jsonl", [{
        "id": "b", "title": "Schrödinger bridges on CIFAR-10",
        "abstract": "We train Schrödinger bridges on the CIFAR-10 dataset."}])
    gold = _write(tmp_path / "gold.jsonl", GOLD[1:2])
    result = CliRunner().invoke(app, ["eval", str(gold), str(papers), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["micro"]["f1"] == 1.0


def test_evaluate_cli_needs_exactly_one_input(files: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(app, ["eval", str(files[0])])
    assert result.exit_code == 2 and "either --pred" in result.output
