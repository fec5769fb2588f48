"""Pieces of paper-level resolution (paperkg.extract.resolve)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.extract.resolve import find_word

_ALPHABET = st.sampled_from(list("abs-_ .,(é1²") + ["\u00a0", "\u0663"])


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=30), st.text(alphabet=_ALPHABET, min_size=1, max_size=4),
       st.booleans())
def test_find_word_is_the_pattern_it_replaces(text: str, word: str, plural: bool) -> None:
    """find_word gives the spans of the bounded pattern resolve compiled for each name,
    for any text: overlapping and adjacent occurrences, plural "s", non-ASCII word
    characters (``\\w`` is str.isalnum() or "_")."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(word) + (r"s?" if plural else "")
                         + r"(?![\w-])")
    assert list(find_word(text, word, plural=plural)) == [m.span() for m in pattern.finditer(text)]


def test_find_word_examples() -> None:
    text = "FNO, FNOs and the FNO-2D; xFNO FNO_ FNOS FNO"
    assert [text[s:e] for s, e in find_word(text, "FNO")] == ["FNO", "FNO"]
    assert [text[s:e] for s, e in find_word(text, "FNO", plural=True)] == ["FNO", "FNOs", "FNO"]
    assert list(find_word("", "FNO")) == [] and list(find_word("FNO", "")) == []


# --- issue 26: one long abstract made resolve_paper quadratic ---------------------------

_SPAN = st.tuples(st.sampled_from(["title", "abstract"]), st.integers(0, 30),
                  st.integers(0, 12)).map(lambda t: (t[0], t[1], t[1] + t[2]))


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(_SPAN, max_size=25), probes=st.lists(_SPAN, min_size=1, max_size=25))
def test_extract_resolve_inside_index_answers_as_the_scan_it_replaced(spans, probes):
    from paperkg.extract.candidates import Candidate, _inside, inside_index

    inside = inside_index(spans)
    for field, start, end in probes:
        c = Candidate(field, start, end, "x", "method", "chunk")
        assert inside(c) == _inside(c, spans)


def test_extract_resolve_long_dense_abstract_keeps_every_mention():
    # 400 repetitions of a sentence with a defined acronym, its variants and known
    # terms: the scans per candidate that made this take minutes are indexed now
    from paperkg.extract import Extractor
    from paperkg.models import Paper

    sentence = ("We train a Graph Neural Network (GNN) with Adam on ImageNet; GNN models and "
                "the PaRIS algorithm beat PaRIS. ")
    extractor = Extractor()
    one = extractor.extract(Paper(id="a", title="T", abstract=sentence))
    many = extractor.extract(Paper(id="a", title="T", abstract=sentence * 400))
    assert {e.id for e in many.entities} == {e.id for e in one.entities}
    counts = {e.id: len(e.mentions) for e in one.entities}
    assert {e.id: len(e.mentions) for e in many.entities} == {k: 400 * v
                                                               for k, v in counts.items()}
