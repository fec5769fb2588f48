"""JSON Lines and JSON arrays of paper objects.

JSON Lines is streamed one line at a time (constant memory). A JSON file is read
whole and walked element by element with :meth:`json.JSONDecoder.raw_decode`, so
each record keeps its line number; it may be an array of objects, an object that
holds such an array under ``papers``/``records``/``entries``/``items``/``data``/
``results``, or a single paper object. A ``.json`` file that is really JSON Lines
is read as JSON Lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from paperkg.load.arxiv import is_snapshot_record, snapshot_fields
from paperkg.load.files import LineTooLong, read_prefix
from paperkg.load.records import Bad, Note, Raw, UnusableFile

__all__ = ["read_jsonl", "read_json", "read_snapshot", "WRAPPER_KEYS"]

WRAPPER_KEYS = ("papers", "records", "entries", "items", "data", "results")
_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


def _record(line: int, value: Any, what: str) -> Raw | Bad:
    if not isinstance(value, dict):
        return Bad(line, f"{what} is {type(value).__name__}, not an object")
    fields = {str(k).lower(): v for k, v in value.items()}
    if is_snapshot_record(fields):
        fields = snapshot_fields(fields)
    return Raw(line, fields)


def _numbered(fh: TextIO) -> Iterator[tuple[int, str | LineTooLong]]:
    """``enumerate(fh, start=1)``, with a line over the line limit as its error."""
    lines = iter(fh)
    number = 0
    while True:
        number += 1
        try:
            yield number, next(lines)
        except StopIteration:
            return
        except LineTooLong as error:
            yield number, error


def _jsonl_lines(lines: Iterator[tuple[int, str | LineTooLong]]) -> Iterator[Raw | Bad]:
    for number, line in lines:
        if isinstance(line, LineTooLong):
            yield Bad(number, f"line longer than the {line.limit:,}-byte line limit; skipped")
            continue
        text = line.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as error:
            yield Bad(number, f"broken JSON line ({_reason(error)})")
            continue
        yield _record(number, value, "JSON line")


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


def read_jsonl(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield one record per non-blank line of a JSON Lines file."""
    return _jsonl_lines(_numbered(fh))


def read_snapshot(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """The arXiv metadata snapshot: one record per line, ``id`` always read as an arXiv
    id (:func:`paperkg.load.arxiv.snapshot_fields`)."""
    for item in read_jsonl(fh, name):
        if isinstance(item, Raw):
            item = Raw(item.line, snapshot_fields(item.fields))
        yield item


def read_json(fh: TextIO, name: str) -> Iterator[Raw | Bad | Note]:
    """Yield the paper objects of a JSON document (array, wrapper object or one object).

    A line that cannot be read (an undecodable byte, over the line limit) ends the
    document there: the elements before it are yielded, then that error is raised.

    Raises
    ------
    UnusableFile
        The document is not JSON, or holds no object or array of objects.
    """
    text, error = read_prefix(fh)
    try:
        yield from _document(text)
    except UnusableFile:
        if error is not None:
            raise error from None  # the document broke off where the text did
        raise
    if error is not None:
        raise error


def _document(text: str) -> Iterator[Raw | Bad | Note]:
    pos = _skip_ws(text, 0)
    if pos == len(text):
        raise UnusableFile("empty JSON file")
    if text[pos] == "[":
        yield from _array(text, pos, 1 + text.count("\n", 0, pos))
        return
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except (ValueError, RecursionError) as error:
        raise UnusableFile(f"not valid JSON ({_reason(error)})", _line_of(error)) from None
    if _skip_ws(text, end) < len(text):
        # more than one top-level value: JSON Lines saved as .json
        yield from _jsonl_lines(enumerate(text.splitlines(), start=1))
        return
    if not isinstance(value, dict):
        raise UnusableFile(f"JSON top level is {type(value).__name__}, not an array or object")
    for key in WRAPPER_KEYS:
        if isinstance(value.get(key), list):
            starts = _find_arrays(text, key)
            if starts:
                for n, start in enumerate(starts):
                    line = 1 + text.count("\n", 0, start)
                    if n:
                        # json keeps only the last of repeated keys; every record is read
                        yield Note(line, f"key {key!r} repeated in the top-level object; "
                                         "the records of every occurrence are read")
                    yield from _array(text, start, line)
                return
    yield _record(1 + text.count("\n", 0, pos), value, "JSON value")


def _line_of(error: Exception) -> int | None:
    return error.lineno if isinstance(error, json.JSONDecodeError) else None


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


def _find_arrays(text: str, key: str) -> list[int]:
    """Offsets of every ``[`` that opens ``"key": [`` in the top-level object of a
    document already known to be valid JSON (other values are skipped by the decoder)."""
    found: list[int] = []
    n = len(text)
    i = _skip_ws(text, _skip_ws(text, 0) + 1)  # past the opening "{"
    while i < n and text[i] == '"':
        name, i = json.decoder.scanstring(text, i + 1)
        i = _skip_ws(text, _skip_ws(text, i) + 1)  # past the ":"
        if name == key and text.startswith("[", i):
            found.append(i)
        _, i = _DECODER.raw_decode(text, i)
        i = _skip_ws(text, i)
        if i < n and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return found


def _array(text: str, pos: int, line: int) -> Iterator[Raw | Bad]:
    """Decode the elements of the array opening at ``text[pos]`` one by one."""
    n = len(text)
    pos += 1
    index = 0
    while True:
        start = _skip_ws(text, pos)
        line += text.count("\n", pos, start)
        if start >= n:
            raise UnusableFile("JSON array is not closed", line)
        if text[start] == "]":
            return
        try:
            value, end = _DECODER.raw_decode(text, start)
        except (ValueError, RecursionError) as error:
            raise UnusableFile(f"broken JSON element {index} ({_reason(error)})", line) from None
        yield _record(line, value, f"JSON element {index}")
        index += 1
        line += text.count("\n", start, end)
        pos = _skip_ws(text, end)
        line += text.count("\n", end, pos)
        if pos < n and text[pos] == ",":
            pos += 1
        elif pos < n and text[pos] == "]":
            return
        else:
            raise UnusableFile("expected ',' or ']' in JSON array", line)
