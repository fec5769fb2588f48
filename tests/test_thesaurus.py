"""Thesaurus files (VOSviewer's format), applying them to canonical records, and the
per-type thresholds; the seed build with a thesaurus is in test_thesaurus_seeds.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import paperkg
from kg_corpus import PAPERS, results
from paperkg.cli import app
from paperkg.errors import OptionError, SourceError, VocabularyError
from paperkg.graph import build_knowledge_graph
from paperkg.thesaurus import (
    apply_thesaurus,
    format_min_papers,
    map_graph,
    parse_min_papers,
    read_thesaurus,
)


def write(tmp_path, text: str, name: str = "thesaurus.txt", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_thesaurus_reads_a_vosviewer_file_unchanged(tmp_path):
    # as VOSviewer users keep them: a byte-order mark, Windows line ends, two columns
    path = write(tmp_path, "label\treplace by\r\nneural nets\tneural network\r\n"
                           "proposed method\t\r\n", encoding="utf-8-sig")
    thesaurus = read_thesaurus(path)
    assert thesaurus.warnings == []
    rows = sorted((r.label, r.replace_by, r.type, r.line) for r in thesaurus.rows.values())
    assert rows == [("neural nets", "neural network", None, 2), ("proposed method", "", None, 3)]


def test_thesaurus_third_column_sets_the_type(tmp_path):
    path = write(tmp_path, "label\treplace by\ttype\nWasserstein distance\tWasserstein distance\tmath\n")
    (row,) = read_thesaurus(path).rows.values()
    assert (row.replace_by, row.type) == ("Wasserstein distance", "math")


def test_thesaurus_bad_rows_warn_with_file_and_line_and_good_rows_stay(tmp_path):
    path = write(tmp_path, "\n".join([
        "label\treplace by\ttype",
        "FNOs\tFourier neural operator",        # 2: good
        "no tab here",                          # 3
        "\tsomething",                          # 4: empty label
        "ADMM\tADMM\twidget",                   # 5: unknown type
        "fnos\tFNO",                            # 6: same normalised label as line 2
        "our method\t\tmethod",                 # 7: removal with a type
        "a\tb\tmath\textra",                    # 8: four columns
        "---\tx",                               # 9: no letters
        "proposed approach\t",                  # 10: good removal
    ]) + "\n")
    thesaurus = read_thesaurus(path)
    assert [w.split(":")[:2] for w in thesaurus.warnings] == [
        [str(path), str(n)] for n in (3, 4, 5, 6, 7, 8, 9)]
    assert all("\n" not in w for w in thesaurus.warnings)
    assert "unknown type 'widget'" in thesaurus.warnings[2]
    assert "already on line 2" in thesaurus.warnings[3]
    assert sorted(r.line for r in thesaurus.rows.values()) == [2, 10]


@pytest.mark.parametrize("text, message", [
    ("", "empty thesaurus"),
    ("term\treplacement\nFNO\tFourier neural operator\n", ":1: the first line must be the header"),
    ("label\treplace by\nno tab\n", "no usable row in the thesaurus (1 bad rows; line 2: no tab"),
])
def test_thesaurus_without_usable_rows_is_a_one_line_error(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(VocabularyError, match="^" + str(path)) as info:
        read_thesaurus(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_thesaurus_unreadable_file_is_a_one_line_error(tmp_path):
    with pytest.raises(SourceError, match="cannot read the thesaurus"):
        read_thesaurus(tmp_path / "missing.txt")
    binary = write(tmp_path, "label\treplace by\n", name="b.txt")
    binary.write_bytes(b"label\treplace by\n\xff\xfe\n")
    with pytest.raises(VocabularyError, match="not a UTF-8 text file"):
        read_thesaurus(binary)


def record(pid, *entities):
    return {"id": pid, "title": pid, "entities": [
        {"id": eid, "name": name, "type": eid.split(":")[0], "aliases": list(aliases),
         "mentions": [{"field": "abstract", "start": start, "end": start + len(name),
                       "text": name}]}
        for eid, name, aliases, start in entities]}


def apply(tmp_path, rows: str, records):
    thesaurus = read_thesaurus(write(tmp_path, "label\treplace by\ttype\n" + rows))
    out, report = apply_thesaurus(lambda: iter(records), thesaurus)
    return list(out), report


def entities(records):
    return {(r["id"], e["id"], e["name"]) for r in records for e in r["entities"]}


def test_thesaurus_merges_removes_and_retypes_across_the_corpus(tmp_path):
    records = [
        record("p1", ("method:fourier-neural-operator", "Fourier neural operator", ["FNO"], 0),
               ("method:fno-variant", "FNO variant", [], 40),
               ("method:our-method", "our method", [], 60)),
        record("p2", ("method:fno-variant", "FNO variant", ["FNO-V"], 0),
               ("method:wasserstein-distance", "Wasserstein distance", [], 20)),
        record("p3", ("math:wasserstein-distance", "Wasserstein distance", [], 5)),
    ]
    rows = ("FNO variant\tFNO\n"              # merge, through the target's alias
            "our method\t\n"                  # remove
            "Wasserstein distance\tWasserstein distance\tmath\n"   # retype (and join math's)
            "nothing like it\tx\n")
    out, report = apply(tmp_path, rows, records)
    assert entities(out) == {
        ("p1", "method:fourier-neural-operator", "Fourier neural operator"),
        ("p2", "method:fourier-neural-operator", "Fourier neural operator"),
        ("p2", "math:wasserstein-distance", "Wasserstein distance"),
        ("p3", "math:wasserstein-distance", "Wasserstein distance"),
    }
    p1 = out[0]["entities"][0]
    # the merged entity's names are aliases now, and both mentions are kept, in order
    assert p1["aliases"] == ["FNO", "FNO variant"]
    assert [m["start"] for m in p1["mentions"]] == [0, 40]
    assert (report.merged, report.removed, report.retyped, report.unused) == (
        2, 1, 1, ["nothing like it"])
    assert "1 removed" in report.summary() and "1 row matched no entity" in report.summary()


def test_thesaurus_matches_an_alias_seen_in_another_paper_only(tmp_path):
    # p2 never says "NO-X": the entity still goes the same way in both papers
    records = [record("p1", ("method:neural-operator-x", "neural operator X", ["NO-X"], 0)),
               record("p2", ("method:neural-operator-x", "neural operator X", [], 0))]
    out, _ = apply(tmp_path, "no x\tNOX\n", records)
    assert entities(out) == {("p1", "method:nox", "NOX"), ("p2", "method:nox", "NOX")}


def test_thesaurus_rows_chain_and_a_cycle_stops(tmp_path):
    records = [record("p1", ("method:a-net", "A-net", [], 0), ("method:b-net", "B-net", [], 10),
                      ("method:c-net", "C-net", [], 20))]
    out, _ = apply(tmp_path, "A-net\tB-net\nB-net\tC-net\n", records)
    assert entities(out) == {("p1", "method:c-net", "C-net")}
    out, _ = apply(tmp_path, "A-net\tB-net\nB-net\tA-net\n", records)
    assert entities(out) == entities(records)  # a cycle changes nothing (and ends)


def test_min_papers_parses_and_rejects_bad_values():
    assert parse_min_papers("method=2, math=3") == {"method": 2, "math": 3}
    assert parse_min_papers(None) == {} and parse_min_papers({"dataset": 4}) == {"dataset": 4}
    assert format_min_papers({"math": 3, "method": 2}) == "method=2,math=3"
    for bad, message in [("method", "not TYPE=N"), ("widget=2", "unknown type"),
                         ("method=0", "positive"), ("method=two", "positive"),
                         ("method=1.5", "positive"), ("method=2,method=3", "given twice")]:
        with pytest.raises(OptionError, match=message):
            parse_min_papers(bad)


def test_min_papers_keeps_rare_entities_in_the_graph_but_out_of_links_and_map():
    plain = build_knowledge_graph(PAPERS, results(), max_df=1.0)
    strict = build_knowledge_graph(PAPERS, results(), max_df=1.0, min_papers={"method": 3})
    # p4-p5 share only the transformer (a method in two papers)
    assert plain.paper_graph.has_edge("paper:p4", "paper:p5")
    assert not strict.paper_graph.has_edge("paper:p4", "paper:p5")
    assert strict.paper_graph.has_edge("paper:p3", "paper:p4")  # ImageNet: a dataset
    assert "method:transformer" in strict.graph
    assert strict.graph.graph["min_papers"] == "method=3"
    shown = map_graph(strict.graph)
    assert "method:transformer" not in shown and "dataset:imagenet" in shown
    assert "paper:p4" in shown
    assert map_graph(plain.graph) is plain.graph


@pytest.mark.parametrize("option, value, code, message", [
    ("--thesaurus", "missing.txt", 2, "error: missing.txt: cannot read the thesaurus"),
    ("--thesaurus", "bad.txt", 1, "error: bad.txt: no usable row in the thesaurus "
                                  "(1 bad rows; line 2: no tab"),
    ("--vocab", "missing.tsv", 2, "error: missing.tsv: cannot read the vocabulary"),
    ("--min-papers-per-type", "method=x", 2, "error: --min-papers-per-type: method=x is not"),
])
def test_thesaurus_cli_bad_files_and_options_are_one_line_errors(tmp_path, monkeypatch, option,
                                                                 value, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.txt").write_text("label\treplace by\nno tab\n")
    papers = Path(__file__).parent / "fixtures" / "papers.json"
    result = CliRunner().invoke(app, ["build", str(papers), "-o", "out", "--no-cache",
                                      option, value])
    assert result.exit_code == code
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert not (tmp_path / "out" / "kg.graphml").exists()


def test_thesaurus_python_api_takes_thesaurus_vocab_and_thresholds(tmp_path):
    papers = Path(__file__).parent / "fixtures" / "papers.json"
    thesaurus = write(tmp_path, "label\treplace by\nBatch Normalization\tlayer normalization\n"
                                "covariate shift\t\n")
    vocab = write(tmp_path, "name\ttype\ndeep neural network\tmethod\n", name="terms.tsv")
    plain = paperkg.build(papers, jobs=1)
    assert {"method:batch-normalization", "math:covariate-shift"} <= set(plain.graph)
    assert "method:deep-neural-network" not in plain.graph
    kg = paperkg.build(papers, jobs=1, thesaurus=thesaurus, vocab=vocab,
                       min_papers_per_type={"method": 2})
    entities = {n: d for n, d in kg.graph.nodes(data=True) if d.get("kind") == "entity"}
    assert set(entities) == {"method:layer-normalization", "method:deep-neural-network"}
    assert entities["method:layer-normalization"]["df"] == 2
    assert entities["method:deep-neural-network"]["df"] == 2
    assert kg.graph.graph["min_papers"] == "method=2"
