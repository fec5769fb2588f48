"""Entity extraction: methods, datasets, GitHub repos and math concepts.

:class:`Extractor` runs the spaCy pipeline of :mod:`paperkg.extract.pipeline` over the
title and abstract of each paper and resolves the spans into
:class:`~paperkg.models.PaperEntities`. Cross-corpus merging is
:func:`paperkg.canonical.canonicalize`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator, Sequence

from paperkg._gc import gc_paused
from paperkg.errors import ExtractionError, PaperKGError
from paperkg.extract.pipeline import TEXT_KEY, build_pipeline
from paperkg.extract.resolve import resolve_paper
from paperkg.extract.rules import load_rules
from paperkg.models import Paper, PaperEntities
from paperkg.vocab import Vocabulary, load_vocabulary

__all__ = ["EXTRACTOR_VERSION", "Extractor", "extract_papers"]

#: Bumped whenever the output for the same input could change (a cache key).
EXTRACTOR_VERSION = "0.8.1"

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
    """

    def __init__(self, *, vocabulary: Vocabulary | None = None) -> None:
        self._custom_vocabulary = vocabulary
        try:
            self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
            self.rules = load_rules()
            self.nlp = build_pipeline(self.vocabulary, self.rules)
        except PaperKGError:
            raise
        except (OSError, ValueError) as err:
            raise ExtractionError(f"cannot build the extraction pipeline: {err}") from err

    def __reduce__(self):
        return (_rebuild, (self._custom_vocabulary,))

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
        # A batch allocates millions of short-lived objects and no reference cycles
        # (Docs, spans and results are freed by reference counting): the cyclic
        # collector would only rescan them, ~20% of the time with CPython's default
        # thresholds, ~5% in the workers (which already collect less often).
        with gc_paused():
            return self._run_batch(batch)

    def _run_batch(self, batch: list[Paper]) -> list[PaperEntities]:
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
        return [resolve_paper(paper.id, paper.title,
                              {"title": processed[2 * i], "abstract": processed[2 * i + 1]},
                              self.rules, self.vocabulary)
                for i, paper in enumerate(batch)]


def _rebuild(vocabulary: Vocabulary | None) -> Extractor:
    return Extractor(vocabulary=vocabulary)


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
