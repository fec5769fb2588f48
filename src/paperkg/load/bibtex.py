"""BibTeX files: a small tolerant parser plus LaTeX clean-up of titles, abstracts, names.

Reads ``@type{key, field = {value} | "value" | number | macro # ..., ...}`` entries
(parentheses instead of braces too), ``@string`` macros (and the month names),
and skips ``@comment``/``@preamble`` and text between entries. An entry with
unbalanced braces is reported with its line and the parser resumes at the next
``@`` that starts a line. Fields used: ``title``, ``abstract``, ``author``,
``year``/``date``, ``doi``, ``url``, ``eprint`` (+ ``archiveprefix``), ``keywords``.

LaTeX clean-up (:func:`clean_latex`): accents (``{\\"o}`` -> ö, ``\\'e`` -> é,
``\\c{c}`` -> ç, ``\\ss`` -> ß, ...), escaped specials (``\\&`` -> &), ``~`` -> space,
formatting macros (``\\emph{x}``, ``\\textbf{x}``, ``{\\em x}``) -> x, and grouping
braces removed. Math (``$...$``) and other macros are kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import TextIO

from paperkg.load.files import read_prefix
from paperkg.load.records import Bad, Raw

__all__ = ["read", "parse", "clean_latex", "split_bibtex_authors"]

_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "aa": "å", "AA": "Å",
    "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}
_SPECIALS = {"&": "&", "%": "%", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", " ": " "}
_BASE = r"(\\[ij](?![A-Za-z])|[A-Za-z])"
_SYMBOL_ACCENT = re.compile(
    r"\{?\\([\"'`^~=.])\s*(?:\{\s*" + _BASE + r"\s*\}|" + _BASE + r")\}?"
)
_LETTER_ACCENT = re.compile(
    r"\{?\\([uvHckrdb])(?:\s*\{\s*" + _BASE + r"\s*\}|\s+" + _BASE + r")\}?"
)
_LETTER_MACRO = re.compile(r"\{?\\(ss|ae|AE|aa|AA|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s*(?:\{\})?\}?")
_FORMAT_CMD = re.compile(
    r"\\(?:emph|textit|textbf|texttt|textsc|textrm|textsf|textup|textnormal|mbox|text)\s*\{"
)
_FORMAT_DECL = re.compile(r"\{\\(?:em|it|bf|tt|sc|rm|sf|sl|itshape|bfseries|scshape)\s+")
_SPECIAL = re.compile(r"\\([&%_#${} ])")
_MONTHS = {m: str(i) for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ENTRY_HEAD = re.compile(r"\s*[A-Za-z]+\s*[{(]")
# where the parser resumes after a malformed entry: the next "@type{" anywhere, also
# on the line where the broken entry stopped ("...unclosed  @article{key, ...")
_NEXT_ENTRY = re.compile(r"@\s*[A-Za-z]+\s*[{(]")
_NAME = re.compile(r"[A-Za-z0-9_\-:.+/]+")
_KEY = re.compile(r"[^,\s{}()=\"#%]+")
_KEY_THEN_EQUALS = re.compile(r"[^,\s{}()=\"#%]+\s*=")
_AND_SEP = re.compile(r"\s+and\s+")


def _accent(mark: str, base: str) -> str:
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


def clean_latex(text: str) -> str:
    """LaTeX accents and specials to Unicode, formatting macros and braces removed.

    >>> clean_latex('Schr{\\\\"o}dinger and {Caf\\\\\\'e}')
    'Schrödinger and Café'
    """
    if "\\" not in text and "{" not in text and "~" not in text:
        return text
    text = _SYMBOL_ACCENT.sub(lambda m: _accent(_ACCENTS[m.group(1)], m.group(2) or m.group(3)),
                              text)
    text = _LETTER_ACCENT.sub(lambda m: _accent(_ACCENTS[m.group(1)], m.group(2) or m.group(3)),
                              text)
    text = _LETTER_MACRO.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _FORMAT_CMD.sub("{", text)
    text = _FORMAT_DECL.sub("{", text)
    # ties are spaces, but an escaped \~ is not a tie
    text = re.sub(r"(?<!\\)~", " ", text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in _SPECIALS:
            out.append(_SPECIALS[text[i + 1]])
            i += 2
            continue
        if c in "{}":
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def split_bibtex_authors(value: str) -> list[str]:
    """Split a BibTeX ``author`` field on top-level ``and``; ``Last, First`` -> ``First Last``."""
    names: list[str] = []
    depth, start, i, n = 0, 0, 0, len(value)
    while i < n:
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and c.isspace():
            m = _AND_SEP.match(value, i)
            if m:
                names.append(value[start:i])
                i = m.end()
                start = i
                continue
        i += 1
    names.append(value[start:])
    out = []
    for raw in names:
        name = " ".join(clean_latex(raw).split())
        if name.lower() == "others" or not name:
            continue
        parts = [p.strip() for p in name.split(",")]
        if len(parts) == 2 and parts[1]:
            name = f"{parts[1]} {parts[0]}"
        elif len(parts) == 3:  # Last, Jr, First
            name = f"{parts[2]} {parts[0]} {parts[1]}"
        out.append(" ".join(name.split()))
    return out


class _Scanner:
    """Position-tracking reader over the whole file text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._line_pos = 0
        self._line = 1

    def line_at(self, pos: int) -> int:
        if pos < self._line_pos:
            self._line_pos, self._line = 0, 1
        self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def skip_ws(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            if text[self.pos].isspace():
                self.pos += 1
            elif text[self.pos] == "%":  # comment to end of line
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end + 1
            else:
                break

    def name(self) -> str:
        m = _NAME.match(self.text, self.pos)
        if not m:
            return ""
        self.pos = m.end()
        return m.group(0)

    def braced(self, close: str) -> str:
        """Text up to the matching ``close`` (braces nest); ``pos`` is past the opener."""
        depth, start, text, n = 0, self.pos, self.text, len(self.text)
        i = self.pos
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0:
                    if close == "}":
                        self.pos = i + 1
                        return text[start:i]
                    raise _Malformed("unbalanced '}'")
                depth -= 1
            elif c == close and depth == 0:
                self.pos = i + 1
                return text[start:i]
            elif c == "@" and text[i - 1] == "\n":
                raise _Malformed("entry is not closed before the next '@'")
            i += 1
        raise _Malformed("unbalanced braces: entry is not closed")

    def quoted(self) -> str:
        depth, start, text, n = 0, self.pos, self.text, len(self.text)
        i = self.pos
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == '"' and depth <= 0:
                self.pos = i + 1
                return text[start:i]
            i += 1
        raise _Malformed('unterminated "..." value')


class _Malformed(Exception):  # noqa: N818 - internal
    pass


def _value(sc: _Scanner, macros: dict[str, str], max_chars: int | None = None) -> str:
    """One field value, ``#`` concatenations and macros expanded; longer than
    ``max_chars`` it is cut to ``max_chars + 1`` characters (so the record check still
    sees it is too long and warns), which bounds ``@string`` doubling chains."""
    parts: list[str] = []
    size = 0
    while True:
        sc.skip_ws()
        if sc.pos >= len(sc.text):
            raise _Malformed("value missing at end of file")
        c = sc.text[sc.pos]
        if c == "{":
            sc.pos += 1
            parts.append(sc.braced("}"))
        elif c == '"':
            sc.pos += 1
            parts.append(sc.quoted())
        else:
            word = sc.name()
            if not word:
                raise _Malformed(f"unexpected {c!r} where a value should be")
            parts.append(macros.get(word.lower(), word))
        size += len(parts[-1])
        if max_chars is not None and size > max_chars:
            parts = ["".join(parts)[:max_chars + 1]]
            size = len(parts[0])
        sc.skip_ws()
        if sc.pos < len(sc.text) and sc.text[sc.pos] == "#":
            sc.pos += 1
            continue
        return "".join(parts)


def _entry(sc: _Scanner, macros: dict[str, str],
           max_chars: int | None = None) -> tuple[str, str, dict[str, str]] | None:
    """Parse one entry after its ``@``; ``None`` for @comment/@preamble/@string."""
    sc.skip_ws()
    kind = sc.name().lower()
    if not kind:
        raise _Malformed("'@' not followed by an entry type")
    sc.skip_ws()
    if sc.pos >= len(sc.text) or sc.text[sc.pos] not in "{(":
        if kind == "comment":
            return None
        raise _Malformed(f"@{kind} not followed by '{{' or '('")
    close = "}" if sc.text[sc.pos] == "{" else ")"
    sc.pos += 1
    if kind in ("comment", "preamble"):
        sc.braced(close)
        return None
    if kind == "string":
        sc.skip_ws()
        key = sc.name().lower()
        sc.skip_ws()
        if not key or sc.pos >= len(sc.text) or sc.text[sc.pos] != "=":
            raise _Malformed("@string without 'name = value'")
        sc.pos += 1
        macros[key] = _value(sc, macros, max_chars)
        sc.skip_ws()
        if sc.pos < len(sc.text) and sc.text[sc.pos] == close:
            sc.pos += 1
        return None
    sc.skip_ws()
    key = ""
    m = _KEY.match(sc.text, sc.pos)
    # "@article{key," but not "@article{title = ..." (matched in place: copying the
    # rest of the file for each entry made loading quadratic)
    if m and not _KEY_THEN_EQUALS.match(sc.text, sc.pos):
        key = m.group(0)
        sc.pos = m.end()
    fields: dict[str, str] = {}
    while True:
        sc.skip_ws()
        if sc.pos >= len(sc.text):
            raise _Malformed("unbalanced braces: entry is not closed")
        c = sc.text[sc.pos]
        if c == ",":
            sc.pos += 1
            continue
        if c == close:
            sc.pos += 1
            return kind, key, fields
        name = sc.name().lower()
        if not name:
            raise _Malformed(f"unexpected {c!r} in entry {key or kind}")
        sc.skip_ws()
        if sc.pos >= len(sc.text) or sc.text[sc.pos] != "=":
            raise _Malformed(f"field {name!r} without '=' in entry {key or kind}")
        sc.pos += 1
        value = _value(sc, macros, max_chars)
        fields.setdefault(name, value)


def parse(text: str, max_chars: int | None = None
          ) -> Iterator[tuple[int, tuple[str, str, dict[str, str]] | str]]:
    """Yield ``(line, (type, key, raw fields))`` per entry, or ``(line, error)`` when malformed.

    Linear in the length of ``text``; a value (after macro expansion) is cut at
    ``max_chars + 1`` characters."""
    macros = dict(_MONTHS)
    sc = _Scanner(text)
    n = len(text)
    while True:
        at = text.find("@", sc.pos)
        if at < 0:
            return
        sc.pos = at + 1
        if not _ENTRY_HEAD.match(text, at + 1):
            continue  # an "@" in the free text between entries (an e-mail address, ...)
        line = sc.line_at(at)
        try:
            entry = _entry(sc, macros, max_chars)
        except _Malformed as error:
            yield line, str(error)
            nxt = _NEXT_ENTRY.search(text, at + 1)
            sc.pos = nxt.start() if nxt else n
            continue
        if entry is not None:
            yield line, entry


def _to_fields(kind: str, key: str, raw: dict[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {}
    for name in ("title", "abstract", "year", "date", "doi", "url", "keywords"):
        if name in raw:
            fields[name] = clean_latex(raw[name])
    if "author" in raw:
        fields["authors"] = split_bibtex_authors(raw["author"])
    eprint = raw.get("eprint", "").strip()
    if eprint:
        prefix = raw.get("archiveprefix", raw.get("eprinttype", "")).strip().lower()
        if prefix in ("", "arxiv"):
            fields["eprint"] = eprint
    if "keywords" in fields:
        fields["categories"] = [k.strip() for k in str(fields.pop("keywords")).split(",")
                                if k.strip()]
    return fields


def read(fh: TextIO, name: str, *, max_chars: int | None = None) -> Iterator[Raw | Bad]:
    """Yield one record per BibTeX entry (the whole file is read; bib files are small).

    A line that cannot be read (an undecodable byte, over the line limit) ends the file:
    the entries before it are yielded, then the error is raised again."""
    text, error = read_prefix(fh)
    for line, item in parse(text, max_chars):
        if isinstance(item, str):
            yield Bad(line, f"malformed BibTeX entry: {item}")
        else:
            yield Raw(line, _to_fields(*item))
    if error is not None:
        raise error
