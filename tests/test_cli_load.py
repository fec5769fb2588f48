"""The CLI on bad input: one line naming the problem, the right exit code, no traceback.

Only failures that happen while loading are tested here (the extractor has its own tests).
"""

from __future__ import annotations

import shutil
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


def test_cli_load_unknown_format_exit_2(run):
    result = run("extract", str(FIXTURES / "papers.jsonl"), "--format", "yaml", "-o", "out.jsonl",
                 "--no-cache")
    assert result.exit_code == 2
    (line,) = _lines(result.output)
    assert "unknown format 'yaml'" in line and "bibtex" in line


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


def test_cli_load_format_help_names_every_registered_format():
    from paperkg.cli import FORMAT_HELP
    from paperkg.load import FORMATS

    assert all(name in FORMAT_HELP for name in FORMATS)


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
