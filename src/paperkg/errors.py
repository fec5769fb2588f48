"""The paperkg exception hierarchy.

Every error a user can trigger is a :class:`PaperKGError`; the CLI turns it into a
one-line message and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

__all__ = [
    "PaperKGError",
    "SourceError",
    "EmptyInputError",
    "ExtractionError",
    "VocabularyError",
    "GraphError",
    "OptionError",
    "PaperNotFoundError",
    "ExportError",
    "CacheError",
]


class PaperKGError(Exception):
    """Base class of every error raised on purpose by paperkg."""

    exit_code: int = 1


class SourceError(PaperKGError):
    """An input source is missing, unsupported or holds nothing usable."""

    exit_code = 2


class EmptyInputError(SourceError):
    """The sources were read but held no usable paper at all."""

    exit_code = 1


class ExtractionError(PaperKGError):
    """The extractor could not be built or run."""


class VocabularyError(PaperKGError):
    """A gazetteer/vocabulary data file is malformed."""


class GraphError(PaperKGError):
    """A graph could not be built, loaded or queried."""


class OptionError(GraphError):
    """A graph-building option has an invalid value (a usage error: exit code 2)."""

    exit_code = 2


class PaperNotFoundError(GraphError):
    """A paper or entity name matched nothing, or matched several candidates."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class ExportError(PaperKGError):
    """A graph could not be written."""


class CacheError(PaperKGError):
    """The extraction cache could not be opened or is corrupt."""
