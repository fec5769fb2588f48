"""Pydantic records that cross stage boundaries (load -> extract -> graph -> export)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EntityType",
    "TextField",
    "ENTITY_TYPES",
    "PAPER_PREFIX",
    "Paper",
    "Mention",
    "Entity",
    "PaperEntities",
    "LoadReport",
    "xml_safe_id",
]

EntityType = Literal["method", "dataset", "repo", "math"]
TextField = Literal["title", "abstract"]
ENTITY_TYPES: tuple[str, ...] = ("method", "dataset", "repo", "math")
#: Graph node id of a paper: this prefix and its :attr:`Paper.id` (``"paper:2101.00001"``).
PAPER_PREFIX = "paper:"

# characters XML 1.0 cannot hold at all: C0 controls but tab/newline/CR, lone
# surrogates, U+FFFE/U+FFFF
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe_id(ident: str) -> str:
    """``ident`` with every character XML 1.0 cannot hold written out as ``\\uXXXX``.

    The one id sanitiser of the loaders and of the GraphML and GEXF writers: ids that
    differ only by such characters stay different (``"c\\x01"`` -> ``"c\\\\u0001"``,
    ``"c\\x02"`` -> ``"c\\\\u0002"``) instead of collapsing into one node when the
    characters are dropped. Ids without such characters are returned unchanged.
    """
    if _XML_UNSAFE.search(ident) is None:
        return ident
    return _XML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", ident)


class Paper(BaseModel):
    """One research paper: the unit every stage works on.

    ``id`` is stable: the input record's own id when it has one, else the arXiv id,
    else a short hash of the normalised title.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    abstract: str = Field(min_length=1)
    url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    year: int | None = None
    authors: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)

    # pydantic keeps a set of the field names given explicitly in every object: 728 bytes
    # for a paper from a loader (all ten fields given), a quarter of a paper's memory
    # besides its text, 0.7 GB at 10^6 papers. Papers with the same names share one set
    # (pydantic mutates it only on attribute assignment, where it is copied first).

    def model_post_init(self, context: Any, /) -> None:
        given = self.__pydantic_fields_set__
        shared = _GIVEN_FIELDS.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(self, "__pydantic_fields_set__", shared)

    def __setattr__(self, name: str, value: Any) -> None:
        given = self.__pydantic_fields_set__
        if _GIVEN_FIELDS.get(frozenset(given)) is given:  # shared: copy before it changes
            object.__setattr__(self, "__pydantic_fields_set__", set(given))
        super().__setattr__(name, value)


#: The shared sets of :class:`Paper`'s explicitly given field names, one per combination.
_GIVEN_FIELDS: dict[frozenset[str], set[str]] = {}


class Mention(BaseModel):
    """One occurrence of an entity: character offsets into ``Paper.title`` or ``Paper.abstract``."""

    model_config = ConfigDict(extra="forbid")

    field: TextField
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Entity(BaseModel):
    """An entity as found in one paper.

    ``id`` is ``"{type}:{slug}"`` and is the same for the same concept across papers
    once the corpus has been canonicalised.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)


class PaperEntities(BaseModel):
    """The extractor's output for one paper (one line of ``paperkg extract``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    entities: list[Entity] = Field(default_factory=list)


class LoadReport(BaseModel):
    """Counts every loader run reports, so nothing is dropped silently."""

    files_read: int = 0
    files_skipped: int = 0
    records_seen: int = 0
    papers_kept: int = 0
    duplicates_merged: int = 0
    records_skipped: int = 0
    #: papers kept with a title or abstract cut to the size limit (warned)
    records_truncated: int = 0
    warnings: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.files_read} files read, {self.records_seen} records seen, "
            f"{self.papers_kept} papers kept, {self.duplicates_merged} duplicates merged, "
            f"{self.records_skipped} records skipped"
            + (f", {self.records_truncated} truncated" if self.records_truncated else "")
            + (f", {self.files_skipped} files skipped" if self.files_skipped else "")
        )
