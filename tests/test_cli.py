"""The command line's conventions: choices in --help, usage errors exit 2 naming the valid
choices, shell completion, `build --json`, `--formats`, stage lines, progress totals."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from paperkg import cli
from paperkg.cli import InputFormat, app

runner = CliRunner()

PAPERS = [
    {"id": "a1", "title": "Fourier Neural Operator for PDEs",
     "abstract": "We propose the Fourier neural operator (FNO) and test it on Navier-Stokes."},
    {"id": "a2", "title": "Operators for turbulence",
     "abstract": "We apply the Fourier neural operator (FNO) to the Navier-Stokes equations."},
    {"id": "a3", "title": "Diffusion for images",
     "abstract": "A diffusion model trained on ImageNet with a U-Net."},
]


def _main(*args: str) -> tuple[int, str]:
    """Run the console entry point; its exit code and stderr."""
    proc = subprocess.run([sys.executable, "-c", "from paperkg.cli import main; main()", *args],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(("args", "choices"), [
    (["build", "--weight", "foo"], "'count', 'idf', 'jaccard'"),
    (["build", "--engine", "cloud"], "'local', 'dask'"),
    (["build", "--format", "xml"], "'listing', 'jsonl'"),
    (["build", "--max-df", "2"], "(0, 1]"),
    (["build", "--formats", "graphml,pdf"], "graphml, gexf, json, csv, html, store"),
    (["query", "top", "--type", "author"], "'method', 'dataset', 'repo', 'math'"),
])
def test_cli_bad_choice_exits_2_with_the_valid_choices(args, choices):
    code, stderr = _main(*args)
    assert code == 2
    assert stderr.startswith("error: ") and choices in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_cli_help_lists_the_choices():
    res = runner.invoke(app, ["build", "--help"], env={"COLUMNS": "200"})
    assert "count|idf|jaccard" in res.stdout and "local|dask" in res.stdout
    assert "arxiv-snapshot" in res.stdout and "graphml,gexf,json,csv,html,store" in res.stdout
    res = runner.invoke(app, ["query", "top", "--help"], env={"COLUMNS": "200"})
    assert "method|dataset|repo|math" in res.stdout


def test_cli_shell_completion_is_on():
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "--install-completion" in res.stdout and "--show-completion" in res.stdout
    proc = subprocess.run(
        [sys.executable, "-c", "from paperkg.cli import app; app(prog_name='paperkg')"],
        capture_output=True, text=True,
        env={**os.environ, "_PAPERKG_COMPLETE": "complete_bash", "COMP_WORDS": "paperkg bu",
             "COMP_CWORD": "1"})
    assert proc.stdout.split() == ["build"]


@pytest.fixture()
def papers_jsonl(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PAPERS), encoding="utf-8")
    return path


def test_cli_build_json_summary_and_chosen_formats(papers_jsonl, tmp_path):
    out = tmp_path / "graphs"
    res = runner.invoke(app, ["build", str(papers_jsonl), "-o", str(out), "--no-cache",
                              "--formats", "graphml,csv,store", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["papers"] == 3 and summary["load"]["records_seen"] == 3
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        ["kg.graphml", "papers.graphml", "kg_nodes.csv", "kg_edges.csv", "papers_nodes.csv",
         "papers_edges.csv", "neo4j.cypher", "kg.sqlite"])
    assert sorted(summary["outputs"]) == sorted(str(p) for p in out.iterdir()
                                                if not p.name.startswith("."))
    assert "communities of linked papers" in summary["graph"]
    # a line per stage after extraction, on stderr
    assert "building the graphs" in res.stderr and "wrote kg.sqlite in" in res.stderr
    res = runner.invoke(app, ["query", "papers-with", "FNO", "-g", str(out / "kg.graphml"),
                              "--json"])
    assert [r["id"] for r in json.loads(res.stdout)] == ["a1", "a2"]


def test_cli_quiet_build_prints_no_stage_lines(papers_jsonl, tmp_path):
    res = runner.invoke(app, ["-q", "build", str(papers_jsonl), "-o", str(tmp_path / "g"),
                              "--no-cache", "--formats", "json"])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""


def test_cli_progress_total_is_the_number_of_jsonl_records(papers_jsonl, tmp_path):
    assert cli._count_records([papers_jsonl], None) == 3
    unterminated = tmp_path / "more.jsonl"
    unterminated.write_text('{"title": "a"}\n{"title": "b"}', encoding="utf-8")
    assert cli._count_records([papers_jsonl, unterminated], None) == 5
    assert cli._count_records([tmp_path / "more.jsonl"], InputFormat.jsonl) == 2
    assert cli._count_records([tmp_path], None) is None  # a directory: not counted
    csv = tmp_path / "papers.csv"
    csv.write_text("title,abstract\nx,y\n", encoding="utf-8")
    assert cli._count_records([papers_jsonl, csv], None) is None


def test_cli_big_tables_print_as_plain_aligned_columns(capsys):
    rows = [{"id": f"p{i}", "year": 2000 + i % 20, "title": f"Title {i}\nsecond line"}
            for i in range(cli.PLAIN_TABLE_ROWS + 1)]
    cli._emit(rows, rows, ["id", "year", "title"], "papers with 'x'", as_json=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "papers with 'x'"
    assert lines[1].split() == ["id", "year", "title"]
    assert len(lines) == 3 + len(rows)
    assert lines[3] == "p0     2000  Title 0 second line"
    assert {line.index("Title") for line in lines[3:]} == {lines[1].index("title")}
