"""Trending-papers listing pages saved as text: a title line, then its abstract line.

Two page variants occur (see ``seeds/``):

* compact: two header lines ("Get trending papers in your email inbox once a day!",
  "Get trending papers in your email inbox!"), then "Subscribe" glued to the first
  title, then title/abstract lines alternating with no blank line;
* spaced: "new", "Get trending papers in your email inbox!", "Subscribe",
  "byAK and the research community", a date line ("Jun 6"), then title and abstract
  lines separated by blank lines.

Blank lines and page boilerplate are dropped wherever they occur; what is left is
paired title -> abstract. A pair is checked by shape: an abstract is long prose, a
title is one short line. A title whose next line is another title (its abstract is
missing or empty) is reported and skipped, so one missing abstract does not shift
every later pair; so is a lone abstract with no title before it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import TextIO

from paperkg.load.records import Bad, Raw

__all__ = ["read", "is_boilerplate", "looks_like_listing", "looks_like_title",
           "looks_like_abstract"]

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_BOILERPLATE = re.compile(
    r"^(?:new|subscribe|trending papers|daily papers|"
    r"get trending papers in your email inbox(?: once a day)?!?|"
    r"by\s*ak and the research community|"
    rf"{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|"
    rf"\d{{1,2}}\s+{_MONTHS}(?:,?\s+\d{{4}})?)$",
    re.I,
)
# "Subscribe" glued to the first title on compact pages: "SubscribeControlgym: ..."
_GLUED = re.compile(r"^Subscribe(?=[A-Z0-9\"'(\[])")

_TITLE_MAX = 300
_ABSTRACT_MIN = 200


def is_boilerplate(line: str) -> bool:
    """True for page furniture that is never a paper (header, "Subscribe", dates)."""
    return bool(_BOILERPLATE.match(line.strip()))


def looks_like_title(line: str) -> bool:
    """One short line without sentence structure."""
    text = line.strip()
    return 0 < len(text) <= _TITLE_MAX and text.count(". ") < 2


def looks_like_abstract(line: str) -> bool:
    """Long prose: at least ~200 characters or several sentences."""
    text = line.strip()
    return len(text) >= _ABSTRACT_MIN or text.count(". ") >= 2


def _ends_sentence(line: str) -> bool:
    """Prose ends with a full stop; a title rarely does."""
    return line.rstrip().endswith((".", "!", "?"))


def _content(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Non-blank, non-boilerplate lines with "Subscribe" unglued from the first title."""
    before_first = True
    for number, line in lines:
        text = line.strip()
        if not text or is_boilerplate(text):
            continue
        if before_first:
            text = _GLUED.sub("", text)
            before_first = False
        yield number, text


def read(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield one record per title/abstract pair of a listing page.

    Parameters
    ----------
    fh
        The page, opened as text.
    name
        Display name of the file (unused; warnings carry line numbers only).

    Yields
    ------
    Raw | Bad
        ``Raw(line, {"title", "abstract"})`` for a pair; ``Bad`` for a title without
        abstract or an abstract without title.
    """
    content = _content(enumerate(fh, start=1))
    pending = next(content, None)
    while pending is not None:
        number, title = pending
        nxt = next(content, None)
        if not looks_like_title(title):
            yield Bad(number, "text line with no title before it (an abstract without title?)")
            pending = nxt
            continue
        if nxt is None:
            yield Bad(number, f"title without abstract: {title[:60]!r}")
            return
        after = nxt[1]
        if looks_like_title(after) and not looks_like_abstract(after):
            # Two title-shaped lines in a row: the first lost its abstract unless the
            # second is a (short) abstract, i.e. the line after it is a title again.
            lookahead = next(content, None)
            # ... and a short abstract is told from a long title by its full stop: a
            # one-sentence abstract then a 260-character title pairs as title/abstract
            if (lookahead is not None and looks_like_abstract(lookahead[1])
                    and not (_ends_sentence(after) and not _ends_sentence(lookahead[1]))):
                yield Bad(number, f"title without abstract (empty abstract line): {title[:60]!r}")
                yield Raw(nxt[0], {"title": after, "abstract": lookahead[1]})
                pending = next(content, None)
                continue
            yield Raw(number, {"title": title, "abstract": after})
            pending = lookahead
            continue
        yield Raw(number, {"title": title, "abstract": after})
        pending = next(content, None)


def looks_like_listing(head: str) -> bool:
    """True when a text parses as title/abstract pairs (more pairs than stray lines).

    Used to recognise listing pages among ``.txt`` files; ``head`` is the start of
    the file (a last, cut line is ignored).
    """
    lines = head.split("\n")
    if len(head) >= 4096 and len(lines) > 1:
        lines = lines[:-1]
    items = list(read(io.StringIO("\n".join(lines)), ""))
    pairs = [item for item in items if isinstance(item, Raw)]
    prose = sum(1 for item in pairs if looks_like_abstract(item.fields["abstract"]))
    return bool(pairs) and len(pairs) >= len(items) - len(pairs) and 2 * prose >= len(pairs)
