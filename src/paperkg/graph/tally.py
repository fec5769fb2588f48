"""What the graph reads of the extractor's results: the tally and the corpus.

The canonical records (one per paper) are read once into a :class:`_Tally`: each
entity's spellings, aliases and types, each paper's links (entity id -> count of
distinct mentions and first mention) and the document frequencies. The tally of a run
of records can be made in parts and merged (:func:`merge_tallies`); ``paperkg build``
makes it while canonicalising. :func:`collect` checks it against the papers and gives
the :class:`_Corpus` the builders read, papers and entities in sorted order.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from paperkg.cache import decode_result
from paperkg.errors import GraphError
from paperkg.graph.schema import paper_node_id
from paperkg.models import Entity, Paper, PaperEntities

__all__ = ["tally_records", "merge_tallies", "tally_results", "given_tally", "index_papers",
           "corpus_from_tally", "collect"]

_FIELD_ORDER = {"title": 0, "abstract": 1}


#: The first mention of an entity in a paper, as ``(field, start, end)``.
_Span = tuple[str, int, int]


@dataclass
class _Corpus:
    """Papers and merged entities in a fixed (sorted) order."""

    papers: list[Paper]  # sorted by node id
    entities: list[Entity]  # merged across papers, sorted by id, mentions empty
    # per paper: entity id -> (count, first mention or None)
    links: list[dict[str, tuple[int, _Span | None]]]
    df: dict[str, int]


def _span_order(span: _Span) -> tuple[int, int, int]:
    return _FIELD_ORDER.get(span[0], 2), span[1], span[2]


def _paper_links(res: dict[str, Any], shared: dict[str, str]
                 ) -> dict[str, tuple[int, _Span | None]]:
    """Entity id -> (distinct mentions, first mention) of one paper, ids sorted.

    ``res`` is the paper's record as a JSON dict (see :func:`_records`); ``shared`` maps
    each string to one stored copy, so the ids and field names of a large corpus are not
    held once per paper.
    """
    per: dict[str, dict[_Span, None]] = {}
    for ent in res["entities"]:
        eid = ent["id"]
        spans = per.setdefault(shared.setdefault(eid, eid), {})
        for m in ent["mentions"]:
            field = m["field"]
            spans[(shared.setdefault(field, field), m["start"], m["end"])] = None
    links: dict[str, tuple[int, _Span | None]] = {}
    for eid, spans in sorted(per.items()):
        # a span reported twice (two extractor hits merged by canonicalisation) counts once
        if len(spans) == 1:
            first: _Span | None = next(iter(spans))
        else:
            first = min(spans, key=_span_order, default=None)
        links[eid] = (max(1, len(spans)), first)
    return links


def _records(results: Sequence[PaperEntities], start: int = 0, stop: int | None = None
             ) -> Iterator[dict[str, Any]]:
    """Each result (from ``start`` to ``stop``) as a JSON dict, in order.

    Results held as compressed JSON text (:class:`paperkg.results.JsonResults`, whose ``encoded``
    are :func:`paperkg.cache.encode_result` blobs of canonical records) are decoded with
    :func:`json.loads` rather than validated into model objects again: the graph reads a
    few fields of each once. Model objects are dumped.
    """
    encoded = getattr(results, "encoded", None)
    if isinstance(encoded, list):
        return (json.loads(decode_result(blob)) for blob in encoded[start:stop])
    return (res.model_dump(mode="json") for res in itertools.islice(results, start, stop))


@dataclass
class _Tally:
    """What :func:`collect` gathers from a run of results."""

    names: dict[str, Counter[str]]  # entity id -> spelling -> papers
    aliases: dict[str, set[str]]
    types: dict[str, set[str]]
    links_of: dict[str, dict[str, tuple[int, _Span | None]]]  # paper id -> its links
    df: Counter[str]
    #: False when a paper had a second result (tallied unchecked: see tally_records)
    clean: bool = True

    def add(self, other: _Tally) -> None:
        """Fold in the tally of other papers (none of them in this one)."""
        for eid, spellings in other.names.items():
            self.names.setdefault(eid, Counter()).update(spellings)
        for eid, found in other.aliases.items():
            self.aliases.setdefault(eid, set()).update(found)
        for eid, found in other.types.items():
            self.types.setdefault(eid, set()).update(found)
        self.links_of.update(other.links_of)
        self.df.update(other.df)


def _tally(records: Iterable[dict[str, Any]], known: dict[str, Paper] | None) -> _Tally:
    """Names, aliases, types, links and document frequencies of ``records``.

    With ``known``, raises :class:`GraphError` for a result of an unknown paper or a
    second result of one; without (:func:`tally_records`), a second result is left out
    and the tally marked not ``clean``."""
    shared: dict[str, str] = {}
    names: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    types: dict[str, set[str]] = {}
    links_of: dict[str, dict[str, tuple[int, _Span | None]]] = {}
    df: Counter[str] = Counter()
    clean = True
    for res in records:
        pid = res["id"]
        if known is not None and pid not in known:
            raise GraphError(f"extractor result for unknown paper id {pid!r}")
        if pid in links_of:
            if known is None:
                clean = False
                continue
            raise GraphError(f"two extractor results for paper id {pid!r}")
        for ent in res["entities"]:
            eid = ent["id"]
            types.setdefault(shared.setdefault(eid, eid), set()).add(ent["type"])
            names[eid][ent["name"]] += 1
            aliases[eid].update(ent["aliases"])
        links = links_of[pid] = _paper_links(res, shared)
        df.update(links.keys())
    return _Tally(dict(names), dict(aliases), types, links_of, df, clean)


def tally_records(records: Iterable[dict[str, Any]]) -> _Tally:
    """What the graph stage reads of canonical records (JSON dicts, see :func:`_records`):
    their entities' spellings, aliases and types, each paper's links and the document
    frequencies. Unchecked: :func:`collect` checks the paper ids against the corpus.

    ``paperkg build`` makes it while canonicalising
    (:func:`paperkg.canonical.reduce_canonical_json`, whose parts
    :func:`merge_tallies` joins) and hands it over on the results
    (``JsonResults.graph_tally``), so the records are not parsed twice."""
    return _tally(records, None)


def merge_tallies(parts: Sequence[_Tally]) -> _Tally:
    """The tally of consecutive runs of records (the first part, extended in place)."""
    head, *rest = parts
    for part in rest:
        if not head.links_of.keys().isdisjoint(part.links_of):
            head.clean = False
        head.add(part)
        head.clean = head.clean and part.clean
    return head


def given_tally(results: Sequence[PaperEntities], by_id: dict[str, Paper]) -> _Tally | None:
    """The tally that came with ``results`` (taken off them), when it holds one result
    per paper of ``results``, each of a known paper; else ``None`` (results are read)."""
    tally = getattr(results, "graph_tally", None)
    if not isinstance(tally, _Tally):
        return None
    results.graph_tally = None  # type: ignore[attr-defined]  # collect consumes it
    if (not tally.clean or len(tally.links_of) != len(results)
            or not tally.links_of.keys() <= by_id.keys()):
        return None
    return tally


def index_papers(papers: Sequence[Paper]) -> dict[str, Paper]:
    """Paper id -> paper; raises :class:`GraphError` for a duplicate id."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if paper.id in by_id:
            raise GraphError(f"duplicate paper id {paper.id!r}: paper ids must be unique")
        by_id[paper.id] = paper
    return by_id


def tally_results(results: Sequence[PaperEntities], known: dict[str, Paper], start: int = 0,
                  stop: int | None = None) -> _Tally:
    """The tally of ``results[start:stop]``, checked against the ``known`` papers:
    raises :class:`GraphError` for a result of an unknown paper or a second result of
    one. The tallies of consecutive parts merge (:func:`merge_tallies`) into the
    whole's, unless a paper has a result in two parts (the merged tally is then not
    ``clean``)."""
    return _tally(_records(results, start, stop), known)


def collect(papers: Sequence[Paper], results: Sequence[PaperEntities]) -> _Corpus:
    """Check and merge the results; reads each result once (they may be parsed on access).

    Results that come with their tally (:func:`tally_records`, made while they were
    canonicalised) are not read at all, unless the tally shows a problem: then they
    are, and the error is the one reading them raises."""
    by_id = index_papers(papers)
    tally = given_tally(results, by_id)
    if tally is None:
        tally = tally_results(results, by_id)
    return corpus_from_tally(by_id, results, tally)


def corpus_from_tally(by_id: dict[str, Paper], results: Sequence[PaperEntities],
                      tally: _Tally) -> _Corpus:
    """The corpus of the papers ``by_id`` and the ``tally`` of their ``results``
    (consumed: its links move into the corpus). Raises :class:`GraphError` for an
    entity with two types, naming the first in paper id order."""
    names, aliases, types, links_of = tally.names, tally.aliases, tally.types, tally.links_of
    if any(len(t) > 1 for t in types.values()):
        _raise_type_conflict(by_id, results)
    ordered = sorted(by_id.values(), key=lambda p: paper_node_id(p.id))
    empty: dict[str, tuple[int, _Span | None]] = {}
    all_links = [links_of.pop(paper.id, empty) for paper in ordered]

    entities = []
    for eid in sorted(types):
        # most frequent spelling wins; ties go to the alphabetically first
        name = min(names[eid].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        entities.append(
            Entity(
                id=eid,
                name=name,
                type=next(iter(types[eid])),
                aliases=sorted(a for a in aliases[eid] | set(names[eid]) if a != name),
            )
        )
    return _Corpus(ordered, entities, all_links, dict(tally.df))


def _raise_type_conflict(by_id: dict[str, Paper], results: Sequence[PaperEntities]) -> None:
    """Raise the error for the first entity with two types, in paper id order."""
    order = {pid: paper_node_id(pid) for pid in by_id}
    found = sorted(results, key=lambda r: order[r.id])
    types: dict[str, str] = {}
    for res in found:
        for ent in res.entities:
            if types.setdefault(ent.id, ent.type) != ent.type:
                raise GraphError(
                    f"entity {ent.id!r} has two types ({types[ent.id]}, {ent.type}) "
                    f"in paper {res.id!r}"
                )
