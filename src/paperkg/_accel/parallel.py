"""Run the extractor over chunks of papers: in-process, in a process pool, or on Dask.

Every engine takes an iterable of chunks (lists of :class:`~paperkg.models.Paper`)
and yields, for each chunk and in input order, the list of JSON strings of the
chunk's :class:`~paperkg.models.PaperEntities`. JSON rather than model objects
crosses the process boundary because it is what the cache stores and it pickles
small; the caller parses it once.

At most ``2 * workers`` chunks are in flight, so memory stays bounded however long
the input is, and the input iterable is consumed lazily (it may be a stream).

* ``engine="local", jobs=1``: the calling process runs the extractor.
* ``engine="local", jobs=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` with
  ``N`` workers started by ``forkserver`` (no fork of a threaded parent), each building
  one :class:`~paperkg.extract.Extractor` in its initializer.
* ``engine="dask"``: chunks are submitted to a ``dask.distributed`` cluster, either an
  existing scheduler (``scheduler="tcp://host:8786"``) or a ``LocalCluster`` of
  ``jobs`` single-threaded worker processes. Each worker builds its extractor once.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal

from paperkg._accel.gcpause import gc_paused
from paperkg._accel.thresholds import THRESHOLDS
from paperkg.errors import ExtractionError
from paperkg.models import Paper

__all__ = [
    "Engine",
    "CONNECT_TIMEOUT",
    "default_jobs",
    "extract_chunk",
    "iter_extract",
]

Engine = Literal["local", "dask"]
# How long to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = "30s"

_local = threading.local()


def default_jobs() -> int:
    """The number of CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _get_extractor(model: str | None = None, vocab: str | None = None) -> Any:
    # One extractor per thread of each process and model: built once, reused for every chunk.
    from paperkg.cache import model_stamp

    extractors = getattr(_local, "extractors", None)
    if extractors is None:
        extractors = _local.extractors = {}
    # a model or vocabulary file replaced in place is a new extractor
    key = (model, model_stamp(model), vocab, model_stamp(vocab))
    extractor = extractors.get(key)
    if extractor is None:
        from paperkg.extract import Extractor
        from paperkg.vocab import load_user_vocabulary

        vocabulary = load_user_vocabulary(vocab) if vocab is not None else None
        extractor = extractors[key] = Extractor(model=model, vocabulary=vocabulary)
    return extractor


def extract_chunk(papers: list[Paper], model: str | None = None,
                  vocab: str | None = None) -> list[str]:
    """Extract one chunk with this process's extractor; return one JSON string per paper.

    ``model``: the learned model (see :class:`~paperkg.extract.Extractor`) as a path,
    ``"shipped"`` or ``None``; ``vocab``: a user vocabulary file
    (:func:`paperkg.vocab.load_user_vocabulary`) or ``None``.
    """
    if not papers:
        return []
    extractor = _get_extractor(model, vocab)
    pipe = getattr(extractor, "pipe", None)
    # A chunk allocates millions of short-lived objects and no reference cycles (Docs,
    # spans and results are freed by reference counting): the cyclic collector would
    # only rescan them, ~20% of the time with CPython's default thresholds, ~5% in the
    # workers (which already collect less often).
    with gc_paused():
        if pipe is not None:
            results = list(pipe(papers, batch_size=len(papers)))
        else:
            results = [extractor.extract(p) for p in papers]
    if len(results) != len(papers):
        raise ExtractionError(
            f"extractor returned {len(results)} results for {len(papers)} papers"
        )
    return [r.model_dump_json() for r in results]


def _init_worker(model: str | None = None, vocab: str | None = None) -> None:
    # Ctrl-C is the parent's to handle: it cancels the pool and closes the cache.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _get_extractor(model, vocab)
    _quiet_gc()


def _quiet_gc() -> None:
    """Make the cyclic garbage collector cheap in a worker process.

    The extractor (spaCy vocab, gazetteers, rules: ~200k objects) lives as long as the
    process, so it is moved out of the collector's sight (``gc.freeze``); and a chunk
    allocates millions of short-lived objects that reference counting frees, so young
    collections run every ``THRESHOLDS.worker_gc_threshold`` allocations instead of every 700.
    Cycles are still collected; only how often changes, never what is extracted.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(THRESHOLDS.worker_gc_threshold, older, oldest)


def _peek_single(chunks: Iterable[list[Paper]]) -> tuple[list[list[Paper]], Iterator | None]:
    """Read chunks until a second non-empty one shows up.

    Returns the chunks read and the rest of the iterator, or ``None`` instead of the
    iterator when the input held at most one non-empty chunk (not worth a pool).
    """
    it = iter(chunks)
    head: list[list[Paper]] = []
    nonempty = 0
    for chunk in it:
        head.append(chunk)
        nonempty += bool(chunk)
        if nonempty >= 2:
            return head, it
    return head, None


def _chain(head: list[list[Paper]], rest: Iterator) -> Iterator[list[Paper]]:
    yield from head
    yield from rest


def _run_windowed(
    chunks: Iterable[list[Paper]], submit: Any, window: int, result: Any
) -> Iterator[list[str]]:
    """Submit chunks with at most ``window`` in flight; yield results in input order."""
    pending: deque[Any] = deque()
    for chunk in chunks:
        pending.append(submit(chunk) if chunk else None)
        while len(pending) >= window:
            head = pending.popleft()
            yield [] if head is None else result(head)
    while pending:
        head = pending.popleft()
        yield [] if head is None else result(head)


def _iter_local(chunks: Iterable[list[Paper]], jobs: int,
                model: str | None, vocab: str | None = None) -> Iterator[list[str]]:
    head, rest = _peek_single(chunks)
    if jobs <= 1 or rest is None:
        for chunk in head:
            yield extract_chunk(chunk, model, vocab)
        if rest is not None:
            for chunk in rest:
                yield extract_chunk(chunk, model, vocab)
        return
    context = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(model, vocab))
    clean = False
    try:

        def result(future: Future) -> list[str]:
            try:
                return future.result()
            except BrokenProcessPool as error:
                raise ExtractionError(
                    "an extraction worker process died (out of memory or killed?); "
                    "re-run: finished batches are cached"
                ) from error

        yield from _run_windowed(
            _chain(head, rest), lambda c: pool.submit(extract_chunk, c, model, vocab), 2 * jobs, result
        )
        clean = True
    finally:
        if not clean:
            # Ctrl-C or an error: do not wait for the chunks being extracted (their
            # results would be thrown away); Python < 3.14 has no public way to stop them.
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=not clean)


def _iter_dask(
    chunks: Iterable[list[Paper]], jobs: int, scheduler: str | None, model: str | None,
    vocab: str | None = None,
) -> Iterator[list[str]]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as error:
        raise ExtractionError(
            "--engine dask needs dask.distributed: pip install 'paperkg[dask]'"
        ) from error
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        else:
            cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as error:
        if cluster is not None:
            cluster.close()
        where = scheduler or "a local cluster"
        raise ExtractionError(f"cannot connect to dask scheduler {where}: {error}") from error
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        yield from _run_windowed(
            chunks,
            lambda c: client.submit(extract_chunk, c, model, vocab, pure=False),
            2 * n_workers,
            lambda f: f.result(),
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def iter_extract(
    chunks: Iterable[list[Paper]],
    *,
    jobs: int | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    model: str | None = None,
    vocab: str | None = None,
) -> Iterator[list[str]]:
    """Extract every chunk; yield each chunk's result JSON strings in input order.

    Parameters
    ----------
    chunks:
        Lists of papers, read lazily; an empty list yields an empty list.
    jobs:
        Worker processes (default: all cores). ``1`` runs in this process; so does an
        input with a single non-empty chunk, where a pool would only add start-up time.
        With ``engine="dask"`` and no scheduler, the size of the local cluster.
    engine:
        ``"local"`` (process pool) or ``"dask"``.
    scheduler:
        Address of a running Dask scheduler (``tcp://host:8786``); implies
        ``engine="dask"``.
    model:
        The extractor's learned model: ``None`` (rules alone), ``"shipped"`` or a model
        file (its path must exist where the workers run).
    vocab:
        A user vocabulary file (``--vocab``; its path must exist where the workers run).

    Raises
    ------
    ExtractionError
        The extractor failed, a worker died, or the Dask scheduler is unreachable.
    """
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ExtractionError(f"--jobs must be at least 1, got {jobs}")
    if scheduler and engine != "dask":
        engine = "dask"
    if engine == "dask":
        return _iter_dask(chunks, jobs, scheduler, model, vocab)
    if engine != "local":
        raise ExtractionError(f"unknown engine {engine!r}: choose 'local' or 'dask'")
    return _iter_local(chunks, jobs, model, vocab)
