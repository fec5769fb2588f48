"""CSV and TSV files with a header row (quoted fields may span lines).

The header names the columns (case-insensitive): ``title``/``titles`` and
``abstract``/``summary``/``summaries`` are required; ``id``, ``url``, ``year``,
``authors``, ``categories``/``terms``, ``doi``, ``arxiv_id`` are used when present.
For ``.csv`` the delimiter is ``,`` unless the header only makes sense split on
``;`` or a tab. Rows are streamed with :mod:`csv`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from paperkg.load.records import ABSTRACT_FIELDS, TITLE_FIELDS, Bad, Note, Raw, UnusableFile

__all__ = ["read_csv", "read_tsv"]


def _header_ok(names: list[str]) -> bool:
    lowered = {n.strip().lower() for n in names}
    return bool(lowered & set(TITLE_FIELDS))


def _split(line: str, delim: str) -> list[str]:
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=delim), [])
    except csv.Error:
        return []


def _pick_delimiter(first_line: str, preferred: str) -> str:
    for delim in (preferred, ",", ";", "\t", "|"):
        if _header_ok(_split(first_line, delim)):
            return delim
    return preferred


class _Lines:
    """The file's lines as the csv reader pulls them, noting when the file has ended:
    a row completed only by the end of the file was cut inside a quoted field (the
    csv module returns it as if it were whole)."""

    def __init__(self, fh: TextIO) -> None:
        self._lines = iter(fh)
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            return next(self._lines)
        except StopIteration:
            self.ended = True
            raise


def _rows(fh: TextIO, preferred: str) -> Iterator[Raw | Bad | Note]:
    first = fh.readline()
    offset = 1  # lines consumed before the csv reader starts
    while first and not first.strip():
        first = fh.readline()
        offset += 1
    if not first:
        raise UnusableFile("empty file, no header row")
    delim = _pick_delimiter(first.lstrip("\ufeff"), preferred)
    header_row = _split(first.lstrip("\ufeff"), delim)
    header = [h.strip().lower() for h in header_row]
    if not _header_ok(header):
        shown = ", ".join(h for h in header[:8] if h) or "nothing"
        raise UnusableFile(
            f"header has no title column (found: {shown}); expected a 'title' or 'titles' column",
            offset,
        )
    if not set(header) & set(ABSTRACT_FIELDS):
        raise UnusableFile(
            "header has no abstract column; expected 'abstract', 'summary' or 'summaries'", offset
        )
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            yield Note(offset, f"column {name!r} appears more than once; the first is used")
        seen.add(name)
    lines = _Lines(fh)
    reader = csv.reader(lines, delimiter=delim, strict=False)
    last_end = 0  # reader.line_num counts from the line after the header
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            start = offset + last_end + 1
            last_end = reader.line_num
            yield Bad(start, f"bad CSV row ({error})")
            continue
        start = offset + last_end + 1
        last_end = reader.line_num
        if lines.ended:
            yield Bad(start, "CSV row cut inside a quoted field at the end of the file")
            return
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line (a row of empty cells is a record, skipped with why)
        if [cell.strip().lower() for cell in row] == header:
            yield Note(start, "the header row again (files joined together?); not a paper")
            continue
        if len(row) != len(header):
            yield Bad(start, f"bad CSV row: {len(row)} fields, header has {len(header)}")
            continue
        fields: dict[str, str] = {}
        for h, v in zip(header, row, strict=True):
            if h and h not in fields:
                fields[h] = v
        yield Raw(start, fields)


def read_csv(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield one record per data row of a comma-separated file."""
    return _rows(fh, ",")


def read_tsv(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield one record per data row of a tab-separated file."""
    return _rows(fh, "\t")
