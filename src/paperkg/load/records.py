"""Raw records -> validated :class:`~paperkg.models.Paper` (field names, ids, years, authors).

Every format module turns its input into :class:`Raw` records (a ``dict`` of the
fields it found, plus the line the record starts on) or :class:`Bad` records (a
malformed record: line and what is wrong). :func:`to_paper` maps the field names
all formats share onto a ``Paper`` and applies the id rules:

1. the record's own ``id`` (an arXiv id or ``arxiv.org/abs`` URL is reduced to the
   bare arXiv id without version);
2. else the arXiv id, from ``arxiv_id``/``arxiv``/``eprint``, an ``arxiv.org/abs``
   or ``/pdf`` URL in ``url``/``link``/``links``;
3. else ``short_hash(title_key(title))``.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from paperkg.models import Paper, xml_safe_id
from paperkg.text import normalize_space, short_hash, title_key

_TITLE_NONWORD = re.compile(r"\W+")

__all__ = [
    "Raw",
    "Bad",
    "Note",
    "UnusableFile",
    "BadRecord",
    "TITLE_FIELDS",
    "ABSTRACT_FIELDS",
    "to_paper",
    "arxiv_id_from",
    "normalize_doi",
    "parse_year",
    "split_authors",
    "fast_title_key",
]


@dataclass(slots=True)
class Raw:
    """One record as read: its fields and the 1-based line it starts on."""

    line: int
    fields: dict[str, Any]


@dataclass(slots=True)
class Bad:
    """A malformed record: the line it starts on and what is wrong with it."""

    line: int
    message: str


@dataclass(slots=True)
class Note:
    """Something about the file worth a warning that is not a record (a repeated
    header row, a duplicate column): warned with its line, counted nowhere."""

    line: int
    message: str


class UnusableFile(Exception):  # noqa: N818 - internal signal, never reaches a user
    """Raised by a format reader when the whole file cannot be used (e.g. no title column)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class BadRecord(ValueError):
    """A record that cannot become a paper (no title, no abstract, ...)."""


TITLE_FIELDS = ("title", "titles", "paper_title")
ABSTRACT_FIELDS = ("abstract", "summary", "summaries", "abstracts", "paper_abstract")
_ID_FIELDS = ("id",)
_ARXIV_FIELDS = ("arxiv_id", "arxivid", "arxiv", "eprint", "archiveprefix_id")
_URL_FIELDS = ("url", "link", "abs_url", "html_url")
_YEAR_FIELDS = ("year", "published", "date", "published_date", "publication_date",
                "created", "update_date", "updated")
_AUTHOR_FIELDS = ("authors", "author", "authors_parsed")
_CATEGORY_FIELDS = ("categories", "category", "terms", "primary_category", "keywords")

_URL_KEYS = frozenset((*_URL_FIELDS, "links"))
_ARXIV_KEYS = frozenset((*_ARXIV_FIELDS, "id", "links"))
_YEAR_KEYS = frozenset((*_YEAR_FIELDS, "versions"))

# New style 2301.01234 (4-5 digits after the dot since 2015), old style math/0101001
# or math.AG/0101001; an optional version suffix is dropped.
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_BARE = re.compile(rf"^(?:arxiv:)?\s*({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.I)
_ARXIV_URL = re.compile(
    rf"arxiv\.org/(?:abs|pdf|html)/({_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?(?:\.pdf)?(?:[?#/].*)?$",
    re.I,
)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
_AND = re.compile(r"\s+and\s+|\s*;\s*|\s*&\s*")


def _text(value: Any) -> str | None:
    """A scalar field as text (numbers are accepted, containers are not)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # NaN and infinities (JSON "NaN", an empty pandas cell) are no text at all
        return str(value) if math.isfinite(value) else None
    return None


def _first(fields: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        value = fields.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def fast_title_key(title: str) -> str:
    """:func:`paperkg.text.title_key`, skipping the accent folding for ASCII titles.

    Same result (NFKD leaves ASCII unchanged), several times faster on the common case.
    """
    if title.isascii():
        return _TITLE_NONWORD.sub(" ", title.lower()).strip()
    return title_key(title)


def arxiv_id_from(value: Any) -> str | None:
    """The bare arXiv id in an id, ``arXiv:`` reference or arxiv.org URL, else ``None``.

    >>> arxiv_id_from("http://arxiv.org/abs/2301.01234v2")
    '2301.01234'
    >>> arxiv_id_from("math/0101001v1")
    'math/0101001'
    """
    text = _text(value)
    if not text:
        return None
    text = text.strip()
    match = _ARXIV_BARE.match(text) or _ARXIV_URL.search(text)
    return match.group(1) if match else None


def normalize_doi(value: Any) -> str | None:
    """``"https://doi.org/10.1/ABC"`` -> ``"10.1/abc"`` (DOIs are case-insensitive)."""
    text = _text(value)
    if not text:
        return None
    match = _DOI.search(text.strip())
    return match.group(1).rstrip(".,;").lower() if match else None


def parse_year(value: Any) -> int | None:
    """First plausible four-digit year in a number or date string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1500 <= value <= 2999 else None
    text = _text(value)
    if not text:
        return None
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def _year_from_arxiv(arxiv_id: str) -> int | None:
    digits = arxiv_id.split("/")[-1][:2]
    if not digits.isdigit():
        return None
    yy = int(digits)
    return 1900 + yy if yy >= 91 else 2000 + yy


def split_authors(value: Any) -> list[str]:
    """Authors from a list (of names, ``{"name": ...}`` or ``[last, first, ...]``) or a string.

    Strings are split on ``" and "``, ``";"`` and ``","``; ``"Last, First"`` is kept
    together only when the string uses ``" and "`` or ``";"`` as separator.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = normalize_space(value)
        if not text:
            return []
        if _AND.search(text):
            parts = [p.strip() for p in _AND.split(text) if p.strip()]
            # "Last, First and Last, First" (BibTeX style) when every part has one comma;
            # otherwise commas separate names ("A. One, B. Two and C. Three").
            if all(part.count(",") == 1 for part in parts):
                flipped = (part.split(",") for part in parts)
                return [normalize_space(f"{first} {last}") for last, first in flipped]
            return [name.strip() for part in parts for name in part.split(",") if name.strip()]
        return [p.strip() for p in text.split(",") if p.strip()]
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                if item.strip():
                    out.append(normalize_space(item))
            elif isinstance(item, Mapping):
                name = _text(item.get("name"))
                if not name:
                    name = " ".join(
                        t for t in (_text(item.get("first")), _text(item.get("last"))) if t
                    )
                if name and name.strip():
                    out.append(normalize_space(name))
            elif isinstance(item, list | tuple):
                # arXiv snapshot authors_parsed: [last, first, suffix]
                parts = [_text(p) or "" for p in item]
                if parts:
                    last, rest = parts[0], parts[1:]
                    name = normalize_space(" ".join([*rest[:1], last, *rest[1:]]))
                    if name:
                        out.append(name)
        return out
    return []


def _split_categories(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [normalize_space(str(v)) for v in value if isinstance(v, str) and v.strip()]
    text = _text(value)
    if not text:
        return []
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        # arXiv CSV dumps store "['cs.LG', 'stat.ML']"
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list | tuple):
            return _split_categories(list(parsed))
        text = text.strip("[]")
    return [c for c in re.split(r"[\s,;]+", text) if c and c not in ("'", '"')]


def _url_from(fields: Mapping[str, Any]) -> str | None:
    url = _text(_first(fields, _URL_FIELDS))
    if url and url.strip():
        return url.strip()
    links = fields.get("links")
    if isinstance(links, str) and links.strip():
        return links.strip()
    if isinstance(links, list):
        for link in links:
            if isinstance(link, str) and link.strip():
                return link.strip()
            if isinstance(link, Mapping):
                href = _text(link.get("href"))
                if href and href.strip():
                    return href.strip()
    return None


def _arxiv_from(fields: Mapping[str, Any], url: str | None) -> str | None:
    for name in _ARXIV_FIELDS:
        found = arxiv_id_from(fields.get(name))
        if found:
            return found
    found = arxiv_id_from(fields.get("id"))
    if found:
        return found
    if url:
        found = arxiv_id_from(url)
        if found:
            return found
    links = fields.get("links")
    if isinstance(links, list):
        for link in links:
            href = link.get("href") if isinstance(link, Mapping) else link
            found = arxiv_id_from(href) if isinstance(href, str) else None
            if found:
                return found
    return None


def _year_from(fields: Mapping[str, Any]) -> int | None:
    for name in _YEAR_FIELDS:
        year = parse_year(fields.get(name))
        if year:
            return year
        if name == "published":
            # arXiv snapshot: first version's creation date beats update_date
            versions = fields.get("versions")
            if isinstance(versions, list) and versions and isinstance(versions[0], Mapping):
                year = parse_year(versions[0].get("created"))
                if year:
                    return year
    return None


def _cut(text: str, limit: int | None, what: str, notes: list[str] | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    if notes is not None:
        notes.append(f"{what} of {len(text):,} characters truncated to {limit:,}")
    return text[:limit].rstrip()


def to_paper(fields: Mapping[str, Any], source: str, *, max_chars: int | None = None,
             truncated: list[str] | None = None) -> Paper:
    """Map one record's fields onto a :class:`Paper`.

    Field names are matched case-insensitively (callers pass lower-cased keys).

    Parameters
    ----------
    fields
        The record, keys lower-cased.
    source
        ``"path:line"``, stored in ``Paper.sources``.
    max_chars
        Cut a longer title or abstract to this many characters.
    truncated
        Receives one note per field cut by ``max_chars``.

    Returns
    -------
    Paper

    Raises
    ------
    BadRecord
        The record has no usable title or abstract, or a field has an impossible value.
    """
    title, abstract, key = _title_and_abstract(fields, max_chars, truncated)

    # Only look at the field groups the record has: most records carry few fields.
    present = fields.keys()
    url = None if present.isdisjoint(_URL_KEYS) else _url_from(fields)
    arxiv_id = (_arxiv_from(fields, url)
                if url or not present.isdisjoint(_ARXIV_KEYS) else None)
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    paper_id = _paper_id(fields, arxiv_id, key)
    year = None if present.isdisjoint(_YEAR_KEYS) else _year_from(fields)
    if year is None and arxiv_id:
        year = _year_from_arxiv(arxiv_id)
    authors = _first_list(fields, _AUTHOR_FIELDS, split_authors)
    categories = _first_list(fields, _CATEGORY_FIELDS, _split_categories)
    try:
        return Paper(
            id=paper_id,
            title=title,
            abstract=abstract,
            url=url,
            arxiv_id=arxiv_id,
            doi=normalize_doi(fields.get("doi")) if "doi" in present else None,
            year=year,
            authors=authors,
            categories=list(dict.fromkeys(categories)),
            sources=[source],
        )
    except ValidationError as error:  # defensive: every field above is already typed
        first = error.errors()[0]
        raise BadRecord(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from error


def _title_and_abstract(fields: Mapping[str, Any], max_chars: int | None,
                        truncated: list[str] | None) -> tuple[str, str, str]:
    """The record's title and abstract, spaces normalised and cut to ``max_chars``, and
    the title's key; raises :class:`BadRecord` when either is missing or not text."""
    raw_title = _first(fields, TITLE_FIELDS)
    raw_abstract = _first(fields, ABSTRACT_FIELDS)
    title_text = _text(raw_title)
    abstract_text = _text(raw_abstract)
    if raw_title is not None and title_text is None:
        raise BadRecord(f"title is not text ({type(raw_title).__name__})")
    if raw_abstract is not None and abstract_text is None:
        raise BadRecord(f"abstract is not text ({type(raw_abstract).__name__})")
    title = _cut(normalize_space(title_text or ""), max_chars, "title", truncated)
    abstract = _cut(normalize_space(abstract_text or ""), max_chars, "abstract", truncated)
    if not title and not abstract:
        raise BadRecord("no title and no abstract")
    if not title:
        raise BadRecord("no title")
    if not abstract:
        raise BadRecord(f"no abstract for {title[:60]!r}")
    key = fast_title_key(title)
    if not key:
        raise BadRecord(f"title {title[:60]!r} has no letters or digits")
    return title, abstract, key


def _paper_id(fields: Mapping[str, Any], arxiv_id: str | None, key: str) -> str:
    """The record's own id (an arXiv id in it normalised), else its arXiv id, else a
    hash of its title key."""
    own_id = _text(_first(fields, _ID_FIELDS))
    own_id = xml_safe_id(normalize_space(own_id)) if own_id else ""
    if own_id:
        return arxiv_id_from(own_id) or own_id
    if arxiv_id:
        return arxiv_id
    return short_hash(key)


def _first_list(fields: Mapping[str, Any], names: Sequence[str],
                split: Callable[[Any], list[str]]) -> list[str]:
    """The first non-empty list ``split`` makes of one of the fields ``names``."""
    if fields.keys().isdisjoint(names):
        return []
    for name in names:
        found = split(fields.get(name))
        if found:
            return found
    return []
