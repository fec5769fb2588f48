"""The arXiv metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``): JSON Lines.

One object per line with ``id`` (``"0704.0001"`` or ``"math/0101001"``), ``title``,
``abstract``, ``authors`` (a string), ``authors_parsed`` (``[last, first, suffix]``
lists), ``categories`` (space-separated), ``doi``, ``versions`` (the first one's
``created`` date gives the year) and ``update_date``. Snapshot lines inside any
``.jsonl`` file are recognised by their ``authors_parsed``/``versions`` fields, so
``--format arxiv-snapshot`` is only needed to force the arXiv reading of ``id``.
The reader itself is :func:`paperkg.load.jsonfmt.read_snapshot` (a JSON Lines reader);
this module only maps a snapshot record's fields.
"""

from __future__ import annotations

from typing import Any

from paperkg.load.bibtex import clean_latex
from paperkg.load.records import arxiv_id_from, split_authors

__all__ = ["is_snapshot_record", "snapshot_fields"]


def is_snapshot_record(fields: dict[str, Any]) -> bool:
    """True for a record shaped like an arXiv snapshot line."""
    return "authors_parsed" in fields or ("versions" in fields and "update_date" in fields)


def snapshot_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Snapshot record -> common fields: arXiv id from ``id``, authors with LaTeX cleaned."""
    out = dict(fields)
    arxiv = arxiv_id_from(fields.get("id"))
    if arxiv:
        out["arxiv_id"] = arxiv
    parsed = split_authors(fields.get("authors_parsed")) if isinstance(
        fields.get("authors_parsed"), list) else []
    names = parsed or split_authors(fields.get("authors"))
    out.pop("authors_parsed", None)
    out["authors"] = [" ".join(clean_latex(n).split()) for n in names]
    if isinstance(out.get("categories"), str):
        out["categories"] = out["categories"].split()
    # the first version's date is the submission year; update_date is only a fallback
    out.pop("updated", None)
    return out

