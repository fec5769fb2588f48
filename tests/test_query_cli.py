"""Tests of `paperkg query ...` and `paperkg stats` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg_corpus import PAPERS, results
from paperkg.cli import app
from paperkg.graph import build_knowledge_graph

runner = CliRunner()


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("graphs") / "kg.graphml"
    build_knowledge_graph(PAPERS, results(), max_df=0.5).save(path)
    return str(path)


def _run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_query_cli_papers_with_table_and_json(graph_file):
    res = _run("query", "papers-with", "FNO", "--graph", graph_file)
    assert res.exit_code == 0, res.output
    assert "Fourier Neural Operator for Parametric" in res.stdout
    assert "Neural operators for turbulence" in res.stdout
    rows = _json(_run("query", "papers-with", "fourier neural operators", "-g", graph_file,
                      "--json"))
    assert [r["id"] for r in rows] == ["p1", "p2"]
    assert rows[0]["url"] == "https://arxiv.org/abs/2010.08895"


def test_query_cli_related(graph_file):
    rows = _json(_run("query", "related", "Scalable diffusion", "-k", "1", "-g", graph_file,
                      "--json"))
    assert len(rows) == 1 and rows[0]["id"] == "p3"
    assert rows[0]["shared"] == ["ImageNet", "diffusion model"]
    res = _run("query", "related", "p4", "-g", graph_file)
    assert res.exit_code == 0 and "ImageNet, diffusion model" in res.stdout


def test_query_cli_why(graph_file):
    rec = _json(_run("query", "why", "p1", "p2", "-g", graph_file, "--json"))
    assert rec["shared"][0] == "Navier-Stokes"
    res = _run("query", "why", "p1", "p4", "-g", graph_file)
    assert res.exit_code == 0
    assert "shortest chain" in res.stdout and "ImageNet" in res.stdout


def test_query_cli_repos_entities_top_communities(graph_file):
    rows = _json(_run("query", "repos-for", "diffusion model", "-g", graph_file, "--json"))
    assert rows == [{"repo": "openai/guided-diffusion",
                     "url": "https://github.com/openai/guided-diffusion", "proposing": True,
                     "paper_id": "p3", "paper": PAPERS[2].title}]
    rows = _json(_run("query", "entities-of", "p1", "--type", "math", "-g", graph_file, "--json"))
    assert [r["name"] for r in rows] == ["partial differential equation"]
    assert rows[0]["first_mention"]["field"] == "title"
    rows = _json(_run("query", "top", "-n", "2", "-g", graph_file, "--json"))
    assert [(r["name"], r["df"]) for r in rows] == [("partial differential equation", 4),
                                                     ("Fourier neural operator", 2)]
    res = _run("query", "top", "--type", "dataset", "-g", graph_file)
    assert res.exit_code == 0 and "ImageNet" in res.stdout and "Adam" not in res.stdout
    rows = _json(_run("query", "communities", "-g", graph_file, "--json"))
    assert [(r["id"], r["size"]) for r in rows] == [(0, 3), (1, 2)]
    assert rows[1]["papers"] == ["p1", "p2"]


def test_query_cli_stats(graph_file):
    res = _run("stats", "-g", graph_file)
    assert res.exit_code == 0, res.output
    for text in ("papers", "entities per paper", "partial differential equation (4)",
                 "ImageNet · diffusion model"):
        assert text in res.stdout
    figures = _json(_run("stats", "-g", graph_file, "--json"))
    assert figures["papers"] == 5 and figures["entities_by_type"]["repo"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", "papers-with", "Imagenette"), "error: no entity matches 'Imagenette'; "
                                                 "closest: ImageNet (dataset)"),
        (("query", "related", "diffusion"), "error: 'diffusion' matches 2 papers"),
        (("query", "why", "p1", "nope"), "error: no paper matches 'nope'"),
    ],
)
def test_query_cli_errors_are_one_line(graph_file, args, message):
    res = _run(*args, "-g", graph_file)
    assert res.exit_code == 1
    assert res.stderr.startswith(message)
    assert res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


def test_query_cli_missing_graph(tmp_path):
    res = _run("query", "communities", "-g", str(tmp_path / "none.graphml"))
    assert res.exit_code == 1
    assert "no such graph file" in res.stderr and "paperkg build" in res.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [(("--weight", "cosine"), "'cosine' is not one of 'count', 'idf', 'jaccard'"),
     (("--max-df", "2"), "2.0 is not a fraction in (0, 1]")],
)
def test_query_cli_build_rejects_bad_graph_options(tmp_path, option, message):
    res = _run("build", str(tmp_path), "-o", str(tmp_path / "out"), "--no-cache", *option)
    assert res.exit_code == 2  # a usage error, as for any other bad option value
    assert message in res.stderr
    assert not (tmp_path / "out").exists()


def _tamper(src: str, dst, old: str, new: str) -> str:
    from pathlib import Path

    text = Path(src).read_text(encoding="utf-8")
    assert old in text
    Path(dst).write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(dst)


@pytest.mark.parametrize("args", [("query", "top"), ("query", "entities-of", "p1"), ("stats",)])
def test_query_cli_entity_node_with_bogus_type_is_one_line_error(graph_file, tmp_path, args):
    import re
    import shutil
    from pathlib import Path

    text = Path(graph_file).read_text(encoding="utf-8")
    key = re.search(r'<key id="(n\d+)" for="node" attr.name="type"', text).group(1)
    sibling = Path(graph_file).with_name("papers.graphml")
    shutil.copy(sibling, tmp_path / "papers.graphml")
    bad = _tamper(graph_file, tmp_path / "kg.graphml", f'<data key="{key}">method</data>',
                  f'<data key="{key}">bogus</data>')
    res = _run(*args, "-g", bad)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.stderr.startswith(f"error: {bad}: entity node ")
    assert "'bogus'" in res.stderr and res.stderr.count("\n") == 1
