"""The arXiv metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``): JSON Lines.

One object per line with ``id`` (``"0704.0001"`` or ``"math/0101001"``), ``title``,
``abstract``, ``authors`` (a string), ``authors_parsed`` (``[last, first, suffix]``
lists), ``categories`` (space-separated), ``doi``, ``versions`` (the first one's
``created`` date gives the year) and ``update_date``. Snapshot lines inside any
``.jsonl`` file are recognised by their ``authors_parsed``/``versions`` fields, so
``--format arxiv-snapshot`` is only needed to force the arXiv reading of ``id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from paperkg.load.bibtex import clean_latex
from paperkg.load.records import Bad, Raw, arxiv_id_from, split_authors

__all__ = ["read", "is_snapshot_record", "snapshot_fields"]


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


def read(fh: TextIO, name: str) -> Iterator[Raw | Bad]:
    """Yield one record per snapshot line (``id`` always read as an arXiv id)."""
    from paperkg.load.jsonfmt import read_jsonl

    for item in read_jsonl(fh, name):
        if isinstance(item, Raw):
            item = Raw(item.line, snapshot_fields(item.fields))
        yield item
