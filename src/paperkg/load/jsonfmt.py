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
from paperkg.load.records import Bad, Raw, UnusableFile

__all__ = ["read_jsonl", "read_json", "WRAPPER_KEYS"]

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


def _jsonl_lines(lines: Iterator[tuple[int, str]]) -> Iterator[Raw | Bad]:
    for number, line in lines:
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
    return _jsonl_lines(enumerate(fh, start=1))


def read_json(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield the paper objects of a JSON document (array, wrapper object or one object).

    Raises
    ------
    UnusableFile
        The document is not JSON, or holds no object or array of objects.
    """
    text = fh.read()
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
            start = _find_array(text, key)
            if start is not None:
                yield from _array(text, start, 1 + text.count("\n", 0, start))
                return
    yield _record(1 + text.count("\n", 0, pos), value, "JSON value")


def _line_of(error: Exception) -> int | None:
    return error.lineno if isinstance(error, json.JSONDecodeError) else None


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


def _find_array(text: str, key: str) -> int | None:
    """Offset of the ``[`` that opens ``"key": [`` at the top level of an object."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            try:
                s, end = json.decoder.scanstring(text, i + 1)
            except ValueError:
                return None
            if depth == 1 and s == key:
                j = _skip_ws(text, end)
                if j < n and text[j] == ":":
                    j = _skip_ws(text, j + 1)
                    if j < n and text[j] == "[":
                        return j
            i = end
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        i += 1
    return None


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
