"""Property tests: whatever a file holds, the loaders raise only paperkg errors."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkg.errors import PaperKGError
from paperkg.load import FORMATS, iter_papers, load_papers
from paperkg.models import LoadReport, Paper

EXTENSIONS = [".txt", ".jsonl", ".json", ".csv", ".tsv", ".xml", ".bib", ".ndjson", ".atom", "",
              ".jsonl.gz", ".md"]

# Text that looks a bit like each format, so the parsers get past their first checks.
_FRAGMENTS = st.sampled_from([
    "{", "}", "[", "]", '"title"', '"abstract"', ":", ",", "\n", "\r\n", "\t", '"', "'",
    "title,abstract\n", "titles\tsummaries\n", "<feed>", "</feed>", "<entry>", "</entry>",
    "<title>", "</title>", "<summary>", "</summary>", "<!DOCTYPE x>", "&amp;", "@article{",
    "@string{", "title = {", "abstract = ", "#", "\\\"o", "\\'{\\i}", "{", "Subscribe",
    "Get trending papers in your email inbox!", "byAK and the research community", "Jun 6",
    "A Title", "We study things. We prove more. It works. ", "arXiv:2301.01234v2",
    "math/0101001", "10.1000/x", "1e999", "NaN", "null", "\x00", "\ufeff", "\u2028", "\x0c",
])
TEXTS = st.one_of(st.text(max_size=400), st.lists(_FRAGMENTS, max_size=60).map("".join))


def _check(data: bytes, suffix: str, fmt: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        for sources in ([path], [Path(tmp)]):
            try:
                papers, report = load_papers(sources, fmt=fmt)
            except PaperKGError:
                # nothing usable: the counts must still add up (the streaming loader
                # fills a report the caller holds, also when it raises at the end)
                report = LoadReport()
                try:
                    papers = list(iter_papers(sources, fmt=fmt, report=report))
                except PaperKGError:
                    papers = []
                assert report.papers_kept == len(papers) == 0
            else:
                assert all(isinstance(p, Paper) for p in papers)
                assert report.papers_kept == len(papers) >= 1
            assert (report.records_seen
                    == report.papers_kept + report.duplicates_merged + report.records_skipped)


_SETTINGS = settings(max_examples=50, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("suffix", EXTENSIONS)
@_SETTINGS
@given(text=TEXTS)
def test_load_properties_arbitrary_text_raises_only_our_errors(suffix, text):
    _check(text.encode("utf-8", "surrogatepass"), suffix)


@pytest.mark.parametrize("suffix", EXTENSIONS)
@_SETTINGS
@given(data=st.binary(max_size=400))
def test_load_properties_arbitrary_bytes_raise_only_our_errors(suffix, data):
    _check(data, suffix)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@_SETTINGS
@given(text=TEXTS)
def test_load_properties_forced_format_raises_only_our_errors(fmt, text):
    _check(text.encode("utf-8", "surrogatepass"), ".dat", fmt=fmt)


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".csv.gz", ".bib.gz"])
@_SETTINGS
@given(text=TEXTS, cut=st.integers(min_value=0, max_value=200))
def test_load_properties_gzipped_and_truncated_raise_only_our_errors(suffix, text, cut):
    import gzip

    data = gzip.compress(text.encode("utf-8", "surrogatepass"))
    _check(data[: len(data) - cut] if cut else data, suffix)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(
    [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()] + list("ab .\u00e9")), max_size=50)
    | st.text(max_size=100))
def test_load_properties_fast_title_key_equals_title_key(text):
    from paperkg.load.records import fast_title_key
    from paperkg.text import title_key

    assert fast_title_key(text) == title_key(text)


# --- every loader, records written by the test: in = kept + merged + skipped ------------

_FIELD = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "=SUM(A1)", "\t=1+1", "c\u0001", "c\u0002", "NaN", "@x", "{", "}"]),
)
_RECORD = st.fixed_dictionaries({"id": _FIELD, "title": _FIELD, "abstract": _FIELD})


def _write(fmt: str, records: list[dict[str, str]], path: Path) -> None:
    import csv
    import json
    from xml.sax.saxutils import escape

    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif fmt == "arxiv-snapshot":
        path.write_text("".join(json.dumps({
            **r, "authors": "A. One and B. Two", "authors_parsed": [["One", "A."]],
            "categories": "cs.LG", "update_date": "2024-01-02",
            "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}],
        }) + "\n" for r in records), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    elif fmt in ("csv", "tsv"):
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter="," if fmt == "csv" else "\t")
            writer.writerow(["id", "title", "abstract"])
            writer.writerows([r["id"], r["title"], r["abstract"]] for r in records)
    elif fmt == "atom":
        def clean(text: str) -> str:  # what XML 1.0 can hold at all
            return "".join(c for c in text if c in "\t\n\r" or " " <= c <= "\ud7ff"
                           or "\ue000" <= c <= "\ufffd")

        entries = "".join(f"<entry><id>{escape(clean(r['id']))}</id>"
                          f"<title>{escape(clean(r['title']))}</title>"
                          f"<summary>{escape(clean(r['abstract']))}</summary></entry>\n"
                          for r in records)
        path.write_text(f"<feed>\n{entries}</feed>\n", encoding="utf-8")
    elif fmt == "bibtex":
        def braced(text: str) -> str:  # balanced: braces and backslashes dropped
            return "".join(c for c in text if c not in "{}\\@")

        path.write_text("".join(
            f"@article{{k{i},\n  title = {{{braced(r['title'])}}},\n"
            f"  abstract = {{{braced(r['abstract'])}}}\n}}\n"
            for i, r in enumerate(records)), encoding="utf-8")


# records whose text the format keeps apart (no stray separators inside a field)
# (listing pages pair lines by their shape, so their count is checked by the tests above)
_WRITTEN = ["jsonl", "json", "csv", "tsv", "atom", "bibtex", "arxiv-snapshot"]


@pytest.mark.parametrize("fmt", _WRITTEN)
@_SETTINGS
@given(records=st.lists(_RECORD, max_size=12))
def test_load_properties_every_record_is_accounted_for(fmt, records):
    from paperkg.load import iter_papers
    from paperkg.models import LoadReport

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.dat"
        _write(fmt, records, path)
        report = LoadReport()
        try:
            kept = list(iter_papers([path], fmt=fmt, report=report))
        except PaperKGError:
            kept = []
        assert len(kept) == report.papers_kept
        # a file that is not text at all (NUL bytes, mostly control characters) is
        # skipped whole and counted in files_skipped, with a warning
        assert report.records_seen == (0 if report.files_skipped else len(records))
        assert (report.records_seen
                == report.papers_kept + report.duplicates_merged + report.records_skipped)
