"""paperkg.load: the seeds, de-duplication, ids, directories and bad input."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from paperkg.errors import EmptyInputError, SourceError
from paperkg.load import iter_papers, load_papers, stream_papers
from paperkg.models import LoadReport
from paperkg.text import short_hash, title_key

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def seeds_loaded():
    return load_papers([SEEDS])


# --- the seeds ------------------------------------------------------------------------


def test_load_seeds_counts(seeds_loaded):
    papers, report = seeds_loaded
    assert report.files_read == 5 and report.files_skipped == 0
    assert report.records_seen == 545
    assert report.duplicates_merged == 53
    assert report.papers_kept == len(papers) == 492
    assert report.records_skipped == 0 and report.warnings == []
    assert len({p.id for p in papers}) == 492
    assert sum(len(p.sources) for p in papers) == 545


def test_load_seeds_boilerplate_is_never_a_paper(seeds_loaded):
    papers, _ = seeds_loaded
    for paper in papers:
        assert not paper.title.startswith("Subscribe"), paper.title
        assert "trending papers in your email" not in paper.title
        assert paper.title not in {"new", "Jun 6", "Mar 11", "byAK and the research community"}
        assert len(paper.abstract) > len(paper.title)


def test_load_seeds_first_items_of_each_variant(seeds_loaded):
    papers, _ = seeds_loaded
    first_of = {}
    for paper in papers:
        for source in paper.sources:
            name, line = source.rsplit(":", 1)
            first_of.setdefault(Path(name).name, (int(line), paper.title))
            first_of[Path(name).name] = min(first_of[Path(name).name], (int(line), paper.title))
    # compact page: "Subscribe" is glued to the first title on line 3
    assert first_of["000_57f9ce144d2ab001.txt"] == (
        3, "Controlgym: Large-Scale Safety-Critical Control Environments for Benchmarking "
           "Reinforcement Learning Algorithms")
    # spaced page: after "new", header, "Subscribe", "byAK ...", the date "Jun 6"
    assert first_of["001_16198d538db99336.txt"] == (
        11, "Beyond the Mean: Limit Theory and Tests for Infinite-Mean Autoregressive "
            "Conditional Durations")
    assert first_of["004_c303dea5e6a062c0.txt"] == (
        11, "Lie Group Decompositions for Equivariant Neural Networks")


def test_load_seeds_duplicate_keeps_every_source(seeds_loaded):
    papers, _ = seeds_loaded
    koopman = [p for p in papers if p.title == "Limits and Powers of Koopman Learning"]
    assert len(koopman) == 1
    assert [s.split("/")[-1] for s in koopman[0].sources] == [
        "000_57f9ce144d2ab001.txt:79", "001_16198d538db99336.txt:47",
        "003_ede0ff0c706879e0.txt:109"]


def test_load_seeds_trailing_whitespace_lines_ignored(seeds_loaded):
    # 003 ends with ~35 lines of tabs and non-breaking spaces: not records
    papers, _ = seeds_loaded
    last = [p for p in papers if any("003_ede0ff0c706879e0.txt:399" in s for s in p.sources)]
    assert [p.title for p in last] == ["Computable Stochastic Processes"]


def test_load_seeds_ids_are_title_hashes_and_stable(seeds_loaded):
    papers, _ = seeds_loaded
    again, _ = load_papers([SEEDS])
    assert [p.id for p in papers] == [p.id for p in again]
    assert all(p.id == short_hash(title_key(p.title)) for p in papers)


def test_load_seeds_stream_matches_merge(seeds_loaded):
    papers, _ = seeds_loaded
    report = LoadReport()
    streamed = list(iter_papers([SEEDS], report=report))
    assert [p.id for p in streamed] == [p.id for p in papers]
    assert report.records_seen == 545 and report.duplicates_merged == 53
    assert report.papers_kept == 492


# --- de-duplication and ids ----------------------------------------------------------


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_load_dedup_by_arxiv_doi_and_title(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [
        {"title": "Paper One", "abstract": "x", "arxiv_id": "2301.01234v1"},
        {"title": "Paper Two", "abstract": "y", "doi": "10.1000/ABC"},
        {"title": "Paper Three: A Study", "abstract": "z"},
    ])
    _jsonl(tmp_path / "b.jsonl", [
        {"title": "Another title", "abstract": "x2", "url": "https://arxiv.org/abs/2301.01234v3",
         "year": 2023},
        {"title": "Different", "abstract": "y2", "doi": "https://doi.org/10.1000/abc"},
        {"title": "paper three -- a study!", "abstract": "z2", "authors": ["A B"]},
    ])
    papers, report = load_papers([tmp_path])
    assert [p.title for p in papers] == ["Paper One", "Paper Two", "Paper Three: A Study"]
    assert report.duplicates_merged == 3 and report.papers_kept == 3
    one, _, three = papers
    assert one.id == "2301.01234" and one.year == 2023  # filled in from the duplicate
    assert one.abstract == "x"  # first seen wins
    assert [s.split("/")[-1] for s in three.sources] == ["a.jsonl:3", "b.jsonl:3"]
    assert three.authors == ["A B"]


def test_load_own_id_kept_and_clash_disambiguated(tmp_path):
    path = _jsonl(tmp_path / "ids.jsonl", [
        {"id": "p1", "title": "First", "abstract": "a"},
        {"id": "p1", "title": "Second", "abstract": "b"},
        {"id": "http://arxiv.org/abs/1706.03762v5", "title": "Third", "abstract": "c"},
    ])
    papers, report = load_papers([path])
    assert [p.id for p in papers] == ["p1", "p1~2", "1706.03762"]
    assert "id 'p1' is already used" in report.warnings[0]


def test_load_ids_stable_across_runs_and_order_of_sources():
    a, _ = load_papers([FIXTURES])
    b, _ = load_papers([FIXTURES])
    assert [p.model_dump() for p in a] == [p.model_dump() for p in b]


def test_load_stream_drops_later_duplicates(tmp_path):
    path = _jsonl(tmp_path / "d.jsonl", [
        {"title": "Same", "abstract": "first"},
        {"title": "SAME!", "abstract": "second"},
    ])
    report = LoadReport()
    papers = list(iter_papers([path], report=report))
    assert [(p.abstract, p.sources) for p in papers] == [("first", [f"{path}:1"])]
    assert report.duplicates_merged == 1 and report.papers_kept == 1


def test_load_merging_stream_yields_first_seen_then_gives_the_merged(seeds_loaded, tmp_path):
    papers, report = seeds_loaded
    stream = stream_papers([SEEDS])
    with pytest.raises(RuntimeError, match="once every paper is read"):
        stream.papers  # noqa: B018 - the property raises before the end
    seen = list(stream)
    # each paper as its first record made it: the id, title and abstract it keeps
    assert [(p.id, p.title, p.abstract) for p in seen] == [
        (p.id, p.title, p.abstract) for p in papers]
    assert stream.papers == papers  # duplicates merged in, as load_papers does
    assert stream.report == report
    assert sum(len(p.sources) for p in seen) < sum(len(p.sources) for p in stream.papers)
    with pytest.raises(RuntimeError, match="read once"):
        iter(stream)

    path = _jsonl(tmp_path / "m.jsonl", [
        {"title": "Same", "abstract": "first"},
        {"title": "Other", "abstract": "b"},
        {"title": "SAME!", "abstract": "second", "year": 2020},
    ])
    stream = stream_papers([path])
    assert [p.abstract for p in stream] == ["first", "b"]
    same = stream.papers[0]
    assert (same.abstract, same.year, len(same.sources)) == ("first", 2020, 2)
    assert stream.report.duplicates_merged == 1


def test_load_merging_stream_errors_as_load_papers(tmp_path):
    with pytest.raises(SourceError):
        stream_papers([tmp_path / "missing.jsonl"])  # at the call, before reading
    empty = _jsonl(tmp_path / "empty.jsonl", [{"title": "", "abstract": ""}])
    stream = stream_papers([empty])
    with pytest.raises(EmptyInputError, match="every record was skipped"):
        list(stream)


# --- a directory mixing every format ---------------------------------------------------


def test_load_mixed_directory_counts(tmp_path, caplog):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES, corpus / "nested")
    (corpus / ".hidden.jsonl").write_text("not read", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="paperkg"):
        papers, report = load_papers([corpus])
    # 11 paper files read; binary.jsonl and notes.md skipped with a warning
    assert report.files_read == 11 and report.files_skipped == 2
    # records: dump 3 + feed 3 + snapshot 3 + broken 5 + listings 3+3 + csv 4 + json 3
    #          + jsonl 3 + tsv 2 + bib 5
    assert report.records_seen == 37
    assert report.records_skipped == 8  # broken 3, csv 2, json 1, bib 2
    # Attention (feed, jsonl, bib), FNO (feed, snapshot), Deep Sets (listing, csv),
    # Layer Normalization (json, tsv by DOI)
    assert report.duplicates_merged == 5
    assert report.papers_kept == len(papers) == 37 - 8 - 5
    warned = "\n".join(report.warnings)
    assert "binary.jsonl: binary file" in warned and "notes.md: unsupported file type" in warned
    assert len(caplog.records) == len(report.warnings)
    attention = next(p for p in papers if p.id == "1706.03762")
    assert [s.split("/")[-1] for s in attention.sources] == [
        "arxiv_feed.xml:10", "papers.jsonl:2", "refs.bib:18"]
    assert report.summary() == ("11 files read, 37 records seen, 24 papers kept, "
                                "5 duplicates merged, 8 records skipped, 2 files skipped")


# --- bad input ------------------------------------------------------------------------


def test_load_missing_path_is_source_error(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(SourceError, match=f"path not found: {missing}"):
        load_papers([FIXTURES / "papers.jsonl", missing])


def test_load_unsupported_explicit_file_is_source_error():
    with pytest.raises(SourceError) as info:
        load_papers([FIXTURES / "notes.md"])
    assert "notes.md" in str(info.value) and ".jsonl" in str(info.value)
    assert type(info.value) is SourceError and info.value.exit_code == 2


def test_load_unknown_format_lists_valid_names():
    with pytest.raises(SourceError, match="unknown format 'yaml'.*listing, jsonl, json"):
        load_papers([FIXTURES / "papers.jsonl"], fmt="yaml")


def test_load_errors_raised_before_iteration(tmp_path):
    with pytest.raises(SourceError):
        iter_papers([tmp_path / "missing"])  # no next() needed


def test_load_binary_file_warned_and_skipped(tmp_path):
    shutil.copy(FIXTURES / "binary.jsonl", tmp_path)
    shutil.copy(FIXTURES / "papers.jsonl", tmp_path)
    papers, report = load_papers([tmp_path / "binary.jsonl", tmp_path / "papers.jsonl"])
    assert len(papers) == 3 and report.files_skipped == 1
    assert report.warnings == [f"{tmp_path / 'binary.jsonl'}: binary file (NUL bytes), not text; "
                               "skipped"]


def test_load_undecodable_after_the_sniffed_head(tmp_path):
    path = tmp_path / "late.jsonl"
    good = json.dumps({"title": "T", "abstract": "A" * 100}) + "\n"
    path.write_bytes(good.encode() * 1000 + b'{"title": "\xff\xfe"}\n')
    papers, report = load_papers([path])
    assert len(papers) == 1 and report.duplicates_merged == 999
    assert report.warnings[-1].startswith(f"{path}:1001: not UTF-8 text")
    assert report.files_read == 1


def test_load_nothing_usable_is_empty_input_error(tmp_path):
    path = _jsonl(tmp_path / "bad.jsonl", [{"title": "no abstract"}, {"abstract": "no title"}])
    with pytest.raises(EmptyInputError) as info:
        load_papers([path])
    message = str(info.value)
    assert "2 records seen" in message and "non-empty title and abstract" in message
    assert info.value.exit_code == 1


def test_load_empty_directory_is_empty_input_error(tmp_path):
    with pytest.raises(EmptyInputError, match="no files found"):
        load_papers([tmp_path])


def test_load_forced_format_reads_any_extension(tmp_path):
    path = tmp_path / "papers.data"
    shutil.copy(FIXTURES / "papers.jsonl", path)
    with pytest.raises(SourceError):
        load_papers([path])
    papers, _ = load_papers([path], fmt="jsonl")
    assert len(papers) == 3


def test_load_warnings_are_capped(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("{broken\n" * 1500 + '{"title": "T", "abstract": "A"}\n', encoding="utf-8")
    papers, report = load_papers([path])
    assert len(papers) == 1 and report.records_skipped == 1500
    assert len(report.warnings) == 1001 and "more than 1000 warnings" in report.warnings[-1]


def test_load_file_named_twice_is_read_once():
    papers, report = load_papers([FIXTURES / "papers.jsonl", FIXTURES])
    assert report.files_read == 11 and report.records_seen == 37
    gcn = next(p for p in papers if p.id == "gcn")
    assert len(gcn.sources) == 1


def test_load_corrupt_gzip_is_warned(tmp_path):
    path = tmp_path / "papers.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"garbage, not deflate data" * 10)
    shutil.copy(FIXTURES / "papers.tsv", tmp_path)
    papers, report = load_papers([tmp_path])
    assert len(papers) == 2 and report.files_skipped == 1
    assert "papers.jsonl.gz" in report.warnings[0]


# --- red-team regressions (issue 26): size limits, accounting, nothing dropped silently -

_PROSE = ("We study a simple problem and prove that the method converges under mild "
          "assumptions on the data. ")


def _records(n: int, start: int = 0) -> list[dict]:
    return [{"id": f"p{i}", "title": f"Paper number {i}", "abstract": _PROSE * 2}
            for i in range(start, start + n)]


def _accounted(report: LoadReport) -> bool:
    return (report.records_seen
            == report.papers_kept + report.duplicates_merged + report.records_skipped)


def test_load_huge_abstract_truncated_to_the_field_limit_with_a_warning(tmp_path):
    from paperkg.load import Limits

    huge = "word " * 2_000
    records = [*_records(2), {"id": "big", "title": "Huge", "abstract": huge}, *_records(2, 2)]
    path = _jsonl(tmp_path / "big.jsonl", records)
    papers, report = load_papers([path], limits=Limits(max_field_chars=1_000))
    assert len(papers) == 5 and _accounted(report)
    big = next(p for p in papers if p.id == "big")
    assert len(big.abstract) <= 1_000
    assert report.records_truncated == 1 and "1 truncated" in report.summary()
    assert any(w.startswith(f"{path}:3: abstract of") and "truncated to 1,000" in w
               for w in report.warnings)


def test_load_default_field_limit_keeps_texts_under_spacy_max_length():
    from paperkg.load.limits import DEFAULT_FIELD_CHARS

    assert DEFAULT_FIELD_CHARS < 1_000_000


def test_load_field_limit_from_the_environment(tmp_path, monkeypatch):
    from paperkg.errors import SourceError as Err
    from paperkg.load import Limits

    monkeypatch.setenv("PAPERKG_MAX_FIELD_CHARS", "50")
    assert Limits.from_env().max_field_chars == 50
    monkeypatch.setenv("PAPERKG_MAX_FIELD_CHARS", "lots")
    with pytest.raises(Err, match="PAPERKG_MAX_FIELD_CHARS"):
        Limits.from_env()


def test_load_gzipped_line_over_the_line_limit_skipped_not_held(tmp_path):
    import gzip

    from paperkg.load import Limits

    lines = [json.dumps(r) for r in _records(3)]
    lines.insert(1, json.dumps({"title": "Huge", "abstract": "x" * 50_000}))
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    papers, report = load_papers([path], limits=Limits(max_line_bytes=10_000))
    assert [p.id for p in papers] == ["p0", "p1", "p2"]
    assert report.records_skipped == 1 and _accounted(report)
    assert f"{path}:2: line longer than the 10,000-byte line limit" in report.warnings[0]


def test_load_line_limit_in_a_whole_file_format_keeps_the_records_before(tmp_path):
    from paperkg.load import Limits

    body = ",\n".join(json.dumps(r) for r in _records(3))
    path = tmp_path / "papers.json"
    path.write_text(f"[\n{body},\n" + json.dumps({"title": "T", "abstract": "y" * 5_000})
                    + "\n]\n")
    papers, report = load_papers([path], limits=Limits(max_line_bytes=1_000))
    assert len(papers) == 3
    assert any(":5: line longer than" in w and "rest of file skipped" in w
               for w in report.warnings)


def test_load_pipe_loses_no_record_to_format_detection(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = "".join(json.dumps(r) + "\n" for r in _records(600)).encode()
    assert len(data) > 2 * 65536  # more than the sniffed head, twice

    def feed() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        papers, report = load_papers([fifo], fmt="jsonl")
    finally:
        writer.join()
    assert len(papers) == 600 and report.records_seen == 600


def test_load_unreadable_subfolder_is_warned_and_counted(tmp_path, monkeypatch):
    _jsonl(tmp_path / "a.jsonl", _records(2))
    locked = tmp_path / "locked"
    locked.mkdir()
    _jsonl(locked / "b.jsonl", _records(2, 2))
    real_scandir = os.scandir

    def scandir(path="."):  # what chmod 000 does for an unprivileged user
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    papers, report = load_papers([tmp_path])
    assert len(papers) == 2 and report.files_skipped == 1
    assert any(w.startswith(f"{locked}: cannot read folder (Permission denied)")
               for w in report.warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder")
def test_load_chmod_000_subfolder_is_warned_and_counted(tmp_path):
    _jsonl(tmp_path / "a.jsonl", _records(2))
    locked = tmp_path / "locked"
    locked.mkdir()
    _jsonl(locked / "b.jsonl", _records(2, 2))
    locked.chmod(0)
    try:
        papers, report = load_papers([tmp_path])
    finally:
        locked.chmod(0o755)
    assert len(papers) == 2 and report.files_skipped == 1


def test_load_corrupt_txt_gz_is_called_a_bad_gzip_not_unsupported(tmp_path):
    path = tmp_path / "page.txt.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data" * 10)
    with pytest.raises(EmptyInputError):
        load_papers([path])
    report = LoadReport()
    with pytest.raises(EmptyInputError):
        list(iter_papers([path], report=report))
    assert "not a valid gzip file" in report.warnings[0]


def test_load_ids_differing_only_by_control_characters_stay_distinct(tmp_path):
    path = _jsonl(tmp_path / "ids.jsonl", [
        {"id": "c\u0001", "title": "One", "abstract": "a"},
        {"id": "c\u0002", "title": "Two", "abstract": "b"},
        {"id": "c", "title": "Three", "abstract": "c"},
    ])
    papers, _ = load_papers([path])
    assert [p.id for p in papers] == ["c\\u0001", "c\\u0002", "c"]


def test_load_own_id_like_a_renamed_one_is_kept(tmp_path):
    # "same-2" became "same-2-2" because an earlier clash of "same" had been renamed to
    # "same-2" (issue 26, minor)
    path = _jsonl(tmp_path / "ids.jsonl", [
        {"id": "same", "title": "First", "abstract": "a"},
        {"id": "same", "title": "Second", "abstract": "b"},
        {"id": "same-2", "title": "Third", "abstract": "c"},
    ])
    for papers in (load_papers([path])[0], list(iter_papers([path]))):
        assert [p.id for p in papers] == ["same", "same~2", "same-2"]


def test_load_path_behind_an_unsearchable_folder_is_cannot_read_not_missing(monkeypatch,
                                                                              tmp_path):
    from pathlib import Path as P

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(P, "exists", refuse)
    with pytest.raises(SourceError, match=r"^cannot read .*x\.jsonl: Permission denied$"):
        load_papers([tmp_path / "locked" / "x.jsonl"])


def test_load_fifo_inside_a_directory_is_warned_and_counted(tmp_path):
    _jsonl(tmp_path / "a.jsonl", _records(2))
    os.mkfifo(tmp_path / "pipe.jsonl")
    papers, report = load_papers([tmp_path])
    assert len(papers) == 2 and report.files_skipped == 1
    assert report.warnings == [f"{tmp_path / 'pipe.jsonl'}: not a regular file (a FIFO or "
                               "device); skipped"]
