"""Pydantic records that cross stage boundaries (load -> extract -> graph -> export)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EntityType",
    "TextField",
    "ENTITY_TYPES",
    "Paper",
    "Mention",
    "Entity",
    "PaperEntities",
    "LoadReport",
]

EntityType = Literal["method", "dataset", "repo", "math"]
TextField = Literal["title", "abstract"]
ENTITY_TYPES: tuple[str, ...] = ("method", "dataset", "repo", "math")


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
    warnings: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.files_read} files read, {self.records_seen} records seen, "
            f"{self.papers_kept} papers kept, {self.duplicates_merged} duplicates merged, "
            f"{self.records_skipped} records skipped"
            + (f", {self.files_skipped} files skipped" if self.files_skipped else "")
        )
