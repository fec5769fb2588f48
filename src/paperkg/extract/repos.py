"""GitHub repository links: find every ``github.com/owner/name`` in a text.

Abstracts extracted from PDFs damage URLs: a line break turns into a space after
``github.com/`` or after a hyphen inside the path ("github.com/ MIT- REALM/architect"),
LaTeX wraps them in ``\\url{...}`` or ``\\href{...}{...}`` and escapes their underscores
(``SRD\\_ossl``), and sentences end with
punctuation glued to the link. :func:`find_repos` undoes that damage and returns the
``owner/name`` exactly as spelled in the URL (case kept). ``*.github.io`` pages are
project pages, not repositories, and are ignored.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["RepoMatch", "find_repos", "normalize_repo"]

# owner: letters, digits, single hyphens (GitHub rule); name: letters, digits, - _ .
# A space is tolerated right after "github.com/" and after a hyphen or a slash
# (PDF line breaks); nothing else may break the path.
_REPO = re.compile(
    r"""(?<![\w.@-])                                   # not part of a longer host
        (?:https?\s*:\s*//\s*)?(?:www\.)?github\.com\s*/\s?
        (?P<owner>[A-Za-z0-9](?:[A-Za-z0-9]|-\s?(?=[A-Za-z0-9]))*)
        \s?/\s?
        (?P<name>[A-Za-z0-9_.](?:[A-Za-z0-9_.]|\\(?=_)|-\s?(?=[A-Za-z0-9_.]))*)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Words that follow a hyphen broken across a line and that, when glued back, would be
# wrong; the path then really ended at the hyphen. Kept tiny on purpose.
_RESERVED_OWNERS = frozenset({"about", "features", "pricing", "orgs", "topics", "sponsors",
                              "marketplace", "explore", "collections", "settings", "login"})


class RepoMatch(NamedTuple):
    """One repository link: the raw span in the text and the ``owner/name`` it names."""

    start: int
    end: int
    name: str


def normalize_repo(owner: str, name: str) -> str | None:
    """``("MIT- REALM", "architect.git.")`` -> ``"MIT-REALM/architect"``; a LaTeX-escaped
    underscore (``"SRD\\_ossl"``) is unescaped.

    Returns ``None`` when nothing repository-like is left.
    """
    owner = re.sub(r"\s+", "", owner)
    name = re.sub(r"\s+", "", name).replace("\\_", "_")
    name = name.rstrip(".")
    if name.lower().endswith(".git"):
        name = name[:-4]
    name = name.rstrip(".")
    if not owner or not name or owner.lower() in _RESERVED_OWNERS:
        return None
    return f"{owner}/{name}"


def find_repos(text: str) -> list[RepoMatch]:
    """Every GitHub repository linked in ``text``, in order of appearance.

    The span covers the URL from its scheme (or ``github.com``) to the end of the
    repository name, so ``text[start:end]`` is the (possibly damaged) link itself.
    Paths beyond the name ("/tree/main/src", "/blob/...") are not part of the span.
    O(len(text)).
    """
    out: list[RepoMatch] = []
    if text.isascii() and "github" not in text.lower():
        return out  # the pattern needs "github" (any case); most abstracts have none
    for m in _REPO.finditer(text):
        name = normalize_repo(m.group("owner"), m.group("name"))
        if name is None:
            continue
        end = m.end("name")
        # trailing dots are sentence punctuation, not part of the name
        while end > m.start("name") and text[end - 1] in ". ":
            end -= 1
        raw = text[m.start():end]
        if raw.lower().endswith(".git"):
            end -= 4
        out.append(RepoMatch(m.start(), end, name))
    return out
