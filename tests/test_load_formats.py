"""One test group per input format, on the small real-format files in tests/fixtures/."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from paperkg.errors import EmptyInputError
from paperkg.load import FORMATS, detect_format, load_papers
from paperkg.load.bibtex import clean_latex, split_bibtex_authors
from paperkg.load.records import arxiv_id_from, normalize_doi, parse_year, split_authors

FIXTURES = Path(__file__).parent / "fixtures"


def _load(name: str, fmt: str | None = None):
    return load_papers([FIXTURES / name], fmt=fmt)


def _by_title(papers):
    return {p.title: p for p in papers}


# --- registry and detection -------------------------------------------------------


def test_load_registry_names():
    assert {"listing", "jsonl", "json", "csv", "tsv", "atom", "arxiv-snapshot", "bibtex"} <= set(
        FORMATS
    )


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("listing_compact.txt", "listing"),
        ("listing_spaced.txt", "listing"),
        ("papers.jsonl", "jsonl"),
        ("arxiv_snapshot.jsonl", "jsonl"),
        ("papers.json", "json"),
        ("papers.csv", "csv"),
        ("arxiv_dump.csv", "csv"),
        ("papers.tsv", "tsv"),
        ("arxiv_feed.xml", "atom"),
        ("refs.bib", "bibtex"),
        ("notes.md", None),
        ("binary.jsonl", None),
    ],
)
def test_load_detect_format(name, fmt):
    assert detect_format(FIXTURES / name) == fmt


def test_load_detect_format_by_content_without_extension(tmp_path):
    for text, fmt in [
        ('{"title": "T", "abstract": "A"}\n', "jsonl"),
        ('[\n {"title": "T"}\n]\n', "json"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'></feed>", "atom"),
        ("@article{k, title={T}}\n", "bibtex"),
        ((FIXTURES / "listing_compact.txt").read_text(encoding="utf-8"), "listing"),
        ("just a note\n", None),
    ]:
        path = tmp_path / "noext"
        path.write_text(text, encoding="utf-8")
        assert detect_format(path) == fmt, text[:30]


# --- listing pages ----------------------------------------------------------------


def test_load_listing_compact_unglues_subscribe():
    papers, report = _load("listing_compact.txt")
    assert [p.title for p in papers] == [
        "Neural Ordinary Differential Equations",
        "Physics-informed neural networks: A deep learning framework for solving forward and "
        "inverse problems involving nonlinear partial differential equations",
        "Deep Sets",
    ]
    assert papers[0].sources == [f"{FIXTURES / 'listing_compact.txt'}:3"]
    assert papers[0].abstract.startswith("We introduce a new family of deep neural network")
    assert report.records_seen == 3 and report.records_skipped == 0


def test_load_listing_spaced_skips_boilerplate():
    papers, report = _load("listing_spaced.txt")
    titles = [p.title for p in papers]
    assert titles == [
        "Score-Based Generative Modeling through Stochastic Differential Equations",
        "Light Schrödinger Bridge",
        "Sharper Bounds for ell_p Sensitivity Sampling",
    ]
    assert not {"new", "Subscribe", "Mar 11", "byAK and the research community"} & set(titles)
    assert papers[0].sources[0].endswith("listing_spaced.txt:11")
    assert report.records_seen == 3


def _abstract(i: int) -> str:
    return (f"Paper {i} studies a problem in depth. We propose a method and prove bounds. "
            "Experiments on standard benchmarks confirm the theory and show large gains over "
            "strong baselines in every setting we tried.")


@pytest.mark.parametrize("spaced", [False, True])
def test_load_listing_title_with_empty_abstract_is_warned_not_shifted(tmp_path, spaced, caplog):
    lines = ["Get trending papers in your email inbox!", "SubscribeFirst Paper", _abstract(1),
             "Second Paper Lost Its Abstract", "", "Third Paper", _abstract(3)]
    if spaced:
        lines = ["new", "Subscribe", "byAK and the research community", "Jun 6",
                 "First Paper", _abstract(1), "Second Paper Lost Its Abstract", "", "Third Paper",
                 _abstract(3)]
        text = "\n\n".join(lines) + "\n"
    else:
        text = "\n".join(lines) + "\n"
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    with caplog.at_level("WARNING", logger="paperkg"):
        papers, report = load_papers([path])
    assert [p.title for p in papers] == ["First Paper", "Third Paper"]
    assert papers[1].abstract == _abstract(3)
    assert report.records_seen == 3 and report.records_skipped == 1
    assert any("title without abstract" in w and "Second Paper" in w for w in report.warnings)
    assert any("page.txt:" in r.getMessage() for r in caplog.records)


def test_load_listing_last_title_without_abstract(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(f"Only Paper\n{_abstract(1)}\nDangling Title\n", encoding="utf-8")
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["Only Paper"]
    assert report.records_skipped == 1
    assert report.warnings[0].startswith(f"{path}:3: title without abstract")


def test_load_listing_short_abstract_still_paired(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(f"Alpha\n{_abstract(1)}\nBeta\nWe study beta.\nGamma\n{_abstract(3)}\n",
                    encoding="utf-8")
    papers, report = load_papers([path], fmt="listing")
    assert [(p.title, p.abstract[:14]) for p in papers] == [
        ("Alpha", "Paper 1 studie"), ("Beta", "We study beta."), ("Gamma", "Paper 3 studie")]
    assert report.records_skipped == 0


# --- JSON Lines / JSON / arXiv snapshot ----------------------------------------------


def test_load_jsonl_fields():
    papers, report = _load("papers.jsonl")
    gcn = papers[0]
    assert gcn.id == "gcn"
    assert gcn.year == 2016 and gcn.authors == ["Thomas N. Kipf", "Max Welling"]
    dropout = _by_title(papers)["Dropout: A Simple Way to Prevent Neural Networks from Overfitting"]
    assert dropout.year == 2014 and dropout.categories == ["cs.LG"]
    assert dropout.sources[0].endswith("papers.jsonl:4")  # blank line 3 is skipped, not counted
    assert report.records_seen == 3


def test_load_jsonl_broken_lines_warned_and_counted():
    papers, report = _load("broken.jsonl")
    assert [p.title for p in papers] == ["Generative Adversarial Networks",
                                         "Auto-Encoding Variational Bayes"]
    assert papers[1].id == "1312.6114" and papers[1].arxiv_id == "1312.6114"
    assert report.records_seen == 5 and report.records_skipped == 3
    where = [w.split(": ")[0].rsplit(":", 1)[1] for w in report.warnings]
    assert where == ["2", "3", "5"]
    assert "broken JSON line" in report.warnings[0]


def test_load_json_array_with_line_numbers():
    papers, report = _load("papers.json")
    ln, bn = papers
    assert ln.id == "paper-ln" and ln.title == "Layer Normalization"
    assert ln.abstract.startswith("Training deep neural networks is computationally expensive; "
                                  "normalizing")
    assert ln.authors == ["Jimmy Lei Ba", "Jamie Ryan Kiros"]
    assert ln.doi == "10.1000/layernorm.2016"
    assert bn.id == "1502.03167" and bn.url == "https://arxiv.org/abs/1502.03167v3"
    assert bn.sources[0].endswith("papers.json:11")
    assert report.records_skipped == 1 and "papers.json:10: JSON element 1 is str" in (
        report.warnings[0])


def test_load_json_wrapper_object_and_single_object(tmp_path):
    wrapped = tmp_path / "w.json"
    wrapped.write_text('{"count": 2,\n "papers": [\n  {"title": "A", "abstract": "a a"},\n'
                       '  {"title": "B", "abstract": "b b"}\n ]\n}\n', encoding="utf-8")
    papers, _ = load_papers([wrapped])
    assert [(p.title, p.sources[0].rsplit(":", 1)[1]) for p in papers] == [("A", "3"), ("B", "4")]
    single = tmp_path / "s.json"
    single.write_text('{"title": "Solo", "summary": "s s"}', encoding="utf-8")
    assert [p.title for p in load_papers([single])[0]] == ["Solo"]


def test_load_json_that_is_really_jsonl(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text('{"title": "A", "abstract": "x"}\n{"title": "B", "abstract": "y"}\n',
                    encoding="utf-8")
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["A", "B"] and report.records_skipped == 0


def test_load_json_truncated_keeps_earlier_records(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"title": "A", "abstract": "x"},\n {"title": "B", "abs', encoding="utf-8")
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["A"]
    assert report.files_read == 1
    assert any(w.startswith(f"{path}:2: broken JSON element 1") for w in report.warnings)


def test_load_arxiv_snapshot_fields():
    papers, _ = _load("arxiv_snapshot.jsonl")
    first = papers[0]
    assert first.id == "0704.0001" and first.arxiv_id == "0704.0001"
    assert first.title == ("Calculation of prompt diphoton production cross sections at "
                           "Tevatron and LHC energies")
    assert first.year == 2007  # first version, not update_date 2008
    assert first.authors[0] == "C. Balázs"
    assert first.categories == ["hep-ph"]
    assert first.doi == "10.1103/physrevd.76.013009"
    assert papers[2].id == "math/0303109" and papers[2].year == 2003
    assert papers[1].categories == ["cs.LG", "cs.NA", "math.NA"]


def test_load_arxiv_snapshot_forced_format():
    papers, _ = _load("arxiv_snapshot.jsonl", fmt="arxiv-snapshot")
    assert [p.arxiv_id for p in papers] == ["0704.0001", "2010.08895", "math/0303109"]


# --- CSV / TSV ----------------------------------------------------------------------


def test_load_csv_multiline_quoted_abstracts():
    papers, report = _load("papers.csv")
    ntk, deep_sets = papers
    assert ntk.id == "p-001" and ntk.arxiv_id == "1806.07572" and ntk.year == 2018
    assert "\n" not in ntk.abstract
    assert ntk.abstract.endswith('the "Neural Tangent Kernel" (NTK).')
    assert ntk.authors == ["Arthur Jacot", "Franck Gabriel", "Clément Hongler"]
    assert deep_sets.sources[0].endswith("papers.csv:8")
    assert deep_sets.authors == ["Manzil Zaheer", "Satwik Kottur"]
    assert report.records_seen == 4 and report.records_skipped == 2
    assert report.warnings[0].endswith("papers.csv:6: bad CSV row: 7 fields, header has 6")
    assert "papers.csv:7: no abstract" in report.warnings[1]


def test_load_csv_arxiv_dump_columns():
    papers, _ = _load("arxiv_dump.csv")
    assert len(papers) == 3
    assert papers[0].title == "Survey on Semantic Stereo Matching / Semantic Depth Estimation"
    assert papers[0].categories == ["cs.CV", "cs.LG"]
    assert papers[1].abstract.startswith("The recent advancements in artificial intelligence")
    assert papers[2].sources[0].endswith("arxiv_dump.csv:9")


def test_load_csv_without_title_column_is_skipped(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,text\na,b\n", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        load_papers([path])
    good = tmp_path / "y.csv"
    good.write_text("title,abstract\nT,A\n", encoding="utf-8")
    papers, report = load_papers([tmp_path])
    assert [p.title for p in papers] == ["T"]
    assert report.files_skipped == 1 and "header has no title column" in report.warnings[0]


def test_load_csv_semicolon_delimited(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("Title;Abstract;Year\nA paper;Some text, with a comma;2021\n",
                    encoding="utf-8")
    (paper,), _ = load_papers([path])
    assert paper.abstract == "Some text, with a comma" and paper.year == 2021


def test_load_tsv():
    papers, _ = _load("papers.tsv")
    adam, ln = papers
    assert adam.title == "Adam: A Method for Stochastic Optimization"
    assert adam.abstract.startswith("We introduce Adam")
    assert ln.categories == ["stat.ML", "cs.LG"] and ln.doi == "10.1000/layernorm.2016"


# --- Atom -------------------------------------------------------------------------


def test_load_atom_three_entries():
    papers, report = _load("arxiv_feed.xml")
    assert [p.id for p in papers] == ["1706.03762", "2010.08895", "math/0211159"]
    fno = papers[1]
    assert fno.title == "Fourier Neural Operator for Parametric Partial Differential Equations"
    assert fno.abstract.startswith("The classical development of neural networks")
    assert fno.authors == ["Zongyi Li", "Nikola Kovachki"]
    assert fno.year == 2020 and fno.categories == ["cs.LG", "math.NA"]
    assert fno.url == "http://arxiv.org/abs/2010.08895v3"
    assert papers[2].doi == "10.48550/arxiv.math/0211159"
    assert papers[0].categories == ["cs.CL", "cs.LG"]
    assert papers[0].sources[0].endswith("arxiv_feed.xml:10")
    assert report.records_seen == 3


def test_load_atom_refuses_entities(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                    "<feed><entry><title>&x;</title><summary>s</summary></entry></feed>\n",
                    encoding="utf-8")
    with pytest.raises(EmptyInputError):
        load_papers([path])
    papers, report = load_papers([tmp_path, FIXTURES / "arxiv_feed.xml"])
    assert "DOCTYPE/ENTITY declaration refused" in report.warnings[0]
    assert report.files_skipped == 1 and len(papers) == 3


def test_load_atom_not_well_formed_keeps_earlier_entries(tmp_path):
    text = (FIXTURES / "arxiv_feed.xml").read_text(encoding="utf-8")
    cut = text[: text.index("<entry>", text.index("</entry>"))] + "<entry><title>oops</summary>"
    path = tmp_path / "cut.atom"
    path.write_text(cut, encoding="utf-8")
    papers, report = load_papers([path])
    assert [p.id for p in papers] == ["1706.03762"]
    assert "XML is not well-formed" in report.warnings[0]


# --- BibTeX -------------------------------------------------------------------------


def test_load_bibtex_accents_braces_and_macros():
    papers, report = _load("refs.bib")
    bridge, attention, hoeffding = papers
    assert bridge.title == "Schrödinger Bridges for Generative Modeling: a Café Tour"
    assert bridge.authors == ["Jörg Müller", "María García", "Antonín Dvořák"]
    assert bridge.abstract == (
        "We revisit the Schrödinger bridge problem and show that entropic optimal transport "
        "with cost $O(n^2)$ recovers the Gaussian case of François et al. Our sampler is 20% "
        "faster.")
    assert bridge.doi == "10.1000/xyz.2023.42" and bridge.year == 2023
    assert attention.title == "Attention is All you Need"  # "..." # "..." concatenation
    assert attention.id == "1706.03762" and attention.authors == ["Ashish Vaswani",
                                                                  "Noam Shazeer"]
    assert hoeffding.year == 1963 and hoeffding.categories == ["concentration", "probability"]
    assert report.records_seen == 5 and report.records_skipped == 2
    assert any("refs.bib:29: no abstract" in w for w in report.warnings)
    assert any("refs.bib:35: malformed BibTeX entry" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ('{\\"o}', "ö"),
        ("\\'e", "é"),
        ("\\'{e}", "é"),
        ("{\\'\\i}", "í"),
        ("\\c{c}", "ç"),
        ("\\v{r}", "ř"),
        ("\\ss{}", "ß"),
        ("{\\o}", "ø"),
        ("\\~n", "ñ"),
        ("Fran\\c cois", "François"),
        ("{\\em Deep} \\textbf{Nets}", "Deep Nets"),
        ("50\\% \\& more", "50% & more"),
        ("$x_{1}$ and \\alpha", "$x_1$ and \\alpha"),
    ],
)
def test_load_bibtex_clean_latex(latex, text):
    assert clean_latex(latex) == text


def test_load_bibtex_authors_split_on_top_level_and():
    assert split_bibtex_authors("{Barnes and Noble} and Smith, John and de la Cruz, Ana") == [
        "Barnes and Noble", "John Smith", "Ana de la Cruz"]


# --- record helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://arxiv.org/abs/2301.01234v2", "2301.01234"),
        ("https://arxiv.org/pdf/2301.01234v1.pdf", "2301.01234"),
        ("arXiv:1706.03762", "1706.03762"),
        ("math/0101001v1", "math/0101001"),
        ("http://arxiv.org/abs/math.AG/0101001", "math.AG/0101001"),
        ("10.1000/xyz", None),
        ("p-001", None),
    ],
)
def test_load_arxiv_id_from(value, expected):
    assert arxiv_id_from(value) == expected


def test_load_record_helpers():
    assert normalize_doi("https://doi.org/10.1103/PhysRevD.76.013009") == "10.1103/physrevd.76.013009"
    assert parse_year("Mon, 2 Apr 2007 19:18:42 GMT") == 2007 and parse_year("n.d.") is None
    assert split_authors("A. One, B. Two and C. Three") == ["A. One", "B. Two", "C. Three"]
    assert split_authors("One, Ann and Two, Bob") == ["Ann One", "Bob Two"]
    assert split_authors([["Perelman", "Grisha", ""]]) == ["Grisha Perelman"]


def test_load_gzipped_jsonl(tmp_path):
    path = tmp_path / "papers.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write((FIXTURES / "papers.jsonl").read_text(encoding="utf-8"))
    papers, _ = load_papers([path])
    assert [p.id for p in papers][0] == "gcn" and len(papers) == 3


def test_load_utf16_with_bom(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_text("title,abstract\nÜber Netze,Ein Text\n", encoding="utf-16")
    (paper,), _ = load_papers([path])
    assert paper.title == "Über Netze"


def test_load_csv_line_numbers_after_blank_lines_before_header(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text('\n\ntitle,abstract\nA,"multi\nline"\nB,b\n', encoding="utf-8")
    papers, _ = load_papers([path])
    assert [p.sources[0].rsplit(":", 1)[1] for p in papers] == ["4", "6"]


def test_load_bibtex_at_sign_between_entries_is_text(tmp_path):
    path = tmp_path / "mail.bib"
    path.write_text("Questions: ask me@example.org\n"
                    "@misc{k, title={T}, abstract={A b}}\n", encoding="utf-8")
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["T"] and report.warnings == []
    assert report.records_seen == 1


# --- red-team regressions (issue 26) ------------------------------------------------

_PROSE = ("We study a simple problem and prove that the method converges under mild "
          "assumptions on the data. ")


def _counts(report):
    return (report.records_seen, report.papers_kept, report.duplicates_merged,
            report.records_skipped)


def test_load_json_invalid_byte_after_the_head_keeps_earlier_records(tmp_path):
    import json

    records = [{"title": f"Paper {i}", "abstract": _PROSE * 9} for i in range(80)]
    lines = [json.dumps(r) for r in records]
    assert sum(map(len, lines[:79])) > 65536
    path = tmp_path / "papers.json"
    path.write_bytes(("[\n" + ",\n".join(lines[:79]) + ",\n").encode()
                     + b'{"title": "Bad \xff byte", "abstract": "x"}\n]\n')
    papers, report = load_papers([path])
    assert len(papers) == 79
    assert any(":81: not UTF-8 text" in w and "rest of file skipped" in w
               for w in report.warnings)


def test_load_bibtex_invalid_byte_after_the_head_keeps_earlier_entries(tmp_path):
    entries = [f"@article{{k{i},\n  title = {{Paper {i}}},\n  abstract = {{{_PROSE * 9}}}\n}}\n"
               for i in range(80)]
    path = tmp_path / "refs.bib"
    path.write_bytes("".join(entries[:79]).encode() + b"@article{bad, title = {\xff}}\n")
    papers, report = load_papers([path])
    assert len(papers) == 79 and "not UTF-8 text" in report.warnings[-1]


def test_load_json_repeated_wrapper_key_reads_every_record(tmp_path):
    import json

    def recs(a, b):
        return [{"title": f"Paper {i}", "abstract": _PROSE} for i in range(a, b)]

    path = tmp_path / "papers.json"
    path.write_text('{"papers": ' + json.dumps(recs(0, 2)) + ', "papers": '
                    + json.dumps(recs(2, 5)) + "}")
    papers, report = load_papers([path])
    assert len(papers) == 5 and _counts(report) == (5, 5, 0, 0)
    assert "key 'papers' repeated" in report.warnings[0]


def test_load_bibtex_unclosed_entry_then_inline_entry_on_the_same_line(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(
        f"@article{{a, title = {{One}}, abstract = {{{_PROSE}}}}}\n"
        f"@article{{b, title = {{Two}}, abstract = {{{_PROSE}}}\n"
        f"@article{{c, title = {{Broken}}, abstract = {{unclosed  "
        f"@article{{d, title = {{Four}}, abstract = {{{_PROSE}}}}}\n"
        f"@article{{e, title = {{Five}}, abstract = {{{_PROSE}}}}}\n")
    papers, report = load_papers([path])
    assert {p.title for p in papers} == {"One", "Four", "Five"}
    assert report.records_seen == 5 and report.records_skipped == 2


def test_load_bibtex_string_doubling_chain_is_bounded(tmp_path):
    from paperkg.load import Limits

    macros = ["@string{m0 = \"ab\"}"] + [f"@string{{m{i} = m{i - 1} # m{i - 1}}}"
                                          for i in range(1, 31)]
    path = tmp_path / "bomb.bib"
    path.write_text("\n".join(macros) + "\n@article{x, title = {Bomb}, abstract = m30}\n"
                    f"@article{{y, title = {{Fine}}, abstract = {{{_PROSE}}}}}\n")
    papers, report = load_papers([path], limits=Limits(max_field_chars=5_000))
    assert [len(p.abstract) for p in papers] == [5_000, len(_PROSE.strip())]
    assert report.records_truncated == 1 and "truncated to 5,000" in report.warnings[0]


def test_load_bibtex_key_check_does_not_copy_the_rest_of_the_file():
    # the "@article{key," test used to slice sc.text[m.end():] per entry (quadratic)
    from paperkg.load.bibtex import parse

    text = "".join(f"@article{{k{i}, title = {{T{i}}}}}\n" for i in range(3))
    text += "@article{title = {No key}}\n"
    entries = [item for _, item in parse(text)]
    assert [e[1] for e in entries] == ["k0", "k1", "k2", ""]
    assert entries[-1][2]["title"] == "No key"


def test_load_csv_cut_inside_a_quoted_field_is_warned_not_truncated(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text(f'title,abstract\nOne,"{_PROSE}"\nTwo,"{_PROSE}\nand then the file ends')
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["One"]
    assert _counts(report) == (2, 1, 0, 1)
    assert report.warnings == [f"{path}:3: CSV row cut inside a quoted field at the end of "
                               "the file"]


def test_load_concatenated_csv_header_row_is_not_a_paper(tmp_path):
    path = tmp_path / "papers.csv"
    part = "title,abstract\n{0},\"{1}\"\n"
    path.write_text(part.format("One", _PROSE) + part.format("Two", _PROSE))
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["One", "Two"]
    assert "the header row again" in report.warnings[0]


def test_load_csv_duplicate_column_first_wins_with_a_warning(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text(f'title,abstract,title\nOne,"{_PROSE}",Other\n')
    papers, report = load_papers([path])
    assert papers[0].title == "One"
    assert report.warnings == [f"{path}:1: column 'title' appears more than once; the first "
                               "is used"]


def test_load_listing_short_abstract_then_long_title_pairs_correctly(tmp_path):
    title2 = ("Scaling Laws for " + "Very Deep Graph Neural Network Architectures " * 6)[:260]
    assert len(title2) == 260 and not title2.endswith(".")
    path = tmp_path / "page.txt"
    path.write_text(f"A Short Paper\nWe show that a one-sentence abstract is kept.\n"
                    f"{title2}\n{_PROSE * 3}\nThird Paper\n{_PROSE * 3}\n")
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["A Short Paper", title2.strip(), "Third Paper"]
    assert report.records_skipped == 0


def test_load_nan_title_is_skipped_not_a_paper_called_nan(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text('{"title": NaN, "abstract": "text"}\n'
                    '{"title": "Real", "abstract": "text"}\n')
    papers, report = load_papers([path])
    assert [p.title for p in papers] == ["Real"]
    assert "title is not text (float)" in report.warnings[0]
