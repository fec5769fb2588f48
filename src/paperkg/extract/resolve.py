"""Paper-level resolution: spans of the title and abstract docs -> entities.

Merges the candidates of the span groups written by the pipeline components
(:mod:`paperkg.extract.candidates`) into one list of :class:`~paperkg.models.Entity`
per paper: abbreviation short forms join their long
form, surface variants with one :func:`~paperkg.text.match_key` join, each entity gets
a type (strongest evidence wins), a canonical singular name and its aliases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc

from paperkg.extract.candidates import (
    Candidate,
    abbreviation_candidates,
    find_word,
    inside_index,
    singular_surface,
    slash_list,
    span_candidates,
    url_spans,
)
from paperkg.extract.patterns import is_acronym
from paperkg.extract.pipeline import doc_text
from paperkg.extract.rules import Rules
from paperkg.models import ENTITY_TYPES, Entity, Mention, PaperEntities
from paperkg.text import (
    clean_alias,
    clean_name,
    match_key,
    singular,
    slugify,
)
from paperkg.vocab import Vocabulary

__all__ = ["Candidate", "resolve_paper", "singular_surface", "url_spans", "find_word"]

# Evidence strength per source: a gazetteer term or a definition beats a head-noun guess.
_STRENGTH = {"repo": 9, "gazetteer": 8, "abbrev": 7, "title": 6, "contrib": 6, "data": 5,
             "chunk": 4, "name": 3}


@dataclass
class _Group:
    key: str
    cands: list[Candidate] = field(default_factory=list)


def resolve_paper(paper_id: str, title: str, docs: dict[str, Doc], rules: Rules,
                  vocabulary: Vocabulary) -> PaperEntities:
    """Turn the span groups of ``docs`` (``{"title": doc, "abstract": doc}``) into entities.

    The candidates of every span (definitions first), then every other use of the
    names and short forms the paper introduces; candidates inside others or in URLs
    are dropped, short forms take their long form's type, and what remains is grouped
    into entities (one per match key, short forms with their long form).
    """
    cands: list[Candidate] = []
    short_to_key: dict[str, str] = {}
    for fname, doc in docs.items():
        cands.extend(abbreviation_candidates(fname, doc, rules, vocabulary, short_to_key))
    cands.extend(span_candidates(docs, rules, vocabulary, short_to_key))
    cands.extend(_other_uses(cands, docs, short_to_key))
    cands = _drop_contained(cands, docs, rules, vocabulary)
    cands = _with_long_forms(cands, short_to_key, rules)
    entities = _group(cands, short_to_key)
    return PaperEntities(id=paper_id, title=title,
                         entities=_merge_suffix_variants(entities, rules))


def _other_uses(cands: Sequence[Candidate], docs: dict[str, Doc],
                short_to_key: dict[str, str]) -> list[Candidate]:
    """Every other use of a name the paper introduces (title "Name: ...", "we propose
    Name"), then of a short form it defines."""
    out: list[Candidate] = []
    introduced = {c.text: c for c in cands if c.source in ("title", "contrib", "data")}
    for text, c in introduced.items():
        if text in short_to_key or len(text) < 3:
            continue
        for fname, doc in docs.items():
            full = doc_text(doc)
            for start, end in find_word(full, text):
                out.append(Candidate(fname, start, end, full[start:end], c.type, c.source,
                                     c.name, c.key))
    for short, key in short_to_key.items():
        for fname, doc in docs.items():
            full = doc_text(doc)
            for start, end in find_word(full, short, plural=True):
                out.append(Candidate(fname, start, end, full[start:end], "", "abbrev",
                                     None, key))
    return out


def _drop_contained(cands: list[Candidate], docs: dict[str, Doc], rules: Rules,
                    vocabulary: Vocabulary) -> list[Candidate]:
    """The candidates that are not part of something else: a URL, a slash-joined
    list, a name the paper defines, a known term."""
    urls = {fname: url_spans(doc_text(doc)) for fname, doc in docs.items()}
    cands = [c for c in cands if c.source == "repo" or not any(
        s < c.end and c.start < e for s, e in urls[c.field])]
    # "CIFAR-10/FFHQ": a slash-joined list of names, each found on its own
    cands = [c for c in cands if c.source in ("repo", "gazetteer")
             or not slash_list(c.text, vocabulary)]
    # a term inside a name the paper defines ("power method" in "Subspace Power Method
    # (SPM)") is part of that name, not a mention of its own
    named = [(c.field, c.start, c.end) for c in cands
             if c.source in ("abbrev", "title", "contrib") and " " in c.text]
    # so is a known dataset inside a capitalised dataset name ("Split MNIST",
    # "Tiny ImageNet"): the variant is the data used
    named += [(c.field, c.start, c.end) for c in cands
              if c.source in ("chunk", "data") and c.type == "dataset" and " " in c.text
              and all(w[:1].isupper() or w[:1].isdigit() for w in c.text.split())]
    # every filter below looks spans up in an index: one abstract of 10^5 characters
    # has thousands of candidates, too many for a scan per candidate
    inside_named = inside_index(named)
    cands = [c for c in cands if c.source != "gazetteer" or not inside_named(c)]
    # a cue that caught only the start of a defined name ("we design the Parisian
    # particle Gibbs (PPG) sampler" -> "Parisian") is that name
    defined: dict[tuple[str, int], int] = {}
    for c in cands:
        if c.source == "abbrev" and " " in c.text:
            defined[c.field, c.start] = max(c.end, defined.get((c.field, c.start), -1))
    cands = [c for c in cands if c.source not in ("contrib", "name", "data")
             or not c.end < defined.get((c.field, c.start), -1)]
    # a trimmed chunk inside a known term ("Language Models" of "Large Language Models")
    inside_known = inside_index([(c.field, c.start, c.end) for c in cands
                                 if c.source in ("gazetteer", "abbrev")])
    cands = [c for c in cands if c.source != "chunk" or not inside_known(c)]
    # "neural operator architecture", "1D SPH simulation": a known term with a generic tail
    known_typed: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for c in cands:
        if c.source in ("gazetteer", "abbrev"):
            known_typed.setdefault((c.field, c.end), []).append((c.start, c.type))
    return [c for c in cands
            if c.source != "chunk" or not _known_with_tail(c, known_typed, rules)]


def _with_long_forms(cands: list[Candidate], short_to_key: dict[str, str],
                     rules: Rules) -> list[Candidate]:
    """Short forms resolved to the long forms the paper defines for them."""
    # a gazetteer reading of a short form the paper defines itself ("PPG" defined as
    # "Parisian particle Gibbs", not the vocabulary's "Phasic Policy Gradient") yields
    for c in cands:
        if c.source == "gazetteer" and c.text in short_to_key \
                and match_key(c.name or c.text) != short_to_key[c.text]:
            c.source, c.name, c.key = "abbrev", None, short_to_key[c.text]
    long_forms: dict[str, Candidate] = {}
    for c in cands:
        if c.source == "abbrev" and c.text not in short_to_key:
            long_forms.setdefault(c.key, c)
    return [x for x in (_expand_short_forms(c, short_to_key, long_forms, rules) for c in cands)
            if x is not None]


# Words after a name that leave the entity unchanged: "PaRIS algorithm" = "PaRIS",
# "ACD model" = "ACD" (with the tail heads of tail_heads.txt).
_SAME_ENTITY_SUFFIXES = frozenset({"algorithm", "method", "model", "estimator", "sampler",
                                   "solver", "system", "network", "operator"})


def _expand_short_forms(c: Candidate, short_to_key: dict[str, str],
                        long_forms: dict[str, Candidate], rules: Rules) -> Candidate | None:
    """A phrase built on a short form the paper defines joins the long form's entity
    (or is dropped when only generic words follow it: "LISTA complexity").

    ``"ACD model"`` (``ACD`` defined, a generic tail) is the ``ACD`` entity;
    ``"NS iteration"`` (``NS`` = "Newton-Schulz") is read as "Newton-Schulz iteration".
    ``long_forms``: the first ``abbrev`` candidate of each key that is not a short form.
    """
    if c.source == "repo" or c.text in short_to_key or " " not in c.text:
        return c
    words = c.text.split(" ")
    hits = [i for i, w in enumerate(words)
            if w in short_to_key or (w.endswith("s") and w[:-1] in short_to_key)]
    if len(hits) != 1:
        return c
    i = hits[0]
    short = words[i] if words[i] in short_to_key else words[i][:-1]
    rest = [singular(w.lower()) for w in words[i + 1:]]
    long_form = long_forms.get(short_to_key[short])
    if long_form is None:
        return c
    if i == 0 and rest and all(w in _SAME_ENTITY_SUFFIXES or w in rules.tail_heads
                               for w in rest) and c.type in ("", long_form.type):
        return Candidate(c.field, c.start, c.end, c.text, c.type, c.source, None,
                         short_to_key[short])
    if i == 0 and rest and c.source == "chunk" and all(w in rules.generic_heads for w in rest):
        return None  # "LISTA complexity", "FNO performance": a property of the entity
    # "SB solver" of a math object "Schrödinger bridge": a thing of its own
    expanded = " ".join([*words[:i], long_form.name or long_form.text, *words[i + 1:]])
    return Candidate(c.field, c.start, c.end, c.text, c.type, c.source,
                     singular_surface(expanded), match_key(expanded))


def _merge_suffix_variants(entities: list[Entity], rules: Rules) -> list[Entity]:
    """Within one paper, ``"PaRIS algorithm"`` joins ``"PaRIS"`` when both are
    entities of one type: the trailing word names the kind of thing, not another thing."""
    by_key = {(e.type, match_key(e.name)): e for e in entities}
    out: list[Entity] = []
    for e in entities:
        base_name, sep, last = e.name.rpartition(" ")
        last = singular(last.lower())
        base = by_key.get((e.type, match_key(base_name))) if sep else None
        if base is None or base is e or not (last in _SAME_ENTITY_SUFFIXES
                                             or last in rules.tail_heads):
            out.append(e)
            continue
        for a in [e.name, *e.aliases]:
            if a != base.name and a not in base.aliases:
                base.aliases.append(a)
        # a set of the mentions already there: a list scan per mention was quadratic
        have = {(m.field, m.start, m.end, m.text) for m in base.mentions}
        base.mentions.extend(m for m in e.mentions
                             if (m.field, m.start, m.end, m.text) not in have)
        base.mentions.sort(key=lambda m: (m.field != "title", m.start))
    return out


def _known_with_tail(c: Candidate, known: dict[tuple[str, int], list[tuple[int, str]]],
                     rules: Rules) -> bool:
    """Whether chunk ``c`` is a known term followed by a generic tail word: any word of
    ``tail_heads.txt`` ("neural operator architecture", "1D SPH simulation"), or
    "algorithm"/"method" after a known term of another type ("CP decomposition
    algorithm": the math object is the entity). ``known``: ``(field, end) -> [(start,
    type)]`` of the known terms."""
    head_start = c.text.rfind(" ")
    if head_start < 0:
        return False
    last = singular(c.text[head_start + 1:].lower())
    tail = last in rules.tail_heads
    if not tail and last not in ("algorithm", "method"):
        return False
    tail_start = c.start + head_start
    return any(c.start <= s and (tail or (t != c.type and t in ("math", "dataset")))
               for s, t in known.get((c.field, tail_start), ()))


def _incidental(name: str, etype: str, cands: Sequence[Candidate]) -> bool:
    """A one-word lower-case math term ("entropy", "manifold") named once, in passing in
    the abstract only, is background vocabulary rather than a concept the paper is about."""
    if etype != "math" or " " in name or not name.islower():
        return False
    spans = {(c.field, c.start) for c in cands}
    return len(spans) == 1 and next(iter(spans))[0] == "abstract"


def _group(cands: Sequence[Candidate], short_to_key: dict[str, str]) -> list[Entity]:
    groups: dict[str, _Group] = {}
    order: list[str] = []
    seen_spans: dict[tuple[str, int, int], Candidate] = {}
    for c in sorted(cands, key=lambda c: -_STRENGTH[c.source]):
        span_key = (c.field, c.start, c.end)
        if span_key in seen_spans:
            continue
        seen_spans[span_key] = c
        key = c.key or match_key(c.name or c.text)
        if c.text in short_to_key:
            key = short_to_key[c.text]
        if key not in groups:
            groups[key] = _Group(key)
            order.append(key)
        groups[key].cands.append(c)
    entities: list[Entity] = []
    for key in order:
        g = groups[key]
        best = max(g.cands, key=lambda c: (_STRENGTH[c.source], c.type != ""))
        etype = best.type or next((c.type for c in g.cands if c.type), "")
        if etype not in ENTITY_TYPES:
            continue
        names = [c.name for c in g.cands if c.name and _STRENGTH[c.source] == _STRENGTH[best.source]]
        if etype == "repo":
            name = best.name or best.text
        elif names:
            name = names[0]
        else:
            forms = [c.text for c in g.cands if clean_alias(c.text) == c.text] or [best.text]
            long_forms = [t for t in forms if not is_acronym(t)]
            name = singular_surface(max(long_forms or forms, key=len))
        if etype != "repo":
            name = clean_name(name)  # "Sensorimotor Pre-", "ResNet50(CIFAR-10"
        if not name:  # only brackets and dashes
            continue
        if _incidental(name, etype, g.cands):
            continue
        aliases: list[str] = []
        for c in g.cands:
            alias = clean_alias(c.text) if c.source != "repo" else None
            if alias is not None and alias != name and alias not in aliases:
                aliases.append(alias)
        mentions = sorted({(c.field, c.start, c.end, c.text) for c in g.cands},
                          key=lambda m: (m[0] != "title", m[1], m[2], m[3]))
        entities.append(Entity(
            id=f"{etype}:{slugify(name)}", name=name, type=etype, aliases=aliases,
            mentions=[Mention(field=f, start=s, end=e, text=t) for f, s, e, t in mentions],
        ))
    # one entity per id
    merged: dict[str, Entity] = {}
    for e in entities:
        if e.id in merged:
            m = merged[e.id]
            for a in [e.name, *e.aliases]:
                if a != m.name and a not in m.aliases:
                    m.aliases.append(a)
            m.mentions.extend(x for x in e.mentions if x not in m.mentions)
        else:
            merged[e.id] = e
    return list(merged.values())
