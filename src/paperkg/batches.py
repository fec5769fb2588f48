"""Extraction of a stream of papers in batches, each looked up in the extraction cache
first; the misses extracted (:func:`paperkg._accel.parallel.iter_extract`) and stored in
one transaction per batch, so an interrupted run keeps every finished batch."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path

from paperkg.cache import ExtractionCache, encode_result
from paperkg.models import Paper
from paperkg.progress import Progress
from paperkg.results import JsonResults

__all__ = ["Batches", "chunks"]


def chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while chunk := list(islice(it, size)):
        yield chunk


class Batches:
    """The extraction of a stream of papers in batches, each looked up in the cache
    first; the results, compressed, in input order (``raw``)."""

    def __init__(self, size: int, cache: str | Path | None, fingerprint: str,
                 keep_papers: bool) -> None:
        self.size, self.cache, self.fingerprint = size, cache, fingerprint
        self.keep_papers = keep_papers
        self.kept: list[Paper] = []
        self.raw = JsonResults()
        self.n_extracted = self.n_reused = 0
        self.store: ExtractionCache | None = None
        # batches whose misses are in flight, oldest first: (batch, cached blob or None)
        self.waiting: deque[tuple[list[Paper], list[bytes | None]]] = deque()

    def misses(self, papers: Iterable[Paper], stack: ExitStack) -> Iterator[list[Paper]]:
        """Each batch's papers that the cache does not hold."""
        for batch in chunks(papers, self.size):
            if self.store is None and self.cache is not None:
                # opened with the first batch: an input with no usable paper (an error
                # raised by a streaming loader) leaves no cache file behind
                self.store = stack.enter_context(
                    ExtractionCache(self.cache, extractor=self.fingerprint))
            found = (self.store.lookup_encoded(batch) if self.store is not None
                     else [None] * len(batch))
            self.waiting.append((batch, found))
            yield [p for p, hit in zip(batch, found, strict=True) if hit is None]

    def run(self, papers: Iterable[Paper], stack: ExitStack, bar: Progress,
            extract: Callable[[Iterator[list[Paper]]], Iterable[list[str]]]) -> None:
        """Extract every batch's misses with ``extract`` (the workflow passes
        :func:`paperkg._accel.parallel.iter_extract` with its options), store them in the
        cache in one transaction per batch, keep all the results."""
        for new in extract(self.misses(papers, stack)):
            batch, found = self.waiting.popleft()
            # results held compressed, as the cache stores them: encoded once
            fresh = iter([encode_result(j) for j in new])
            merged = [hit if hit is not None else next(fresh) for hit in found]
            if self.store is not None and new:
                self.store.store_encoded(
                    (p, j) for p, j, hit in zip(batch, merged, found, strict=True) if hit is None
                )
            self.raw.extend_encoded(merged)
            self.n_extracted += len(new)
            self.n_reused += len(batch) - len(new)
            if self.keep_papers:
                self.kept.extend(batch)
            bar.advance(len(batch))
