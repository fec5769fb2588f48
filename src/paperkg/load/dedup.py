"""One paper, one record: merge duplicates by arXiv id, DOI or normalised title.

Two records are the same paper when they share any key: ``arxiv:<id>`` (version
dropped), ``doi:<doi>`` (lower case) or ``title:<title_key(title)>`` (case, accents
and punctuation folded). :class:`Merger` keeps the first-seen record and folds later
ones into it (every source kept, missing fields filled in); :class:`StreamDedup`
keeps only compact key digests, for corpora that do not fit in memory.

Both are O(1) per record (dict/set look-ups).
"""

from __future__ import annotations

import hashlib
import logging

from paperkg.load.records import fast_title_key
from paperkg.models import LoadReport, Paper

__all__ = ["paper_keys", "Merger", "StreamDedup", "warn", "MAX_WARNINGS"]

log = logging.getLogger("paperkg")


def paper_keys(paper: Paper) -> list[str]:
    """The identity keys of a paper (any shared key means the same paper)."""
    keys = []
    if paper.arxiv_id:
        keys.append(f"arxiv:{paper.arxiv_id.lower()}")
    if paper.doi:
        keys.append(f"doi:{paper.doi.lower()}")
    keys.append(f"title:{fast_title_key(paper.title)}")
    return keys


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=12).digest()


#: Joins a clashing id and its number (``p1~2``). Not ``-``: own ids like ``same-2`` are
#: common, and a later record whose own id is ``same-2`` lost it to an earlier
#: duplicate renamed to ``same-2`` (ids are final when yielded, so the later one had to
#: give way and became ``same-2-2``).
CLASH_SEPARATOR = "~"


class _Ids:
    """Paper ids handed out so far; a clash between two different papers gets ``~2``, ``~3``."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, paper: Paper, report: LoadReport) -> Paper:
        if paper.id not in self._used:
            self._used.add(paper.id)
            return paper
        n = 2
        while f"{paper.id}{CLASH_SEPARATOR}{n}" in self._used:
            n += 1
        new_id = f"{paper.id}{CLASH_SEPARATOR}{n}"
        where = paper.sources[0] if paper.sources else "?"
        warn(report, f"{where}: id {paper.id!r} is already used by another paper; "
                      f"this one becomes {new_id!r}")
        self._used.add(new_id)
        return paper.model_copy(update={"id": new_id})


MAX_WARNINGS = 1000


def warn(report: LoadReport, message: str) -> None:
    """Log a warning and keep it in the report (the first :data:`MAX_WARNINGS` of them)."""
    if len(report.warnings) < MAX_WARNINGS:
        log.warning(message)
        report.warnings.append(message)
    elif len(report.warnings) == MAX_WARNINGS:
        note = f"more than {MAX_WARNINGS} warnings; the rest are counted but not shown"
        log.warning(note)
        report.warnings.append(note)


class Merger:
    """In-memory de-duplication that merges duplicates into the first-seen paper."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self.papers: list[Paper] = []
        self._index: dict[str, int] = {}
        self._ids = _Ids()

    def add(self, paper: Paper) -> None:
        """Keep ``paper`` as new, or merge it into the paper it duplicates."""
        keys = paper_keys(paper)
        hit = next((self._index[k] for k in keys if k in self._index), None)
        if hit is None:
            paper = self._ids.claim(paper, self.report)
            hit = len(self.papers)
            self.papers.append(paper)
            self.report.papers_kept += 1
        else:
            self.papers[hit] = _merge(self.papers[hit], paper)
            self.report.duplicates_merged += 1
        for key in keys:
            self._index.setdefault(key, hit)


def _merge(kept: Paper, dup: Paper) -> Paper:
    update: dict[str, object] = {"sources": kept.sources + dup.sources}
    for name in ("url", "arxiv_id", "doi", "year"):
        if getattr(kept, name) is None and getattr(dup, name) is not None:
            update[name] = getattr(dup, name)
    for name in ("authors", "categories"):
        if not getattr(kept, name) and getattr(dup, name):
            update[name] = getattr(dup, name)
    return kept.model_copy(update=update)


class StreamDedup:
    """Streaming de-duplication: the first record of a paper wins, later ones are dropped.

    Memory holds 12-byte digests of the keys and the ids, never the texts.
    """

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self._seen: set[bytes] = set()
        self._ids = _Ids()

    def first(self, paper: Paper) -> Paper | None:
        """``paper`` (id made unique) if it is new, else ``None`` (counted as merged)."""
        digests = [_digest(k) for k in paper_keys(paper)]
        if any(d in self._seen for d in digests):
            self.report.duplicates_merged += 1
            return None
        self._seen.update(digests)
        self.report.papers_kept += 1
        return self._ids.claim(paper, self.report)
