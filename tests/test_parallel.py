"""Tests for paperkg._accel.parallel: process-pool and Dask extraction give the in-process results."""

from __future__ import annotations

import pytest

from paperkg._accel.parallel import default_jobs, extract_chunk, iter_extract
from paperkg.errors import ExtractionError
from paperkg.models import Paper

ABSTRACTS = [
    "We train a ResNet with stochastic gradient descent on ImageNet and CIFAR-10.",
    "A transformer model is fine-tuned on SQuAD; code at https://github.com/acme/qa-tools.",
    "We study Gaussian processes and the Wasserstein distance for Bayesian optimization.",
    "Principal component analysis and k-means clustering are applied to MNIST digits.",
    "We propose a variational autoencoder trained with the Adam optimizer on CelebA.",
    "Markov chain Monte Carlo with Hamiltonian dynamics samples the posterior distribution.",
    "Long short-term memory (LSTM) networks forecast the M4 time series with dropout.",
]


def make_papers(n: int) -> list[Paper]:
    return [
        Paper(id=f"p{i}", title=f"Study {i} of learning systems",
              abstract=ABSTRACTS[i % len(ABSTRACTS)] + f" Variant {i}.")
        for i in range(n)
    ]


def chunked(papers: list[Paper], size: int) -> list[list[Paper]]:
    return [papers[i : i + size] for i in range(0, len(papers), size)]


@pytest.fixture(scope="session")
def papers() -> list[Paper]:
    return make_papers(42)


@pytest.fixture(scope="session")
def reference(papers) -> list[str]:
    """In-process results, one JSON string per paper."""
    return extract_chunk(papers)


def test_parallel_default_jobs_is_positive():
    assert default_jobs() >= 1


def test_parallel_in_process_keeps_chunks_and_order(papers, reference):
    chunks = chunked(papers, 5)
    out = list(iter_extract(iter(chunks), jobs=1))
    assert [len(c) for c in out] == [len(c) for c in chunks]
    assert [j for c in out for j in c] == reference
    assert any('"entities":[{' in j for j in reference)  # the corpus does contain entities


def test_parallel_process_pool_equals_in_process(papers, reference):
    # Uneven chunks, an empty chunk in the middle, more chunks than the in-flight window.
    chunks = [papers[:3], [], *chunked(papers[3:], 4)]
    out = list(iter_extract(iter(chunks), jobs=2))
    assert [len(c) for c in out] == [len(c) for c in chunks]
    assert [j for c in out for j in c] == reference


def test_parallel_workflow_jobs2_equals_jobs1(papers):
    from paperkg.workflow import extract_corpus

    one = extract_corpus(papers, jobs=1, batch_size=8)
    two = extract_corpus(papers, jobs=2, batch_size=8)
    assert [r.model_dump() for r in two.results] == [r.model_dump() for r in one.results]
    assert two.n_extracted == len(papers)


def test_parallel_workflow_for_graph_tallies_and_canonicalises_on_reading(papers):
    """extract_corpus(for_graph=True), as paperkg build runs it: the results come with
    the graph's tally and are canonicalised when first read, to the same records."""
    from paperkg.graph import build_knowledge_graph
    from paperkg.workflow import extract_corpus

    plain = extract_corpus(papers, jobs=1, batch_size=8)
    fused = extract_corpus(papers, jobs=1, batch_size=8, for_graph=True)
    assert plain.results.graph_tally is None and fused.results.graph_tally is not None
    assert len(fused.results) == len(papers)
    a = build_knowledge_graph(papers, plain.results)
    b = build_knowledge_graph(papers, fused.results)
    assert fused.results.graph_tally is None  # the build took it
    assert list(a.graph.edges(data=True)) == list(b.graph.edges(data=True))
    assert list(a.graph.nodes(data=True)) == list(b.graph.nodes(data=True))
    assert [r.model_dump() for r in fused.results] == [r.model_dump() for r in plain.results]
    assert fused.results.encoded == plain.results.encoded


def test_parallel_workflow_pauses_the_collector_while_extracting(papers, monkeypatch):
    """The main process's cyclic collector is off while the corpus is read and
    extracted (it would rescan the growing list of papers) and back on after."""
    import gc

    from paperkg import workflow

    seen = []
    original = workflow.iter_extract

    def spying(*args, **kwargs):
        for out in original(*args, **kwargs):
            seen.append(gc.isenabled())
            yield out

    monkeypatch.setattr(workflow, "iter_extract", spying)
    assert gc.isenabled()
    run = workflow.extract_corpus(papers, jobs=1, batch_size=8)
    assert seen and not any(seen) and gc.isenabled()
    assert len(run.results) == len(papers)


def test_parallel_rejects_bad_options():
    with pytest.raises(ExtractionError, match="at least 1"):
        iter_extract([], jobs=0)
    with pytest.raises(ExtractionError, match="unknown engine"):
        iter_extract([], engine="spark")  # type: ignore[arg-type]


def test_parallel_worker_error_reaches_the_caller(papers):
    bad = [papers[:4], ["not a paper"], papers[4:8]]  # type: ignore[list-item]
    with pytest.raises(Exception) as info:
        list(iter_extract(iter(bad), jobs=2))
    assert not isinstance(info.value, KeyboardInterrupt)


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    yield cluster
    cluster.close()


def test_parallel_dask_local_cluster_equals_local_engine(papers, reference, dask_cluster):
    out = list(iter_extract(iter(chunked(papers, 6)), engine="dask",
                            scheduler=dask_cluster.scheduler_address))
    assert [j for c in out for j in c] == reference


def test_parallel_dask_fills_the_same_cache(tmp_path, papers, dask_cluster):
    from paperkg.workflow import extract_corpus

    cache = tmp_path / "c.sqlite"
    on_dask = extract_corpus(papers, cache=cache, engine="dask",
                             scheduler=dask_cluster.scheduler_address, batch_size=10)
    assert (on_dask.n_extracted, on_dask.n_reused) == (len(papers), 0)
    local = extract_corpus(papers, cache=cache, jobs=1, batch_size=10)
    assert (local.n_extracted, local.n_reused) == (0, len(papers))
    assert [r.model_dump() for r in local.results] == [r.model_dump() for r in on_dask.results]


def test_parallel_dask_own_local_cluster(papers, reference):
    pytest.importorskip("dask.distributed")
    out = list(iter_extract(iter(chunked(papers, 21)), engine="dask", jobs=2))
    assert [j for c in out for j in c] == reference


def test_parallel_dask_unreachable_scheduler_is_extraction_error(monkeypatch):
    pytest.importorskip("dask.distributed")
    import paperkg._accel.parallel as parallel

    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ExtractionError, match="cannot connect to dask scheduler"):
        list(iter_extract(iter([make_papers(2)]), engine="dask",
                          scheduler="tcp://127.0.0.1:9"))


def test_parallel_interrupt_stops_workers_and_keeps_cache(tmp_path, papers):
    import sqlite3

    psutil = pytest.importorskip("psutil")
    from paperkg.workflow import extract_corpus

    cache = tmp_path / "c.sqlite"
    me = psutil.Process()
    # Other tests may leave long-lived children (the session's Chromium); only
    # processes born during this run count.
    before = {p.pid for p in me.children(recursive=True)}

    def interrupted():
        for i, paper in enumerate(papers):
            if i == 30:  # Ctrl-C while batches are being extracted in the pool
                raise KeyboardInterrupt
            yield paper

    with pytest.raises(KeyboardInterrupt):
        extract_corpus(interrupted(), cache=cache, jobs=2, batch_size=4)
    # No extraction worker is left behind (the forkserver itself lives on, idle). The
    # session's Chromium may start helper processes at any time: not workers.

    def leftover(proc) -> bool:
        try:
            return (proc.pid not in before and proc.ppid() != me.pid
                    and "chrom" not in proc.name().lower())
        except psutil.Error:  # it ended while we looked: not left behind
            return False

    workers = [p for p in me.children(recursive=True) if leftover(p)]
    assert workers == []
    with sqlite3.connect(cache) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (stored,) = db.execute("SELECT COUNT(*) FROM extractions").fetchone()
    assert stored % 4 == 0 and stored <= 28
    resumed = extract_corpus(papers, cache=cache, jobs=2, batch_size=4)
    assert (resumed.n_extracted, resumed.n_reused) == (len(papers) - stored, stored)


def test_parallel_worker_gc_settings_in_a_fresh_process():
    """A worker freezes the extractor out of the collector's sight and collects young
    objects less often; extraction in that state gives the same results."""
    import json
    import subprocess
    import sys

    code = (
        "import gc, json\n"
        "from paperkg._accel.parallel import _init_worker, extract_chunk\n"
        "from paperkg._accel.thresholds import THRESHOLDS\n"
        "from paperkg.models import Paper\n"
        "_init_worker()\n"
        "p = Paper(id='p', title='Study of learning', abstract='We train a ResNet on ImageNet.')\n"
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], THRESHOLDS.worker_gc_threshold,\n"
        "                  extract_chunk([p])]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    frozen, threshold, expected, results = json.loads(out.stdout.strip().splitlines()[-1])
    assert frozen > 10_000
    assert threshold == expected
    paper = Paper(id="p", title="Study of learning", abstract="We train a ResNet on ImageNet.")
    assert results == extract_chunk([paper])
