"""What the graph stage's nodes look like and which options it takes.

Paper nodes are ``"paper:<Paper.id>"`` (:data:`~paperkg.models.PAPER_PREFIX`), entity
nodes their canonical id (``"<type>:<slug>"``). The paper-paper weights are ``count``,
``idf`` and ``jaccard`` (:func:`paperkg.graph.projection.paper_graph`).
"""

from __future__ import annotations

from typing import Any, Literal

from paperkg.errors import OptionError
from paperkg.models import PAPER_PREFIX, Paper

__all__ = ["Weight", "WEIGHT_MODES", "PAPER_PREFIX", "paper_node_id", "paper_node_attrs",
           "short_label", "check_options"]

Weight = Literal["count", "idf", "jaccard"]
WEIGHT_MODES: tuple[str, ...] = ("count", "idf", "jaccard")
_LABEL_LEN = 60


def paper_node_id(paper_id: str) -> str:
    """``"2101.00001"`` -> ``"paper:2101.00001"``."""
    return PAPER_PREFIX + paper_id


def short_label(text: str, limit: int = _LABEL_LEN) -> str:
    """Shorten ``text`` to at most ``limit`` characters at a word boundary, adding ``…``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def paper_node_attrs(paper: Paper, n_entities: int) -> dict[str, Any]:
    """Node attributes of one paper (``None`` and empty values left out)."""
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
    attrs: dict[str, Any] = {
        "id": paper.id,
        "kind": "paper",
        "label": short_label(paper.title),
        "title": paper.title,
        "abstract": paper.abstract,
        "url": url,
        "year": paper.year,
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "authors": list(paper.authors) or None,
        "categories": list(paper.categories) or None,
        "sources": list(paper.sources),
        "n_entities": n_entities,
    }
    return {k: v for k, v in attrs.items() if v is not None}


def check_options(weight: str, min_shared: int, max_df: float, top_k: int | None) -> None:
    """Raise :class:`~paperkg.errors.OptionError` (a :class:`~paperkg.errors.GraphError`)
    for an invalid paper-linking option."""
    if weight not in WEIGHT_MODES:
        raise OptionError(f"unknown weight mode {weight!r}: use one of {', '.join(WEIGHT_MODES)}")
    if min_shared < 1:
        raise OptionError(f"min_shared must be at least 1, got {min_shared}")
    if not 0 < max_df <= 1:
        raise OptionError(f"max_df must be a fraction in (0, 1], got {max_df}")
    if top_k is not None and top_k < 1:
        raise OptionError(f"top_k must be at least 1 (or None for no limit), got {top_k}")
