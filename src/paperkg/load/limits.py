"""Size limits for what a loader reads, so one huge record cannot stop a run.

A title or abstract longer than :attr:`Limits.max_field_chars` is cut to that length
(the paper is kept, with a warning naming ``file:line``, and counted in
``LoadReport.records_truncated``); a line longer than :attr:`Limits.max_line_bytes`
is never held in memory: a JSON Lines line is skipped as a malformed record, in
any other format the rest of the file is skipped (warned, records before it kept). BibTeX
``@string`` expansion stops at the field limit too.

The defaults hold any real abstract with a wide margin and keep every text under
spaCy's 1,000,000-character ``max_length``. Change them per call
(``load_papers(..., limits=Limits(max_field_chars=...))``) or for a whole run with
the environment variables ``PAPERKG_MAX_FIELD_CHARS`` and ``PAPERKG_MAX_LINE_BYTES``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from paperkg.errors import SourceError

__all__ = ["Limits", "FIELD_ENV", "LINE_ENV", "DEFAULT_FIELD_CHARS", "DEFAULT_LINE_BYTES"]

#: Longest title or abstract kept whole (longer ones are truncated).
DEFAULT_FIELD_CHARS = 100_000
#: Longest line read (a JSON array written on one line must fit in it).
DEFAULT_LINE_BYTES = 64 * 2**20
FIELD_ENV = "PAPERKG_MAX_FIELD_CHARS"
LINE_ENV = "PAPERKG_MAX_LINE_BYTES"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise SourceError(f"{name}={raw!r}: expected a positive whole number")
    return value


@dataclass(frozen=True)
class Limits:
    """Per-record and per-line size limits of the loaders."""

    #: a title or abstract is truncated to this many characters
    max_field_chars: int = DEFAULT_FIELD_CHARS
    #: a longer line is skipped without being read into memory
    max_line_bytes: int = DEFAULT_LINE_BYTES

    def __post_init__(self) -> None:
        if self.max_field_chars <= 0 or self.max_line_bytes <= 0:
            raise SourceError("size limits must be positive")

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, overridden by ``PAPERKG_MAX_FIELD_CHARS``/``PAPERKG_MAX_LINE_BYTES``."""
        return cls(_env_int(FIELD_ENV, DEFAULT_FIELD_CHARS), _env_int(LINE_ENV, DEFAULT_LINE_BYTES))
