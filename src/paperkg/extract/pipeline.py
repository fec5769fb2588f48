"""The spaCy pipeline: ``spacy.blank("en")`` plus paperkg's components.

Each component wires one pure function to the ``Doc`` and writes ``doc.spans[...]``:

=======================  ======================  =========================================
component                span group              pure function
=======================  ======================  =========================================
``paperkg_repos``        ``repos``               :func:`~paperkg.extract.repos.find_repos`
``paperkg_abbreviations``  ``abbrev_long`` /     :func:`~paperkg.extract.abbreviations.find_abbreviations`
                         ``abbrev_short``
``paperkg_gazetteer``    ``gazetteer``           :meth:`~paperkg.extract.gazetteer.Gazetteer.find`
``paperkg_chunks``       ``chunks``              :func:`~paperkg.extract.chunker.chunk_words` +
                                                 :func:`~paperkg.extract.classify.classify_phrase`
``paperkg_cues``         ``cues``                :mod:`paperkg.extract.patterns`
=======================  ======================  =========================================

Span labels are entity types (or a cue kind); ``kb_id`` carries a canonical name
(repo ``owner/name``, gazetteer term name) when there is one. The field a ``Doc``
comes from is ``doc.user_data["field"]`` ("title" or "abstract").
"""

from __future__ import annotations

from spacy.attrs import IDX, LENGTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span

from paperkg.extract.abbreviations import find_abbreviations
from paperkg.extract.chunker import chunk_words, is_title_case, tag_words
from paperkg.extract.classify import classify_chunk, is_nominal_phrase, technical_words
from paperkg.extract.gazetteer import Gazetteer
from paperkg.extract.patterns import (
    contribution_cues,
    dataset_cues,
    name_words,
    title_as_name,
    title_name,
    title_name_type,
)
from paperkg.extract.rules import Rules, load_rules
from paperkg.vocab import Vocabulary, load_vocabulary

__all__ = ["build_pipeline", "doc_text", "CHUNKS_KEY", "WORDS_KEY", "TEXT_KEY"]

WORDS_KEY = "paperkg_words"
TEXT_KEY = "paperkg_text"
#: ``doc.user_data`` key of every chunk as ``(start_char, end_char, label or None)``,
#: rejected ones included: the learned stage's high-recall proposals.
CHUNKS_KEY = "paperkg_chunks"


def _char_span(doc: Doc, start: int, end: int, label: str, kb_id: str = "") -> Span | None:
    """``doc.char_span(start, end, label, kb_id, alignment_mode="expand")``, with the
    common case of offsets on token boundaries looked up instead of searched for."""
    _, starts, ends = _token_table(doc)
    s, e = starts.get(start), ends.get(end)
    if s is not None and e is not None and s < e:
        return Span(doc, s, e, label=label, kb_id=kb_id)
    return doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="expand")


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once (spaCy rebuilds it from the tokens at every access)."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


_TABLE_KEY = "paperkg_tokens"


def _token_table(doc: Doc) -> tuple[list[tuple[str, int, bool]], dict[int, int], dict[int, int]]:
    """The doc's tokens as ``(text, start_char, followed_by_space)``, and the token index
    starting (ending, plus one) at each character offset; computed once per doc."""
    table = doc.user_data.get(_TABLE_KEY)
    if table is None:
        text = doc_text(doc)
        arr = doc.to_array([IDX, LENGTH, SPACY])
        idx, ends_at = arr[:, 0].tolist(), (arr[:, 0] + arr[:, 1]).tolist()
        tokens = list(zip(map(text.__getitem__, map(slice, idx, ends_at)), idx,
                          (arr[:, 2] != 0).tolist(), strict=True))
        starts = dict(zip(idx, range(len(idx)), strict=True))
        ends = dict(zip(ends_at, range(1, len(idx) + 1), strict=True))
        table = doc.user_data[_TABLE_KEY] = (tokens, starts, ends)
    return table


def _tokens(doc: Doc) -> list[tuple[str, int, bool]]:
    """``(text, start_char, followed_by_space)`` per token, without creating Token objects."""
    return _token_table(doc)[0]


def _words(doc: Doc, rules: Rules):
    words = doc.user_data.get(WORDS_KEY)
    if words is None:
        words = tag_words(_tokens(doc), rules, title_case=_title_case(doc))
        doc.user_data[WORDS_KEY] = words
    return words


def _title_case(doc: Doc) -> bool:
    return doc.user_data.get("field") == "title" and is_title_case(doc_text(doc))


@Language.component("paperkg_repos")
def repos_component(doc: Doc) -> Doc:
    from paperkg.extract.repos import find_repos

    spans = []
    for m in find_repos(doc_text(doc)):
        span = _char_span(doc, m.start, m.end, "repo", m.name)
        if span is not None:
            spans.append(span)
    doc.spans["repos"] = spans
    return doc


@Language.component("paperkg_abbreviations")
def abbreviations_component(doc: Doc) -> Doc:
    longs, shorts = [], []
    for a in find_abbreviations(doc_text(doc)):
        lspan = _char_span(doc, a.long_start, a.long_end, "long", a.short_form)
        sspan = _char_span(doc, a.short_start, a.short_end, "short", a.long_form)
        if lspan is not None and sspan is not None:
            longs.append(lspan)
            shorts.append(sspan)
    doc.spans["abbrev_long"] = longs
    doc.spans["abbrev_short"] = shorts
    return doc


class _WithResources:
    """Base of the stateful components: vocabulary and rules are set after creation
    (:func:`build_pipeline`), because a :class:`Vocabulary` is not a config value."""

    def __init__(self) -> None:
        self.vocabulary: Vocabulary | None = None
        self.rules: Rules | None = None

    def use(self, vocabulary: Vocabulary, rules: Rules) -> None:
        self.vocabulary = vocabulary
        self.rules = rules

    def _ready(self) -> tuple[Vocabulary, Rules]:
        if self.vocabulary is None or self.rules is None:
            self.use(load_vocabulary(), load_rules())
        return self.vocabulary, self.rules  # type: ignore[return-value]


class GazetteerComponent(_WithResources):
    def __init__(self) -> None:
        super().__init__()
        self.gazetteer: Gazetteer | None = None

    def use(self, vocabulary: Vocabulary, rules: Rules) -> None:
        super().use(vocabulary, rules)
        self.gazetteer = Gazetteer(vocabulary)

    def __call__(self, doc: Doc) -> Doc:
        self._ready()
        spans = []
        for hit in self.gazetteer.find(doc_text(doc)):  # type: ignore[union-attr]
            name = "" if hit.versioned else hit.term.name
            span = _char_span(doc, hit.start, hit.end, hit.term.type, name)
            if span is not None:
                spans.append(span)
        doc.spans["gazetteer"] = spans
        return doc


class ChunkComponent(_WithResources):
    def use(self, vocabulary: Vocabulary, rules: Rules) -> None:
        super().use(vocabulary, rules)
        self.technical = technical_words(vocabulary, rules)

    def __call__(self, doc: Doc) -> Doc:
        vocabulary, rules = self._ready()
        title_case = _title_case(doc)
        spans = []
        every = doc.user_data[CHUNKS_KEY] = []
        for chunk in chunk_words(_words(doc, rules), rules):
            label = classify_chunk(chunk.words, rules, vocabulary, self.technical,
                                   title_case=title_case)
            if label is None and is_nominal_phrase(chunk.words, rules, vocabulary):
                label = "nominal"  # kept by resolve only when title and abstract share it
            every.append((chunk.start, chunk.end, label))
            if label is not None:
                span = _char_span(doc, chunk.start, chunk.end, label)
                if span is not None:
                    spans.append(span)
        doc.spans["chunks"] = spans
        return doc


class CueComponent(_WithResources):
    def __call__(self, doc: Doc) -> Doc:
        vocabulary, rules = self._ready()
        words = _words(doc, rules)
        spans = []
        if doc.user_data.get("field") == "title":
            text = doc_text(doc)
            se = title_name(text, rules)
            hint = title_name_type(text, se[1]) if se is not None else None
            if se is None:
                # a whole title that is the paper's method ("Light Schrödinger Bridge")
                se = title_as_name(text, rules, lambda t: bool(vocabulary.lookup(t)))
                hint = "method"
            if se is not None:
                span = _char_span(doc, se[0], se[1], "title", hint or "")
                if span is not None:
                    spans.append(span)
        for kind, cues in (("contrib", contribution_cues(words, rules)),
                           ("data", dataset_cues(words)),
                           ("name", name_words(words))):
            for cue in cues:
                start, end = words[cue.start].start, words[cue.end - 1].end
                span = _char_span(doc, start, end, kind, cue.type or "")
                if span is not None:
                    spans.append(span)
        doc.spans["cues"] = spans
        return doc


@Language.factory("paperkg_gazetteer")
def make_gazetteer(nlp: Language, name: str) -> GazetteerComponent:
    return GazetteerComponent()


@Language.factory("paperkg_chunks")
def make_chunks(nlp: Language, name: str) -> ChunkComponent:
    return ChunkComponent()


@Language.factory("paperkg_cues")
def make_cues(nlp: Language, name: str) -> CueComponent:
    return CueComponent()


def build_pipeline(vocabulary: Vocabulary | None = None, rules: Rules | None = None) -> Language:
    """``spacy.blank("en")`` with every paperkg component, resources attached."""
    import spacy

    vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
    rules = rules if rules is not None else load_rules()
    nlp = spacy.blank("en")
    # a sentence-final period glued to a versioned name ("DataComp-1.4B.", "GPT-4.") is
    # punctuation, not part of the name
    suffixes = [*nlp.Defaults.suffixes, r"(?<=[0-9][A-Za-z])\.", r"(?<=[0-9])\."]
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    nlp.add_pipe("paperkg_repos")
    nlp.add_pipe("paperkg_abbreviations")
    for name in ("paperkg_gazetteer", "paperkg_chunks", "paperkg_cues"):
        nlp.add_pipe(name).use(vocabulary, rules)
    return nlp
