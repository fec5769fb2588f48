"""Finding, sniffing and opening input files (text or not, which format).

Detection for one file: a known extension decides; a ``.txt`` file or one without
extension is sniffed from its first 64 KiB (a listing page, or JSON/XML/BibTeX
content); any other extension is unsupported. Binary content (NUL bytes) or bytes that are not UTF-8/UTF-16
mean "not text".
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

__all__ = [
    "EXTENSIONS",
    "HEAD_BYTES",
    "walk",
    "read_head",
    "open_text",
    "TextLines",
    "NotText",
    "LineTooLong",
    "read_prefix",
    "spool",
    "format_for",
    "sniff",
    "SNIFFED",
]

HEAD_BYTES = 65536

#: extension -> format name; ``.txt`` is sniffed (listing pages are plain text).
EXTENSIONS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xml": "atom",
    ".atom": "atom",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
}

#: extensions whose format is read from the content ("" = no extension).
SNIFFED = (".txt", "")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.M)


def walk(directory: Path, unreadable: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """Every regular file under ``directory``, sorted, hidden files and folders left out.

    A folder that cannot be listed, and a FIFO or device (which would block or never
    end), are appended to ``unreadable`` as ``(path, why)`` (so the caller can warn and
    count them) instead of being passed over in silence.
    """
    def failed(error: OSError) -> None:
        if unreadable is not None:
            why = error.strerror or str(error)
            unreadable.append((Path(error.filename or directory),
                               f"cannot read folder ({why}); its files skipped"))

    for root, dirs, files in os.walk(directory, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("."):
                continue
            # regular files only: a FIFO or device would block or never end
            if path.is_file():
                yield path
            elif unreadable is not None and path.exists():  # not a dangling link
                unreadable.append((path, "not a regular file (a FIFO or device); skipped"))


def _suffixes(path: Path) -> tuple[str, bool]:
    """(format-relevant suffix, gzipped?) — ``a.jsonl.gz`` -> ``(".jsonl", True)``."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return Path(path.stem).suffix.lower(), True
    return suffix, False


def _raw_open(path: Path, gz: bool):
    return gzip.open(path, "rb") if gz else path.open("rb")


def read_head(path: Path) -> tuple[str | None, str]:
    """The decoded first bytes of ``path`` and its encoding, or ``(None, why)`` if not text.

    Raises
    ------
    OSError
        The file cannot be read.
    """
    _, gz = _suffixes(path)
    try:
        with _raw_open(path, gz) as fh:
            head = fh.read(HEAD_BYTES)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        return None, f"not a valid gzip file ({error})"
    encoding = "utf-8"
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding = name
            break
    if encoding == "utf-8" and b"\x00" in head:
        return None, "binary file (NUL bytes), not text"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        # final=False: a multi-byte character cut at the end of the head is fine
        text = decoder.decode(head, final=len(head) < HEAD_BYTES)
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text (undecodable byte at offset {error.start})"
    if encoding == "utf-8" and _control_ratio(text) > 0.05:
        return None, "binary file (control characters), not text"
    return text, encoding


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:8192]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f\v")
    return bad / len(sample)


class NotText(Exception):  # noqa: N818 - internal signal, turned into a warning
    """A line of the file is not valid text in the file's encoding."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class LineTooLong(Exception):  # noqa: N818 - internal signal, turned into a warning
    """A line longer than the line limit; it was read past, never held in memory."""

    def __init__(self, line: int, limit: int) -> None:
        super().__init__(f"line {line}: longer than the {limit:,}-byte line limit")
        self.line = line
        self.limit = limit


class TextLines:
    """A binary file read as text one line at a time, each line decoded strictly.

    Unlike :class:`io.TextIOWrapper`, which decodes 8 KiB blocks, an undecodable
    byte is reported on its own line and every line before it is still read.
    Line ends are kept as in the file (``csv`` wants them).
    """

    def __init__(self, raw: BinaryIO, encoding: str, max_line: int | None = None) -> None:
        self._raw = raw
        self._encoding = encoding
        self._bom = encoding == "utf-8-sig"
        self._max = max_line
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._max is None:
            data = self._raw.readline()
        else:
            data = self._raw.readline(self._max + 1)
            if len(data) > self._max and not data.endswith(b"\n"):
                # read past the rest of the line in bounded pieces: a 3 GiB line must not
                # be held in memory just to be refused
                while data and not data.endswith(b"\n"):
                    data = self._raw.readline(1 << 20)
                self.line += 1
                raise LineTooLong(self.line, self._max)
        if not data:
            raise StopIteration
        self.line += 1
        if self._bom:
            self._bom = False
            data = data.removeprefix(codecs.BOM_UTF8)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotText(self.line, f"undecodable byte at column {error.start + 1}") from None

    def readline(self) -> str:
        return next(self, "")

    def read(self) -> str:
        return "".join(self)

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> TextLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_text(path: Path, encoding: str, max_line: int | None = None,
              gz: bool | None = None) -> TextIO | TextLines:
    """Open ``path`` (gzip-aware) as text lines; line ends are kept so CSV sees them.

    With ``max_line``, a longer line raises :class:`LineTooLong` (UTF-8 files)."""
    if gz is None:
        _, gz = _suffixes(path)
    raw = _raw_open(path, gz)
    if encoding in ("utf-8", "utf-8-sig"):
        return TextLines(raw, encoding, max_line)
    return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")


def read_prefix(fh: TextIO | TextLines) -> tuple[str, Exception | None]:
    """The whole text of ``fh``, or the text before the first line that cannot be read
    and the error (:class:`NotText`, :class:`LineTooLong`), so that the records before
    a break are kept by the formats that read a file whole."""
    parts: list[str] = []
    try:
        for line in fh:
            parts.append(line)
    except (NotText, LineTooLong) as error:
        return "".join(parts), error
    return "".join(parts), None


def spool(path: Path) -> tuple[Path, object]:
    """A pipe, FIFO or device (``<(cat p.jsonl)``, ``/dev/stdin``) copied to a temporary
    file, so that sniffing its head does not consume records: ``(copy, handle)``; the
    copy is removed when ``handle`` is closed or collected.

    Raises
    ------
    OSError
        The source cannot be read.
    """
    import shutil
    import tempfile

    _, gz = _suffixes(path)
    handle = tempfile.NamedTemporaryFile(prefix="paperkg-", suffix=".gz" if gz else "")
    with path.open("rb") as source:
        shutil.copyfileobj(source, handle, 1 << 20)
    handle.flush()
    return Path(handle.name), handle


def format_for(path: Path, head: str) -> str | None:
    """Format name for ``path`` from its extension, else from its content; ``None`` if unknown."""
    suffix, _ = _suffixes(path)
    fmt = EXTENSIONS.get(suffix)
    if fmt is not None:
        return fmt
    if suffix in SNIFFED:
        return sniff(head)
    return None


def sniff(head: str) -> str | None:
    """Guess a format from the first characters of a file (``None``: not recognised)."""
    from paperkg.load.listing import looks_like_listing

    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped:
        return None
    first = stripped[0]
    if first == "<":
        return "atom" if ("<feed" in head or "<entry" in head) else None
    if first == "[":
        return "json"
    if first == "{":
        line = stripped.split("\n", 1)[0].strip()
        return "jsonl" if line.endswith("}") else "json"
    if first == "@" and _BIBTEX_START.search(stripped):
        return "bibtex"
    if looks_like_listing(head):
        return "listing"
    return None
