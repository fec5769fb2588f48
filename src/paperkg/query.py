"""Query results as plain rows: what ``paperkg query`` prints as a table or JSON.

Each function takes what a :class:`~paperkg.kg.KnowledgeGraph` method returned and
gives JSON-ready dicts (strings, numbers, lists), one per table row, with the table's
columns as keys in display order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperkg.kg import Community, EntityCount, Related, RepoLink, Why
from paperkg.models import Entity, Paper

__all__ = [
    "paper_row",
    "paper_rows",
    "entity_rows",
    "related_rows",
    "why_record",
    "repo_rows",
    "top_rows",
    "community_rows",
]


def paper_row(paper: Paper) -> dict[str, Any]:
    """``id``, ``title``, ``year``, ``url`` of a paper."""
    return {"id": paper.id, "title": paper.title, "year": paper.year, "url": paper.url}


def paper_rows(papers: Sequence[Paper]) -> list[dict[str, Any]]:
    """One row per paper (``papers_with``)."""
    return [paper_row(p) for p in papers]


def entity_rows(entities: Sequence[Entity]) -> list[dict[str, Any]]:
    """One row per entity (``entities_of``), with its first mention when known."""
    rows = []
    for ent in entities:
        first = ent.mentions[0] if ent.mentions else None
        rows.append(
            {
                "id": ent.id,
                "type": ent.type,
                "name": ent.name,
                "aliases": list(ent.aliases),
                "first_mention": (
                    {"field": first.field, "start": first.start, "end": first.end, "text": first.text}
                    if first
                    else None
                ),
            }
        )
    return rows


def related_rows(related: Sequence[Related]) -> list[dict[str, Any]]:
    """One row per related paper: score and the shared entities."""
    return [
        {
            "score": round(r.score, 4),
            "id": r.paper.id,
            "title": r.paper.title,
            "shared": list(r.shared),
            "shared_ids": list(r.shared_ids),
        }
        for r in related
    ]


def why_record(why: Why) -> dict[str, Any]:
    """The shared entities of two papers, or the chain that connects them."""
    return {
        "paper_a": paper_row(why.paper_a),
        "paper_b": paper_row(why.paper_b),
        "shared": list(why.shared),
        "shared_ids": list(why.shared_ids),
        "path": list(why.path),
        "path_labels": list(why.path_labels),
    }


def repo_rows(links: Sequence[RepoLink]) -> list[dict[str, Any]]:
    """One row per repository, the proposing paper's first."""
    return [
        {
            "repo": link.repo,
            "url": link.url,
            "proposing": link.proposing,
            "paper_id": link.paper.id,
            "paper": link.paper.title,
        }
        for link in links
    ]


def top_rows(counts: Sequence[EntityCount]) -> list[dict[str, Any]]:
    """One row per entity with its document frequency."""
    return [
        {"df": c.df, "type": c.entity.type, "name": c.entity.name, "id": c.entity.id,
         "aliases": list(c.entity.aliases)}
        for c in counts
    ]


def community_rows(communities: Sequence[Community]) -> list[dict[str, Any]]:
    """One row per community: id, size, label and its paper ids."""
    return [
        {"id": c.id, "size": c.size, "label": c.label, "papers": list(c.papers)}
        for c in communities
    ]
