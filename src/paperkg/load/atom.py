"""arXiv API Atom feeds (``http://export.arxiv.org/api/query`` responses).

Each ``<entry>`` gives ``id`` (an ``arxiv.org/abs`` URL), ``title``, ``summary``,
``author/name``, ``published``, ``link`` (``rel="alternate"`` is the URL,
``title="doi"`` a DOI link), ``category/@term`` and ``arxiv:doi``. Elements are
matched by local name, so feeds without the Atom namespace work too.

The feed is parsed incrementally with :class:`xml.etree.ElementTree.XMLPullParser`,
one line at a time. It is defused: a document that declares a DOCTYPE or entities
is refused before anything is expanded, so no external entity is ever resolved and
no entity-expansion bomb can run.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, TextIO

from paperkg.load.records import Bad, Raw, UnusableFile

__all__ = ["read"]

_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(elem: ET.Element) -> str:
    return "".join(elem.itertext())


def _entry_fields(entry: ET.Element) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    authors: list[str] = []
    categories: list[str] = []
    links: list[dict[str, str]] = []
    for child in entry:
        name = _local(child.tag)
        if name in ("id", "title", "summary", "published", "updated", "doi",
                    "journal_ref", "comment") and name not in fields:
            fields[name] = _text(child)
        elif name == "abstract" and "summary" not in fields:
            fields["summary"] = _text(child)
        elif name == "author":
            for sub in child:
                if _local(sub.tag) == "name" and _text(sub).strip():
                    authors.append(_text(sub))
        elif name == "category" and child.get("term"):
            categories.append(child.get("term", ""))
        elif name == "primary_category" and child.get("term"):
            categories.insert(0, child.get("term", ""))
        elif name == "link":
            href = child.get("href", "")
            if not href:
                continue
            if child.get("title") == "doi" and "doi" not in fields:
                fields["doi"] = href
            links.append({"href": href, "rel": child.get("rel", ""),
                          "title": child.get("title", "")})
    alternate = [x["href"] for x in links if x["rel"] in ("alternate", "")]
    if alternate:
        fields["url"] = alternate[0]
    if links:
        fields["links"] = links
    if authors:
        fields["authors"] = authors
    if categories:
        fields["categories"] = list(dict.fromkeys(categories))
    return fields


def read(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield one record per ``<entry>`` of an Atom feed.

    Raises
    ------
    UnusableFile
        The document declares a DTD/entities, is not well-formed, or is not a feed.
    """
    parser = ET.XMLPullParser(events=("start", "end"))
    entry_line = 0
    saw_root = False
    for number, line in enumerate(fh, start=1):
        if _DTD.search(line):
            raise UnusableFile("XML with a DOCTYPE/ENTITY declaration refused (not resolved)",
                               number)
        try:
            parser.feed(line)
            events = list(parser.read_events())
        except ET.ParseError as error:
            raise UnusableFile(f"XML is not well-formed ({_reason(error)})", number) from None
        for event, elem in events:
            tag = _local(elem.tag)
            if event == "start":
                if not saw_root:
                    saw_root = True
                    if tag not in ("feed", "entries", "entry"):
                        raise UnusableFile(f"XML root is <{tag}>, not an Atom <feed>", number)
                if tag == "entry" and entry_line == 0:
                    entry_line = number
                continue
            if tag == "entry":
                fields = _entry_fields(elem)
                line_no, entry_line = entry_line or number, 0
                elem.clear()
                if fields.get("title", "").strip() == "Error" and "api/errors" in fields.get(
                    "id", ""
                ):
                    yield Bad(line_no, f"arXiv API error entry: {fields.get('summary', '').strip()}")
                    continue
                yield Raw(line_no, fields)
    try:
        parser.close()
    except ET.ParseError as error:
        raise UnusableFile(f"XML is not well-formed ({_reason(error)})") from None
    if not saw_root:
        raise UnusableFile("no XML element found")


def _reason(error: ET.ParseError) -> str:
    return str(error).split(":", 1)[0]
