"""Cross-corpus canonicalisation: one id and one name per concept.

Each paper's entities already group their own surface variants (see
:mod:`paperkg.extract.resolve`). Across the corpus, entities of one type are joined
when they share a :func:`~paperkg.text.match_key` through their name or an alias:
"Fourier Neural Operator (FNO)" in one paper, "FNO" alone in a second and "Fourier
neural operators" in a third become one entity. An acronym that two papers define
differently ("CL" = continual / contrastive learning) joins nothing.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from paperkg.cache import decode_result, encode_result
from paperkg.extract.candidates import singular_surface
from paperkg.models import PaperEntities
from paperkg.text import match_key as _match_key
from paperkg.text import slugify
from paperkg.vocab import Vocabulary, load_vocabulary

# the same surfaces recur across papers; the key normalisation is the costly part
match_key = functools.lru_cache(maxsize=200_000)(_match_key)

__all__ = ["canonicalize", "canonicalize_json", "iter_canonical", "iter_canonical_json",
           "reduce_canonical_json", "is_acronym_form", "json_writer", "surface_counts",
           "plan_of", "rewrite_records"]

T = TypeVar("T")


def is_acronym_form(surface: str) -> bool:
    """``"FNO"``, ``"SS-HOPM"``, ``"PDEs"``, ``"SciML"``: short, no space, several capitals."""
    if " " in surface or len(surface) > 12:
        return False
    caps = sum(c.isupper() for c in surface)
    return caps >= 2 and caps >= (sum(c.isalpha() for c in surface) - 1) / 2


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, x: tuple[str, str]) -> tuple[str, str]:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _keys(entity: _Surface) -> list[str]:
    keys = [match_key(entity.name)]
    for alias in entity.aliases:
        k = match_key(alias)
        if k and k not in keys:
            keys.append(k)
    return keys


def _lone_acronym(e: dict, canonical_name: str, vocabulary: Vocabulary) -> bool:
    """A bare acronym nobody in the corpus defines, named once in an abstract and unknown
    to the vocabulary, typed method only by its shape ("ETF", "SKA", "COVID-19"): it may
    name anything (an institution, an instrument, a disease), so it is no entity. One that another paper defines
    ("FNO" where a paper says "Fourier Neural Operator (FNO)") is kept.

    ``e`` is an entity as a JSON dict (``Entity.model_dump(mode="json")``)."""
    mentions = e["mentions"]
    if e["type"] != "method" or e["aliases"] or len(mentions) != 1 or mentions[0]["field"] == "title":
        return False
    letters = [c for c in e["name"] if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return False
    return is_acronym_form(canonical_name) and not vocabulary.lookup(e["name"])


class _Surface(NamedTuple):
    """What the corpus-wide passes read of an entity (and all they keep of it)."""

    type: str
    name: str
    aliases: tuple[str, ...]


#: One paper's record as a JSON dict (``PaperEntities.model_dump(mode="json")``).
_Record = dict[str, Any]


def _surfaces(records: Iterable[_Record]) -> Counter[_Surface]:
    """How often each distinct ``(type, name, aliases)`` occurs across the corpus.

    The records may be parsed from JSON on each iteration (see :func:`iter_canonical_json`):
    the corpus-wide passes read only these fields, so the corpus is parsed twice in all.
    The same surfaces recur from paper to paper, so the passes of :func:`plan_of` run over
    the distinct ones only (their outcome does not depend on order or repetition).
    """
    return Counter(
        _Surface(e["type"], e["name"], tuple(e["aliases"]))
        for rec in records for e in rec["entities"]
    )


class _Plan:
    """The outcome of the corpus-wide passes: per (type, surface) the canonical entity.

    ``resolve`` is memoised: the same surfaces recur across papers, and the union-find
    look-up, the slug and the sorted acronym list are the same every time.
    """

    def __init__(self, uf: _UnionFind, canon: dict[tuple[str, str], str],
                 aliases_of: dict[tuple[str, str], set[str]]) -> None:
        self._uf, self._canon, self._aliases_of = uf, canon, aliases_of
        self._memo: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {}

    def resolve(self, etype: str, name: str) -> tuple[str, str, tuple[str, ...]]:
        """``(canonical name, entity id, acronyms the corpus gives the concept)``."""
        key = (etype, name)
        found = self._memo.get(key)
        if found is None:
            root = self._uf.find((etype, match_key(name)))
            canonical = name if etype == "repo" else self._canon[root]
            extra = () if etype == "repo" else tuple(sorted(self._aliases_of.get(root, ())))
            found = self._memo[key] = (canonical, f"{etype}:{slugify(canonical)}", extra)
        return found


def _mention_order(m: dict[str, Any]) -> tuple[bool, int, int]:
    return m["field"] != "title", m["start"], m["end"]


def _canonical_record(rec: _Record, plan: _Plan, vocabulary: Vocabulary) -> _Record:
    """One paper's record with canonical ids, names and aliases (a new dict; the input's
    mention dicts are reused)."""
    merged: dict[str, dict[str, Any]] = {}
    for e in rec["entities"]:
        etype, ename = e["type"], e["name"]
        name, eid, extra = plan.resolve(etype, ename)
        if _lone_acronym(e, name, vocabulary):
            continue
        surfaces = [ename, *e["aliases"], *extra]
        target = merged.get(eid)
        if target is not None:
            target_aliases = target["aliases"]
            for s in surfaces:
                if s != target["name"] and s not in target_aliases:
                    target_aliases.append(s)
            known = {(m["field"], m["start"], m["end"]) for m in target["mentions"]}
            target["mentions"].extend(
                m for m in e["mentions"] if (m["field"], m["start"], m["end"]) not in known
            )
            continue
        aliases: list[str] = []
        for s in surfaces:
            if s != name and s not in aliases:
                aliases.append(s)
        merged[eid] = {"id": eid, "name": name, "type": etype, "aliases": aliases,
                       "mentions": list(e["mentions"])}
    for ent in merged.values():
        ent["mentions"].sort(key=_mention_order)
    return {"id": rec["id"], "title": rec["title"], "entities": list(merged.values())}


def canonicalize(results: Sequence[PaperEntities], *,
                 vocabulary: Vocabulary | None = None) -> list[PaperEntities]:
    """Unify entities across papers: same concept -> same id, name and alias set.

    Deterministic (ties broken by string order) and O(total entities + aliases)
    up to the inverse-Ackermann factor of union-find.

    Parameters
    ----------
    results
        One :class:`~paperkg.models.PaperEntities` per paper, as the extractor made them.
    vocabulary
        Known terms (default: the shipped vocabulary). A bare acronym named once in an
        abstract that no paper defines and the vocabulary does not know is dropped.

    Returns
    -------
    list of PaperEntities
        New records, in input order; each entity's ``name`` is the corpus-wide canonical
        name, ``aliases`` every other surface form seen for it in that paper (plus its
        acronym/long form when another paper defines it), ``mentions`` unchanged.
    """
    return list(iter_canonical(results, vocabulary=vocabulary))


def iter_canonical(results: Sequence[PaperEntities], *,
                   vocabulary: Vocabulary | None = None) -> Iterator[PaperEntities]:
    """:func:`canonicalize`, yielding one paper's record at a time (in input order).

    The corpus-wide passes run before the first record is yielded; then ``results``
    is read once more, so a caller can store each record compactly as it comes
    instead of holding them all as objects.
    """
    def records() -> Iterator[_Record]:
        return (res.model_dump(mode="json") for res in results)

    for rec in _iter_canonical_records(records, vocabulary):
        yield PaperEntities.model_validate(rec)


def iter_canonical_json(results: Sequence[str], *,
                        vocabulary: Vocabulary | None = None) -> Iterator[str]:
    """:func:`iter_canonical` on records held as JSON text, yielding JSON text.

    ``results`` are ``PaperEntities.model_dump_json()`` strings as the extractor and the
    cache produce them; each output string is byte for byte what
    ``PaperEntities.model_dump_json()`` gives for the canonical record. The records go
    through :func:`json.loads` / :func:`json.dumps` as plain dicts, with no model
    objects built (most of the cost of canonicalising a large corpus).
    """
    loads, dumps = json.loads, json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def records() -> Iterator[_Record]:
        return (loads(item) for item in results)

    for rec in _iter_canonical_records(records, vocabulary):
        yield dumps(rec)


def canonicalize_json(results: Sequence[str] | Sequence[bytes], *,
                      vocabulary: Vocabulary | None = None,
                      encoded: bool = False) -> list[str] | list[bytes]:
    """``list(iter_canonical_json(results))``.

    With ``encoded``, the records come and go compressed as the cache stores them
    (:func:`paperkg.cache.encode_result`), so neither list is held as plain text.
    ``paperkg build`` makes the same list with both cores on a large corpus
    (:func:`paperkg.workflow.canonicalize_corpus`).
    """
    return reduce_canonical_json(results, json_writer(encoded), vocabulary=vocabulary,
                                 encoded=encoded)[0]


def json_writer(encoded: bool) -> Callable[[Iterator[_Record]], list[Any]]:
    """A ``reduce`` for :func:`reduce_canonical_json` that writes each record as
    compact JSON text, compressed with ``encoded``."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    if encoded:
        plain_dumps = dumps

        def dumps(rec):  # type: ignore[no-redef]
            return encode_result(plain_dumps(rec))

    def serialise(records: Iterator[_Record]) -> list[Any]:
        return [dumps(rec) for rec in records]

    return serialise


def reduce_canonical_json(results: Sequence[str] | Sequence[bytes],
                          reduce: Callable[[Iterator[_Record]], T], *,
                          vocabulary: Vocabulary | None = None,
                          encoded: bool = False) -> list[T]:
    """Canonicalise records held as JSON text and hand them, as dicts, to ``reduce``.

    The canonical records (the dicts :func:`iter_canonical_json` serialises) go to
    ``reduce`` in input order, as one iterator; returns ``[reduce(records)]``. Each dict
    is ``reduce``'s to keep or change. The work is two reads of the corpus
    (:func:`surface_counts`, then :func:`rewrite_records` with the :func:`plan_of` the
    counts), each of which can be split into consecutive parts:
    :func:`paperkg.workflow.canonicalize_corpus` runs them on two cores and returns
    ``reduce``'s result for each half.

    :func:`canonicalize_json` is this with a ``reduce`` that serialises the records;
    ``paperkg build`` tallies them for the graph instead (the graph reads a few fields
    of each record, so none has to be written out and parsed again).
    """
    plan = plan_of(surface_counts(results, encoded=encoded))
    return [rewrite_records(results, plan, reduce, vocabulary=vocabulary, encoded=encoded)]


def surface_counts(part: Sequence[str] | Sequence[bytes], *,
                   encoded: bool = False) -> Counter[_Surface]:
    """How many entities have each surface (type, name, aliases) in ``part``. The
    counts of consecutive parts add up (``Counter.update``) to the whole's, the first
    part's keys first, as in one pass."""
    loads = _loads(encoded)
    return _surfaces(loads(item) for item in part)


def rewrite_records(part: Sequence[str] | Sequence[bytes], plan: _Plan,
                    reduce: Callable[[Iterator[_Record]], T], *,
                    vocabulary: Vocabulary | None = None, encoded: bool = False) -> T:
    """``reduce`` of the canonical records of ``part`` under the corpus-wide ``plan``
    (:func:`plan_of`); each record's rewrite depends only on the plan, so consecutive
    parts give the records of the whole, string for string."""
    loads = _loads(encoded)
    vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
    # each record's dicts are freed once reduce is done with them: no cyclic garbage
    return reduce(_canonical_record(loads(item), plan, vocabulary) for item in part)


def _loads(encoded: bool) -> Callable[[str | bytes], _Record]:
    if not encoded:
        return json.loads

    def loads(item):  # noqa: ANN001, ANN202
        return json.loads(decode_result(item))

    return loads


def _iter_canonical_records(records: Callable[[], Iterable[_Record]],
                            vocabulary: Vocabulary | None) -> Iterator[_Record]:
    """The canonicalisation itself; ``records()`` gives the corpus, read twice."""
    surfaces = _surfaces(records())
    plan = plan_of(surfaces)
    del surfaces
    vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
    for rec in records():
        yield _canonical_record(rec, plan, vocabulary)


def plan_of(surfaces: Counter[_Surface]) -> _Plan:
    """The corpus-wide passes: ambiguous acronyms, union-find, canonical names.

    ``surfaces`` counts each distinct surface once per entity that has it. Union-find
    keeps the smallest key as a component's root, sets and vote sums do not depend on
    order, and name ties are broken by the string: the outcome is that of one pass over
    every entity of every paper, in any order.
    """
    # acronym key -> long-form keys it stands for, to detect ambiguous acronyms
    expansions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in surfaces:
        if e.type == "repo" or is_acronym_form(e.name):
            continue
        long_key = match_key(e.name)
        for alias in e.aliases:
            if is_acronym_form(alias):
                expansions[(e.type, match_key(alias))].add(long_key)
    ambiguous = {k for k, v in expansions.items() if len(v) > 1}

    uf = _UnionFind()
    for e in surfaces:
        keys = [(e.type, k) for k in _keys(e)]
        keys = [k for k in keys if k not in ambiguous] or keys[:1]
        for k in keys[1:]:
            uf.union(keys[0], k)

    # canonical name per component: a long form over an acronym, then the most frequent
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    defined: set[str] = set()
    aliases_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e, times in surfaces.items():
        root = uf.find((e.type, match_key(e.name)))
        votes[root][e.name] += times
        if any(is_acronym_form(a) for a in e.aliases):
            defined.add(e.name)
        aliases_of[root].update(a for a in e.aliases if is_acronym_form(a))
        if is_acronym_form(e.name):
            aliases_of[root].add(e.name)
    canon: dict[tuple[str, str], str] = {}
    for root, counter in votes.items():
        name = min(counter, key=lambda n: (
            is_acronym_form(n), singular_surface(n) != n, n not in defined, -counter[n],
            -len(n), n))
        # "Diffusion probabilistic model" capitalised at a sentence start, when the corpus
        # also writes "diffusion probabilistic model": the capital is not part of the name
        lower_first = name[:1].lower() + name[1:]
        if name[1:2].islower() and lower_first != name and lower_first in counter:
            name = lower_first
        canon[root] = name
    return _Plan(uf, canon, aliases_of)
