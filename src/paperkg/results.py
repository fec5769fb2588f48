"""What a run holds and reports: extraction results as compressed JSON, parsed on
access, and the graph's summary line."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperkg.cache import decode_result, encode_result
from paperkg.errors import ExportError
from paperkg.models import Paper, PaperEntities

__all__ = ["ExtractionRun", "JsonResults", "graph_summary", "write_jsonl"]


@dataclass
class ExtractionRun:
    """What :func:`paperkg.workflow.extract_corpus` returns."""

    results: Sequence[PaperEntities]  # canonical; parsed from JSON on each access
    n_extracted: int
    n_reused: int
    papers: list[Paper] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # summary lines (the thesaurus's)


class JsonResults(Sequence[PaperEntities]):
    """Per-paper results held as compressed JSON text and parsed on access.

    A parsed :class:`PaperEntities` takes ~10x the memory of its JSON (about 23 KB vs
    2.5 KB for a typical abstract), and the JSON compresses ~4x more
    (:func:`paperkg.cache.encode_result`, as the cache stores it); canonicalisation and
    the graph stage only read each result a few times, so the results of a large
    corpus, before and after canonicalisation, are kept as compressed text.

    Made with ``raw`` results and a ``canonicalize`` function (as
    ``extract_corpus(..., for_graph=True)`` makes it), it holds those and canonicalises
    them when first read.
    """

    def __init__(self, raw: list[bytes] | None = None,
                 canonicalize: Callable[[list[bytes]], list[bytes]] | None = None) -> None:
        self._items: list[bytes] = []
        # raw (not yet canonical) results, canonicalised when first read (see encoded)
        self._raw = raw
        self._canonicalize = canonicalize
        #: the graph's tally of these records, when it was made with them
        #: (:func:`paperkg.graph.tally_records`; ``paperkg build``), which
        #: :func:`paperkg.graph.tally.given_tally` takes off them
        self.graph_tally: Any = None

    def extend(self, items: Iterable[str]) -> None:
        """Add results given as JSON text (compressed here)."""
        self.encoded.extend(map(encode_result, items))

    def extend_encoded(self, items: Iterable[bytes]) -> None:
        """Add results already compressed with :func:`paperkg.cache.encode_result`."""
        self.encoded.extend(items)

    def __len__(self) -> int:
        return len(self._items) if self._raw is None else len(self._raw)

    @property
    def encoded(self) -> list[bytes]:
        """The compressed JSON blobs themselves (not a copy).

        Results made from raw ones are canonicalised here, the first time they are
        needed (the same records as canonicalising them at once)."""
        if self._raw is not None:
            assert self._canonicalize is not None, "raw results come with canonicalize"
            self._items, self._raw = self._canonicalize(self._raw), None
        return self._items

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [PaperEntities.model_validate_json(decode_result(j))
                    for j in self.encoded[index]]
        return PaperEntities.model_validate_json(decode_result(self.encoded[index]))

    def __iter__(self) -> Iterator[PaperEntities]:
        for item in self.encoded:
            yield PaperEntities.model_validate_json(decode_result(item))


def write_jsonl(results: Sequence[PaperEntities], path: str | Path) -> None:
    """Write one JSON object per paper (the ``paperkg extract`` format)."""
    path = Path(path)
    if path.exists() and not path.is_file():  # /dev/stdout, a pipe: written as it is
        try:
            with path.open("w", encoding="utf-8") as fh:
                for res in results:
                    fh.write(json.dumps(res.model_dump(mode="json"), ensure_ascii=False) + "\n")
        except OSError as error:
            raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
        return
    # written beside it and renamed over it once complete: an interrupted run leaves
    # the previous file, never a part of one
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8") as fh:
            for res in results:
                fh.write(json.dumps(res.model_dump(mode="json"), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)


def graph_summary(kg: Any) -> str:
    """``"entities: 1200 method, 40 dataset, ...; paper graph: 3600 links, 55 communities"``."""
    by_type: dict[str, int] = {}
    for _, data in kg.graph.nodes(data=True):
        if data.get("kind") == "entity":
            by_type[data.get("type", "")] = by_type.get(data.get("type", ""), 0) + 1
    types = ", ".join(f"{by_type.get(t, 0)} {t}" for t in ("method", "dataset", "repo", "math"))
    papers = kg.paper_graph_view
    degree = dict(papers.degree())
    linked = {d.get("community") for n, d in papers.nodes(data=True) if degree[n]}
    linked.discard(None)
    unlinked = sum(1 for n in degree if not degree[n])
    return (f"entities: {types}; paper graph: {papers.number_of_edges()} links, "
            f"{len(linked)} communities of linked papers, {unlinked} papers without links")
