"""The CLI on bad input: one line naming the problem, the right exit code, no traceback.

Only failures that happen while loading are tested here (the extractor has its own tests).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperkg.cli import app

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing (cache, outputs) lands in the repository
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, list(args))
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    return invoke


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_cli_load_missing_path_exit_2(run, tmp_path):
    missing = tmp_path / "nowhere" / "papers.jsonl"
    result = run("extract", str(missing), "-o", str(tmp_path / "out.jsonl"), "--no-cache")
    assert result.exit_code == 2
    assert _lines(result.output) == [f"error: path not found: {missing}"]
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_load_missing_path_among_good_ones_exit_2(run, tmp_path):
    result = run("extract", str(FIXTURES / "papers.jsonl"), "missing.bib", "-o", "out.jsonl",
                 "--no-cache")
    assert result.exit_code == 2
    assert _lines(result.output) == ["error: path not found: missing.bib"]


def test_cli_load_unsupported_file_exit_2(run):
    result = run("extract", str(FIXTURES / "notes.md"), "-o", "out.jsonl", "--no-cache")
    assert result.exit_code == 2
    (line,) = _lines(result.output)
    assert line.startswith(f"error: unsupported file type: {FIXTURES / 'notes.md'}")
    assert "--format" in line


def test_cli_load_unknown_format_exit_2(tmp_path, monkeypatch, capsys):
    from paperkg.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["paperkg", "extract", str(FIXTURES / "papers.jsonl"),
                                      "--format", "yaml", "-o", "out.jsonl", "--no-cache"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    (line,) = _lines(capsys.readouterr().err)
    assert "'yaml' is not one of" in line and "'bibtex'" in line


def test_cli_load_nothing_usable_exit_1(run, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "only a title"}\n{broken\n', encoding="utf-8")
    result = run("extract", str(bad), "-o", "out.jsonl", "--no-cache", "-j", "1")
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert lines[0] == f"warning: {bad}:1: no abstract for 'only a title'"
    assert lines[1].startswith(f"warning: {bad}:2: broken JSON line")
    assert lines[2].startswith(f"error: no usable paper in {bad} (1 files read, 2 records seen")
    assert len(lines) == 3


def test_cli_load_only_binary_file_exit_1(run, tmp_path):
    shutil.copy(FIXTURES / "binary.jsonl", tmp_path)
    result = run("extract", str(tmp_path / "binary.jsonl"), "-o", "out.jsonl", "--no-cache",
                 "-j", "1")
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert lines[0] == f"warning: {tmp_path / 'binary.jsonl'}: binary file (NUL bytes), not text; skipped"
    assert lines[1].startswith("error: no usable paper") and "1 files skipped" in lines[1]


def test_cli_load_quiet_hides_warnings_not_errors(run, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "only a title"}\n', encoding="utf-8")
    result = run("-q", "extract", str(bad), "-o", "out.jsonl", "--no-cache", "-j", "1")
    assert result.exit_code == 1
    (line,) = _lines(result.output)
    assert line.startswith("error: no usable paper")


def test_cli_load_build_missing_path_exit_2(run):
    result = run("build", "no-such-dir", "-o", "graphs", "--no-cache")
    assert result.exit_code == 2
    assert _lines(result.output) == ["error: path not found: no-such-dir"]


def test_cli_load_format_choices_are_every_registered_format():
    from paperkg.cli import InputFormat
    from paperkg.load import FORMATS

    assert [f.value for f in InputFormat] == list(FORMATS)


def test_cli_global_flags_may_follow_the_command():
    from paperkg.cli import hoist_global_flags

    assert hoist_global_flags(["extract", "-q", "x.jsonl", "-o", "y"]) == [
        "-q", "extract", "x.jsonl", "-o", "y"]
    assert hoist_global_flags(["build", "--verbose"]) == ["--verbose", "build"]
    # after "--" everything is an argument
    assert hoist_global_flags(["query", "papers-with", "--", "-q"]) == [
        "query", "papers-with", "--", "-q"]


def test_cli_main_accepts_quiet_after_the_command(tmp_path, monkeypatch, capsys):
    import sys

    from paperkg.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "only a title"}\n', encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["paperkg", "extract", str(bad), "-o",
                                      str(tmp_path / "o.jsonl"), "--no-cache", "-q"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "warning" not in err and err.startswith("error:")


# --- issue 26: crashes, interrupts and usage errors reach the user as one line ---------


def _main(*args: str, patch: str = "", cwd=None):
    """The console script (``paperkg.cli.main``) in a fresh process, after ``patch``."""
    import subprocess
    import sys

    script = f"import sys\n{patch}\nfrom paperkg.cli import main\nsys.argv[1:] = {list(args)!r}\nmain()\n"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_cli_load_huge_abstract_is_cut_and_extracted_not_a_spacy_error(run, tmp_path,
                                                                        monkeypatch):
    # one abstract of 1,000,001 characters among normal papers ended in spaCy's E088
    # with no output at all (item 1); with a small field limit the test stays fast
    import json

    monkeypatch.setenv("PAPERKG_MAX_FIELD_CHARS", "2000")
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "a", "title": "Small", "abstract": "We use ResNet on ImageNet."},
        {"id": "big", "title": "Huge", "abstract": "We use ResNet. " * 66_667 + "x"},
        {"id": "c", "title": "Small too", "abstract": "We use BERT on GLUE."},
    ]))
    result = run("extract", str(corpus), "-o", "out.jsonl", "--no-cache", "-j", "1")
    assert result.exit_code == 0, result.output
    assert f"warning: {corpus}:2: abstract of 1,000,006 characters truncated to 2,000" \
        in result.output
    assert "3 papers kept" in result.output and "1 truncated" in result.output
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "big", "c"]


@pytest.mark.parametrize(("args", "message"), [
    (("extract", "x.jsonl"), "error: Missing option '-o' / '--output'."),
    (("query", "top", "-n", "many"), "error: Invalid value for '-n'"),
    (("build", "--weight", "bogus", "--no-cache"), "error: Invalid value for '--weight'"),
    (("build", "--max-df", "2", "--no-cache"), "error: Invalid value for '--max-df': 2.0 is not "
                                               "a fraction in (0, 1]"),
])
def test_cli_load_usage_errors_are_one_line_with_exit_2(tmp_path, args, message):
    result = _main(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and "╭" not in result.stderr


def test_cli_load_ctrl_c_says_interrupted_and_leaves_the_outputs(tmp_path):
    # Ctrl-C exited 130 without a word (typer's own handling)
    patch = ("import paperkg.export as export_mod\n"
             "def stop(*a, **k):\n"
             "    raise KeyboardInterrupt\n"
             "export_mod.write_html = stop\n")
    out = tmp_path / "graphs"
    result = _main("build", str(FIXTURES / "papers.jsonl"), "-o", str(out), "--no-cache",
                   "-j", "1", patch=patch, cwd=tmp_path)
    assert result.returncode == 130
    assert result.stderr.splitlines()[-1] == (f"error: interrupted; no file written, {out} "
                                              "left as it was")
    assert not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_cli_load_build_ids_with_control_characters_agree_in_every_output(run, tmp_path):
    # "c\x01", "c\x02", "c": GraphML had three <node id="paper:c"> (two papers for
    # networkx/query/stats, four in JSON/HTML) and kg.gexf was not XML (items 12, 15)
    import json
    import xml.etree.ElementTree as ET

    from paperkg.export import read_gexf, read_graphml

    abstract = "We train ResNet on ImageNet and compare with BERT."
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text("".join(json.dumps({"id": ident, "title": f"Paper {n}",
                                          "abstract": abstract}) + "\n"
                              for n, ident in enumerate(["c\u0001", "c\u0002", "c"])))
    out = tmp_path / "graphs"
    result = run("build", str(corpus), "-o", str(out), "--no-cache", "-j", "1")
    assert result.exit_code == 0, result.output
    for name in ("kg.graphml", "kg.gexf", "papers.graphml", "papers.gexf"):
        ET.parse(out / name)
    papers = {"paper:c", "paper:c\\u0001", "paper:c\\u0002"}
    kg_json = json.loads((out / "kg.json").read_text())
    assert {n["id"] for n in kg_json["nodes"] if n.get("kind") == "paper"} == papers
    for graph in (read_graphml(out / "kg.graphml"), read_gexf(out / "kg.gexf")):
        assert {n for n, d in graph.nodes(data=True) if d.get("kind") == "paper"} == papers
    stats = run("stats", "-g", str(out / "kg.graphml"), "--json")
    assert json.loads(stats.stdout)["papers"] == 3


def test_cli_load_unexpected_error_is_one_line_not_a_traceback(tmp_path):
    patch = ("import paperkg.workflow as wf\n"
             "def boom(*a, **k):\n"
             "    raise RuntimeError('boom')\n"
             "wf.extract_to_file = boom\n")
    result = _main("extract", str(FIXTURES / "papers.jsonl"), "-o", "out.jsonl", "--no-cache",
                   patch=patch, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("error: unexpected RuntimeError: boom (a bug in paperkg; run with "
                             "-v for the traceback)\n")


def test_cli_load_ctrl_c_in_a_query_says_interrupted(tmp_path):
    patch = ("import paperkg.kg as kg\n"
             "def stop(*a, **k):\n"
             "    raise KeyboardInterrupt\n"
             "kg.KnowledgeGraph.load = stop\n")
    result = _main("stats", "-g", "kg.graphml", patch=patch, cwd=tmp_path)
    assert result.returncode == 130 and result.stderr == "error: interrupted\n"


def test_cli_load_stdin_pipe_loses_no_record_to_format_detection(tmp_path):
    # `paperkg extract /dev/stdin --format jsonl`: 300 papers in, "246 records seen"
    # (the 64 KiB read to detect the format were lost; item 9)
    import json
    import subprocess
    import sys

    abstract = "We train ResNet on ImageNet and compare it with BERT on GLUE. " * 4
    data = "".join(json.dumps({"id": f"p{i}", "title": f"Paper {i}", "abstract": abstract})
                   + "\n" for i in range(300))
    assert len(data.encode()) > 65536
    script = ("import sys\nfrom paperkg.cli import main\n"
              "sys.argv[1:] = ['extract', '/dev/stdin', '--format', 'jsonl', '-o', 'out.jsonl',"
              " '--no-cache', '-j', '1']\nmain()\n")
    result = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "300 records seen, 300 papers kept" in result.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 300
