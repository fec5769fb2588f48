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
