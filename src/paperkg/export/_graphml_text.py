"""The pieces of GraphML text :mod:`paperkg.export.graphml` writes a document from.

Values made scalar (:func:`_encode`), the plan of keys (one type per attribute name
and scope, :func:`_plan_stream`), the ``<key>`` declarations and ``<data>`` elements,
the links of a :class:`~paperkg.links.PaperGraphView` written straight from its
arrays, and the UTF-8 bytes with the characters XML cannot hold removed. Private: the
public writer and reader are in :mod:`paperkg.export.graphml`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr as xml_quoteattr

from paperkg.links import PaperGraphView

__all__ = ['_CHUNK_PIECES', '_GRAPHML_HEADER', '_ScopePlan', '_XML_INVALID', '_data_pieces', '_encode', '_fits_view', '_key_specs', '_plan_stream', '_view_edge_chunks', '_xml_attr', '_xml_bytes']

def _scalar(value: Any) -> Any:
    """numpy scalar -> Python scalar; everything else unchanged."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _json_default(value: Any) -> Any:
    value = _scalar(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (bool, int, float, str)):
        return value
    tolist = getattr(value, "tolist", None)
    if tolist is not None:
        return tolist()
    return str(value)


def _needs_json(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, set, frozenset)) or (
        type(value).__module__ == "numpy" and getattr(value, "ndim", 0) > 0
    )


def _scope_types(seen: dict[str, set[type]], json_names: set[str]) -> dict[str, type]:
    types: dict[str, type] = {}
    for key, kinds in seen.items():
        if key in json_names:
            types[key] = str
        elif kinds <= {bool}:
            types[key] = bool
        elif kinds <= {bool, int}:
            types[key] = int
        elif kinds <= {bool, int, float}:
            types[key] = float
        else:
            types[key] = str
    return types


def _encode(data: Mapping[str, Any], json_names: set[str], types: dict[str, type]) -> dict:
    out: dict[str, Any] = {}
    for key, value in data.items():
        value = _scalar(value)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if key in json_names:
            text = json.dumps(value, ensure_ascii=False, default=_json_default)
            out[str(key)] = _XML_INVALID.sub("", text)
            continue
        target = types[key]
        if target is str and not isinstance(value, str):
            value = str(value)
        if isinstance(value, str):
            value = _XML_INVALID.sub("", value)
        elif target is float and not isinstance(value, float):
            value = float(value)
        elif target is int and isinstance(value, bool):
            value = int(value)
        out[str(key)] = value
    return out


_XML_TYPES: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}
# characters XML 1.0 cannot hold at all (C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF): an abstract pasted from a PDF may contain them
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GRAPHML_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def _xml_attr(value: Any) -> str:
    return xml_quoteattr(_XML_INVALID.sub("", str(value)))


#: Text pieces per chunk handed to the file (a few MB of XML each).
_CHUNK_PIECES = 200_000
_STR, _INT, _FLOAT, _BOOL, _JSON = range(5)
_KIND_OF = {str: _STR, int: _INT, float: _FLOAT, bool: _BOOL}
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)
_json_str = json.encoder.encode_basestring  # a str as a JSON string literal (no ASCII escaping)


def _escape(text: str) -> str:
    """:func:`xml.sax.saxutils.escape` without its entity-dict loop."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


@dataclass
class _ScopePlan:
    json_names: set[str]
    types: dict[str, type]
    order: list[str]  # names in the order their first written value appears


def _plan_stream(records: Iterable[Mapping[str, Any]]) -> _ScopePlan:
    """Per attribute name (all ``str``): JSON-encoded or not, the one scalar type it is
    written as, and the order names are first written in."""
    seen: dict[str, set[type]] = {}
    json_names: set[str] = set()
    order: dict[str, None] = {}
    # (names, value types) of records already planned whose every name is in ``order``
    # and every value of a simple type: another record of that shape changes nothing
    # (sets and ``order`` only grow), so it is skipped. Graphs built by paperkg give
    # every edge the same shape, and the nodes a handful.
    settled: set[tuple[tuple[Any, ...], tuple[type, ...]]] = set()
    for data in records:
        shape = (tuple(data), tuple(map(type, data.values())))
        if shape in settled:
            continue
        for key, value in data.items():
            kind = type(value)
            if kind is str or kind is int or kind is bool:  # the common case, in short
                kinds = seen.get(key)
                if kinds is None:
                    seen[key] = {kind}
                else:
                    kinds.add(kind)
                if key not in order:
                    order[key] = None
                continue
            if kind is float:
                seen.setdefault(key, set()).add(float)
                if value == value and key not in order:  # NaN is not written
                    order[key] = None
                continue
            if kind is list:
                json_names.add(key)
                seen.setdefault(key, set()).add(list)
                if key not in order:
                    order[key] = None
                continue
            value = _scalar(value)
            if value is None:
                continue
            if _needs_json(value):
                json_names.add(key)
            seen.setdefault(key, set()).add(type(value))
            if not (isinstance(value, float) and math.isnan(value)) and key not in order:
                order[key] = None
        if _SIMPLE_TYPES.issuperset(shape[1]) and all(key in order for key in shape[0]):
            settled.add(shape)
    return _ScopePlan(json_names, _scope_types(seen, json_names), list(order))


_SIMPLE_TYPES = frozenset({str, int, bool, float, list})


def _value_text(value: Any, kind: int) -> str | None:
    """The escaped XML text of one value as :func:`_encode` + :func:`_xml_text` give it
    (``None``: not written). Characters XML cannot hold are removed later, per chunk."""
    value = _scalar(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == _JSON:
        return _escape(_JSON_ENCODER.encode(value))
    if kind == _STR:
        return _escape(value if isinstance(value, str) else str(value))
    if kind == _FLOAT:
        return repr(float(value))
    if kind == _INT:
        return str(int(value))
    return "true" if value else "false"


def _json_list(value: list[Any]) -> str:
    """``json.dumps(value, ensure_ascii=False)``, quickly when every item is a ``str``."""
    try:
        return "[" + ", ".join(map(_json_str, value)) + "]"
    except TypeError:
        return _JSON_ENCODER.encode(value)


def _key_specs(plan: _ScopePlan, scope: str, indent: str
               ) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """Per name: the ``<data key=...>`` opening and the value kind; and the ``<key>`` lines."""
    specs: dict[str, tuple[str, int]] = {}
    declared = []
    for offset, name in enumerate(plan.order):
        target = str if name in plan.json_names else plan.types[name]
        key_id = f"{scope[0]}{offset}"  # never d3/d7, which Gephi takes for labels
        kind = _JSON if name in plan.json_names else _KIND_OF[target]
        specs[name] = (f'{indent}<data key="{key_id}">', kind)
        declared.append(
            f'  <key id="{key_id}" for="{scope}" attr.name={_xml_attr(name)} '
            f'attr.type="{_XML_TYPES[target]}" />\n'
        )
    return specs, declared


def _data_pieces(data: Mapping[str, Any], specs: dict[str, tuple[str, int]],
                 out: list[str]) -> bool:
    """Append the ``<data>`` elements of one record to ``out``; False if none was written."""
    wrote = False
    for name, value in data.items():
        opening, kind = specs.get(name, _UNWRITTEN)
        vtype = type(value)
        if vtype is str and kind == _STR:
            text = _escape(value)
        elif vtype is int and kind == _INT:
            text = str(value)
        elif vtype is float and kind == _FLOAT and value == value:
            text = repr(value)
        elif vtype is list and kind == _JSON:
            text = _escape(_json_list(value))
        else:
            if value is None:
                continue
            text = _value_text(value, kind)
            if text is None:
                continue
        out.append(opening)
        out.append(text)
        out.append("</data>\n")
        wrote = True
    return wrote


_UNWRITTEN = ("", -1)  # a name whose every value is None/NaN: never declared nor written


#: The attributes of every link of a :class:`~paperkg.links.PaperGraphView`, in order,
#: with the value kind each is written as.
_VIEW_EDGE_KINDS = {"kind": _STR, "shared": _JSON, "shared_ids": _JSON, "shared_count": _INT,
                    "weight": _FLOAT}


def _fits_view(specs: dict[str, tuple[str, int]]) -> bool:
    return {name: kind for name, (_, kind) in specs.items()} == _VIEW_EDGE_KINDS


def _view_edge_chunks(view: PaperGraphView, quoted: list[str],
                      specs: dict[str, tuple[str, int]]) -> Iterator[str]:
    """The ``<edge>`` elements of a view's links, the text :func:`_data_pieces` writes
    for their dicts, straight from the arrays: each entity's escaped JSON string is made
    once (escaping commutes with joining them: ``[``, ``, `` and ``]`` need none)."""
    links = view.links
    kind, shared, ids, count, weight = (specs[name][0] for name in _VIEW_EDGE_KINDS)
    kind_text = f"{kind}{_escape('shares')}</data>\n"
    name_text = [_escape(_json_str(name)) for name in links.names.tolist()]
    id_text = [_escape(_json_str(ident)) for ident in links.ids.tolist()]
    for picked, chunk in links.chunks(size=_CHUNK_PIECES // 8):
        names = [name_text[k] for k in picked]
        idents = [id_text[k] for k in picked]
        yield "".join([
            f"    <edge source={quoted[i]} target={quoted[j]}>\n{kind_text}"
            f"{shared}[{', '.join(names[lo:hi])}]</data>\n"
            f"{ids}[{', '.join(idents[lo:hi])}]</data>\n"
            f"{count}{hi - lo}</data>\n{weight}{w!r}</data>\n    </edge>\n"
            for i, j, lo, hi, w in chunk
        ])


#: The C0 controls XML 1.0 cannot hold (all but tab, newline, CR), as UTF-8 bytes.
_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _xml_bytes(chunk: str) -> bytes:
    """``_XML_INVALID.sub("", chunk).encode("utf-8")``, faster on the usual text.

    In UTF-8 a C0 control is one byte that no other character uses, so deleting those
    bytes (``bytes.translate``, one pass in C) removes exactly those characters. Lone
    surrogates cannot be encoded and U+FFFE/U+FFFF show as their three-byte sequences:
    a chunk with either takes the regular expression.
    """
    try:
        data = chunk.encode("utf-8")
    except UnicodeEncodeError:
        return _XML_INVALID.sub("", chunk).encode("utf-8")
    if b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:
        return _XML_INVALID.sub("", chunk).encode("utf-8")
    return data.translate(None, _CONTROL_BYTES)
