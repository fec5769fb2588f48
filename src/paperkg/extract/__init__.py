"""Entity extraction: methods, datasets, GitHub repos and math concepts.

:class:`Extractor` runs the spaCy pipeline of :mod:`paperkg.extract.pipeline` over the
title and abstract of each paper, resolves the spans into
:class:`~paperkg.models.PaperEntities` with the rules, and then lets the learned model
of :mod:`paperkg.extract.learned` keep, drop and type the rules' entities and the other
noun phrases. Cross-corpus merging is :func:`paperkg.canonical.canonicalize`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from paperkg.errors import ExtractionError, PaperKGError
from paperkg.extract.learned import Decider, EntityModel
from paperkg.extract.pipeline import TEXT_KEY, build_pipeline
from paperkg.extract.resolve import resolve_paper
from paperkg.extract.rules import load_rules
from paperkg.models import Paper, PaperEntities
from paperkg.vocab import Vocabulary, load_vocabulary

__all__ = ["SHIPPED_MODEL", "EXTRACTOR_VERSION", "Extractor", "extract_papers", "load_model"]

#: Bumped whenever the output for the same input could change (a cache key).
EXTRACTOR_VERSION = "0.13.0"

#: The shipped model (``paperkg train`` on the annotated corpus, see corpus/README.md):
#: the accurate mode, ``model="shipped"``.
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "data" / "model" / "entities.npz"

ModelArg = str | Path | EntityModel | None


def load_model(model: ModelArg = None) -> EntityModel | None:
    """``None`` or ``"none"``: no model, the rules alone; ``"shipped"``: the model that
    comes with paperkg; a path: that model file."""
    if model is None or isinstance(model, EntityModel):
        return model
    if str(model).lower() == "none":
        return None
    if str(model).lower() == "shipped":
        return EntityModel.load(SHIPPED_MODEL)
    return EntityModel.load(model)

_FIELDS = ("title", "abstract")
log = logging.getLogger("paperkg")


class Extractor:
    """Build once, extract many: the pipeline, vocabulary and rules are loaded at construction.

    Picklable: only the vocabulary travels (``None`` for the shipped one); the pipeline
    is rebuilt on unpickling, so an instance can be sent to a worker process.

    Parameters
    ----------
    vocabulary
        Gazetteers and stop lists; ``None`` loads the shipped ones.
    model
        The learned decision: ``None`` (the default: the rules alone), ``"shipped"``
        (the model that comes with paperkg: more accurate, about a third slower) or a
        model file written by ``paperkg train``.
    """

    def __init__(self, *, vocabulary: Vocabulary | None = None,
                 model: ModelArg = None) -> None:
        self._custom_vocabulary = vocabulary
        self._model_arg = model
        try:
            self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
            self.rules = load_rules()
            self.nlp = build_pipeline(self.vocabulary, self.rules)
            self.model = load_model(model)
            self.decider = (Decider(self.model, self.rules, self.vocabulary)
                            if self.model is not None else None)
        except PaperKGError:
            raise
        except (OSError, ValueError) as err:
            raise ExtractionError(f"cannot build the extraction pipeline: {err}") from err

    def __reduce__(self):
        return (_rebuild, (self._custom_vocabulary, self._model_arg))

    def extract(self, paper: Paper) -> PaperEntities:
        """Entities of one paper (not yet canonicalised across a corpus)."""
        return next(self.pipe([paper], batch_size=1))

    def pipe(self, papers: Iterable[Paper], batch_size: int = 256) -> Iterator[PaperEntities]:
        """Entities of each paper, in order; texts go through spaCy in batches."""
        batch: list[Paper] = []
        for paper in papers:
            batch.append(paper)
            if len(batch) >= batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, batch: list[Paper]) -> list[PaperEntities]:
        if self.decider is None:
            return [result for result, _ in self.rule_pass(batch)]
        return [self.decider(result, docs) for result, docs in self.rule_pass(batch)]

    def rule_pass(self, batch: Sequence[Paper]) -> list[tuple[PaperEntities, dict]]:
        """The rules' entities of each paper, with its processed title and abstract docs."""
        docs = []
        limit = self.nlp.max_length
        for paper in batch:
            for fname in _FIELDS:
                text = getattr(paper, fname)
                if len(text) > limit:
                    # spaCy refuses longer texts (E088); the loaders cut fields far
                    # below this, so only a Paper made by hand gets here
                    log.warning("paper %s: %s of %d characters cut to spaCy's max_length "
                                "%d", paper.id, fname, len(text), limit)
                    text = text[:limit]
                doc = self.nlp.make_doc(text)
                doc.user_data["field"] = fname
                doc.user_data[TEXT_KEY] = text
                docs.append(doc)
        processed = list(self.nlp.pipe(docs, batch_size=len(docs)))
        out = []
        for i, paper in enumerate(batch):
            pair = {"title": processed[2 * i], "abstract": processed[2 * i + 1]}
            out.append((resolve_paper(paper.id, paper.title, pair, self.rules, self.vocabulary),
                        pair))
        return out


def _rebuild(vocabulary: Vocabulary | None, model: ModelArg) -> Extractor:
    return Extractor(vocabulary=vocabulary, model=model)


def extract_papers(papers: Sequence[Paper], *, progress: bool = False) -> list[PaperEntities]:
    """Extract every paper in one process (a rich progress bar on stderr when ``progress``)."""
    extractor = Extractor()
    if not progress:
        return list(extractor.pipe(papers))
    from rich.console import Console
    from rich.progress import Progress

    out: list[PaperEntities] = []
    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("extracting", total=len(papers))
        for res in extractor.pipe(papers, batch_size=64):
            out.append(res)
            bar.advance(task)
    return out
