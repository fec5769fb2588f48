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
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from paperkg.extract.resolve import singular_surface
from paperkg.models import Entity, PaperEntities
from paperkg.text import match_key as _match_key
from paperkg.text import slugify
from paperkg.vocab import Vocabulary, load_vocabulary

# the same surfaces recur across papers; the key normalisation is the costly part
match_key = functools.lru_cache(maxsize=200_000)(_match_key)

__all__ = ["canonicalize", "iter_canonical", "is_acronym_form"]


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


def _keys(entity: Entity | _Surface) -> list[str]:
    keys = [match_key(entity.name)]
    for alias in entity.aliases:
        k = match_key(alias)
        if k and k not in keys:
            keys.append(k)
    return keys


def _lone_acronym(e: Entity, canonical_name: str, vocabulary: Vocabulary) -> bool:
    """A bare acronym nobody in the corpus defines, named once in an abstract and unknown
    to the vocabulary, typed method only by its shape ("ETF", "SKA", "COVID-19"): it may
    name anything (an institution, an instrument, a disease), so it is no entity. One that another paper defines
    ("FNO" where a paper says "Fourier Neural Operator (FNO)") is kept."""
    if e.type != "method" or e.aliases or len(e.mentions) != 1 or e.mentions[0].field == "title":
        return False
    letters = [c for c in e.name if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return False
    return is_acronym_form(canonical_name) and not vocabulary.lookup(e.name)


class _Surface(NamedTuple):
    """What the corpus-wide passes read of an entity (and all they keep of it)."""

    type: str
    name: str
    aliases: tuple[str, ...]


def _surfaces(results: Iterable[PaperEntities]) -> list[list[_Surface]]:
    """Every paper's entities as compact tuples, each distinct string stored once.

    The results may be parsed from JSON on each iteration (see
    :class:`paperkg.workflow._JsonResults`): three of the four passes read only these
    fields, so the corpus is parsed twice rather than four times.
    """
    pool: dict[str, str] = {}
    share = pool.setdefault
    return [
        [_Surface(share(e.type, e.type), share(e.name, e.name),
                  tuple(share(a, a) for a in e.aliases)) for e in res.entities]
        for res in results
    ]


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
    surfaces = _surfaces(results)
    # acronym key -> long-form keys it stands for, to detect ambiguous acronyms
    expansions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ents in surfaces:
        for e in ents:
            if e.type == "repo" or is_acronym_form(e.name):
                continue
            long_key = match_key(e.name)
            for alias in e.aliases:
                if is_acronym_form(alias):
                    expansions[(e.type, match_key(alias))].add(long_key)
    ambiguous = {k for k, v in expansions.items() if len(v) > 1}

    uf = _UnionFind()
    for ents in surfaces:
        for e in ents:
            keys = [(e.type, k) for k in _keys(e)]
            keys = [k for k in keys if k not in ambiguous] or keys[:1]
            for k in keys[1:]:
                uf.union(keys[0], k)

    # canonical name per component: a long form over an acronym, then the most frequent
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    defined: set[str] = set()
    aliases_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ents in surfaces:
        for e in ents:
            root = uf.find((e.type, match_key(e.name)))
            votes[root][e.name] += 1
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
    del surfaces
    vocabulary = vocabulary if vocabulary is not None else load_vocabulary()

    for res in results:
        merged: dict[str, Entity] = {}
        for e in res.entities:
            root = uf.find((e.type, match_key(e.name)))
            name = e.name if e.type == "repo" else canon[root]
            if _lone_acronym(e, name, vocabulary):
                continue
            eid = f"{e.type}:{slugify(name)}"
            surfaces = [e.name, *e.aliases]
            if e.type != "repo":
                surfaces.extend(sorted(aliases_of[root]))
            if eid in merged:
                target = merged[eid]
                for s in surfaces:
                    if s != target.name and s not in target.aliases:
                        target.aliases.append(s)
                known = {(m.field, m.start, m.end) for m in target.mentions}
                target.mentions.extend(
                    m.model_copy() for m in e.mentions
                    if (m.field, m.start, m.end) not in known
                )
                continue
            aliases: list[str] = []
            for s in surfaces:
                if s != name and s not in aliases:
                    aliases.append(s)
            merged[eid] = Entity(id=eid, name=name, type=e.type, aliases=aliases,
                                 mentions=[m.model_copy() for m in e.mentions])
        for ent in merged.values():
            ent.mentions.sort(key=lambda m: (m.field != "title", m.start, m.end))
        yield PaperEntities(id=res.id, title=res.title, entities=list(merged.values()))
