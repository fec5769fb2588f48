"""Tests for paperkg.cache: the SQLite extraction cache, alone and through extract_corpus."""

from __future__ import annotations

import sqlite3

import pytest

from paperkg.cache import ExtractionCache, content_hash
from paperkg.errors import CacheError
from paperkg.models import Entity, Mention, Paper, PaperEntities

ABSTRACTS = [
    "We train a ResNet with stochastic gradient descent on ImageNet and CIFAR-10.",
    "A transformer model is fine-tuned on SQuAD; code at https://github.com/acme/qa-tools.",
    "We study Gaussian processes and the Wasserstein distance for Bayesian optimization.",
    "Principal component analysis and k-means clustering are applied to MNIST digits.",
    "We propose a variational autoencoder trained with the Adam optimizer on CelebA.",
    "Markov chain Monte Carlo with Hamiltonian dynamics samples the posterior distribution.",
]


def make_papers(n: int, offset: int = 0) -> list[Paper]:
    return [
        Paper(
            id=f"p{i}",
            title=f"Paper number {i} on learning",
            abstract=ABSTRACTS[i % len(ABSTRACTS)] + f" This is variant {i}.",
        )
        for i in range(offset, offset + n)
    ]


def fake_result(paper: Paper, name: str = "ResNet") -> str:
    """A hand-made extraction result (the cache stores whatever JSON it is given)."""
    start = paper.abstract.find(name)
    mention = Mention(field="abstract", start=max(start, 0), end=max(start, 0) + len(name),
                      text=name)
    entity = Entity(id=f"method:{name.lower()}", name=name, type="method", mentions=[mention])
    return PaperEntities(id=paper.id, title=paper.title, entities=[entity]).model_dump_json()


def integrity(path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


# -- the cache on its own ----------------------------------------------------------------


def test_cache_store_then_lookup_round_trips(tmp_path):
    papers = make_papers(5)
    path = tmp_path / "c.sqlite"
    with ExtractionCache(path, extractor="v1") as cache:
        assert cache.lookup(papers) == [None] * 5
        assert cache.store((p, fake_result(p)) for p in papers[:3]) == 3
    with ExtractionCache(path, extractor="v1") as cache:
        found = cache.lookup(papers)
        assert found[:3] == [fake_result(p) for p in papers[:3]]
        assert found[3:] == [None, None]
        assert cache.get(papers[0]) == PaperEntities.model_validate_json(fake_result(papers[0]))
        assert (cache.hits, cache.misses) == (4, 2)
        assert len(cache) == 3


def test_cache_changed_abstract_is_a_miss_and_replaces_the_row(tmp_path):
    paper = make_papers(1)[0]
    edited = paper.model_copy(update={"abstract": paper.abstract + " Edited."})
    assert content_hash(paper) != content_hash(edited)
    with ExtractionCache(tmp_path / "c.sqlite", extractor="v1") as cache:
        cache.store([(paper, fake_result(paper))])
        assert cache.lookup([edited]) == [None]
        cache.store([(edited, fake_result(edited))])
        assert cache.lookup([paper]) == [None]
        assert cache.lookup([edited]) == [fake_result(edited)]
        assert len(cache) == 1


def test_cache_changed_extractor_version_invalidates(tmp_path):
    papers = make_papers(3)
    path = tmp_path / "c.sqlite"
    with ExtractionCache(path, extractor="v1") as cache:
        cache.store((p, fake_result(p)) for p in papers)
    with ExtractionCache(path, extractor="v2") as cache:
        assert cache.lookup(papers) == [None] * 3
        assert len(cache) == 0
    with ExtractionCache(path, extractor="v1") as cache:
        assert None not in cache.lookup(papers)


def test_cache_default_fingerprint_includes_extractor_version(tmp_path):
    from paperkg.cache import extractor_fingerprint
    from paperkg.extract import EXTRACTOR_VERSION

    assert extractor_fingerprint().startswith(f"{EXTRACTOR_VERSION}+")
    with ExtractionCache(tmp_path / "c.sqlite") as cache:
        assert cache.extractor == extractor_fingerprint()


def test_cache_crash_inside_a_batch_leaves_a_consistent_db(tmp_path):
    papers = make_papers(6)
    path = tmp_path / "c.sqlite"

    def crashing():
        for i, paper in enumerate(papers[3:]):
            if i == 2:
                raise KeyboardInterrupt
            yield paper, fake_result(paper)

    with ExtractionCache(path, extractor="v1") as cache:
        cache.store((p, fake_result(p)) for p in papers[:3])
        with pytest.raises(KeyboardInterrupt):
            cache.store(crashing())
    assert integrity(path) == "ok"
    with ExtractionCache(path, extractor="v1") as cache:
        found = cache.lookup(papers)
        assert [f is not None for f in found] == [True] * 3 + [False] * 3
        cache.store((p, fake_result(p)) for p in papers[3:])
        assert None not in cache.lookup(papers)


def test_cache_failure_inside_the_transaction_rolls_back(tmp_path):
    papers = make_papers(4)
    edited = [p.model_copy(update={"abstract": p.abstract + " Edited."}) for p in papers]
    path = tmp_path / "c.sqlite"
    with ExtractionCache(path, extractor="v1") as cache:
        cache.store((p, fake_result(p)) for p in papers)
    with sqlite3.connect(path) as db:  # make SQLite itself fail on the last insert
        db.execute("CREATE TRIGGER boom BEFORE INSERT ON extractions WHEN NEW.paper_id = 'p3' "
                   "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with ExtractionCache(path, extractor="v1") as cache:
        with pytest.raises(CacheError, match="disk on fire"):
            cache.store((p, fake_result(p)) for p in edited)
        # The stale-row DELETE and the first inserts ran, and were rolled back.
        assert cache.lookup(papers) == [fake_result(p) for p in papers]
        assert cache.lookup(edited) == [None] * 4
    assert integrity(path) == "ok"


def test_cache_corrupt_file_raises_one_line_cache_error(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not an sqlite database at all\n" * 200)
    with pytest.raises(CacheError) as info:
        ExtractionCache(path, extractor="v1")
    message = str(info.value)
    assert str(path) in message and "--no-cache" in message and "\n" not in message
    assert path.read_bytes().startswith(b"this is not")  # never deleted behind the user's back


def test_cache_foreign_sqlite_database_raises_cache_error(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    with pytest.raises(CacheError, match="not a paperkg cache"):
        ExtractionCache(path, extractor="v1")


def test_cache_uses_wal_journal(tmp_path):
    path = tmp_path / "c.sqlite"
    with ExtractionCache(path, extractor="v1"):
        pass
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cache_unwritable_location_raises_cache_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError, match="cannot open cache"):
        ExtractionCache(blocker / "sub" / "c.sqlite", extractor="v1")


# -- through extract_corpus (the real extractor) -------------------------------------------


def run(papers, path, **kw):
    from paperkg.workflow import extract_corpus

    return extract_corpus(papers, cache=path, jobs=1, batch_size=4, **kw)


def dumps(run_):
    return [r.model_dump() for r in run_.results]


def test_cache_rerun_reuses_everything(tmp_path):
    papers = make_papers(10)
    path = tmp_path / "c.sqlite"
    first = run(papers, path)
    assert (first.n_extracted, first.n_reused) == (10, 0)
    second = run(papers, path)
    assert (second.n_extracted, second.n_reused) == (0, 10)
    assert dumps(second) == dumps(first)


def test_cache_grown_corpus_only_extracts_new_papers(tmp_path):
    path = tmp_path / "c.sqlite"
    run(make_papers(10), path)
    grown = run(make_papers(10) + make_papers(5, offset=10), path)
    assert (grown.n_extracted, grown.n_reused) == (5, 10)
    fresh = run(make_papers(15), tmp_path / "fresh.sqlite")
    assert dumps(grown) == dumps(fresh)


def test_cache_changed_abstract_is_re_extracted(tmp_path):
    path = tmp_path / "c.sqlite"
    papers = make_papers(8)
    run(papers, path)
    papers[3] = papers[3].model_copy(
        update={"abstract": "We apply principal component analysis to ImageNet."}
    )
    again = run(papers, path)
    assert (again.n_extracted, again.n_reused) == (1, 7)
    assert dumps(again) == dumps(run(papers, None))


def test_cache_interrupted_run_resumes(tmp_path):
    path = tmp_path / "c.sqlite"
    papers = make_papers(12)

    def interrupted():
        for i, paper in enumerate(papers):
            if i == 9:  # Ctrl-C while reading the third batch of 4
                raise KeyboardInterrupt
            yield paper

    with pytest.raises(KeyboardInterrupt):
        run(interrupted(), path)
    assert integrity(path) == "ok"
    resumed = run(papers, path)
    assert (resumed.n_extracted, resumed.n_reused) == (4, 8)
    assert dumps(resumed) == dumps(run(papers, None))


def test_cache_cli_build_reports_extracted_and_reused(tmp_path):
    import json

    from typer.testing import CliRunner

    from paperkg.cli import app

    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(
        "".join(json.dumps(p.model_dump(include={"id", "title", "abstract"})) + "\n"
                for p in make_papers(6)),
        encoding="utf-8",
    )
    cache = tmp_path / "cache.sqlite"
    args = ["build", str(corpus), "-o", str(tmp_path / "out"), "--cache", str(cache), "-j", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "6 extracted, 0 reused" in first.output
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "0 extracted, 6 reused" in second.output
    nocache = CliRunner().invoke(app, [*args, "--no-cache"])
    assert "6 extracted, 0 reused" in nocache.output


def test_cache_cli_corrupt_cache_is_one_line_error(tmp_path):
    from typer.testing import CliRunner

    from paperkg.cli import app

    corpus = tmp_path / "papers.jsonl"
    corpus.write_text('{"id": "a", "title": "T", "abstract": "We use ResNet."}\n')
    cache = tmp_path / "cache.sqlite"
    cache.write_bytes(b"garbage" * 1000)
    result = CliRunner().invoke(app, ["extract", str(corpus), "-o", str(tmp_path / "o.jsonl"),
                                      "--cache", str(cache)])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: cache ")
    assert len(result.output.strip().splitlines()) == 1


def test_cache_cli_extract_streams_and_reuses(tmp_path):
    import json

    from typer.testing import CliRunner

    from paperkg.cli import app
    from paperkg.workflow import extract_corpus

    papers = make_papers(7)
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(
        "".join(json.dumps(p.model_dump(include={"id", "title", "abstract"})) + "\n"
                for p in papers),
        encoding="utf-8",
    )
    out = tmp_path / "entities.jsonl"
    args = ["extract", str(corpus), "-o", str(out), "--cache", str(tmp_path / "c.sqlite"),
            "-j", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "7 extracted, 0 reused" in first.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [r.model_dump(mode="json") for r in extract_corpus(papers, jobs=1).results]
    second = CliRunner().invoke(app, args)
    assert "0 extracted, 7 reused" in second.output
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == lines


def test_cache_damaged_result_row_is_a_one_line_cache_error(tmp_path):
    """A row whose blob does not decompress is reported by lookup_encoded (which hands
    blobs on still compressed) as a corrupt cache, not later as a zlib traceback."""
    from paperkg.workflow import extract_corpus

    path = tmp_path / "c.sqlite"
    papers = make_papers(3)
    with ExtractionCache(path) as cache:
        cache.store((p, fake_result(p)) for p in papers)
        assert [b is not None for b in cache.lookup_encoded(papers)] == [True] * 3
    with sqlite3.connect(path) as db:
        db.execute("UPDATE extractions SET result = ? WHERE paper_id = ?",
                   (b"not zlib", papers[1].id))
    with pytest.raises(CacheError) as info:
        extract_corpus(papers, jobs=1, cache=path)
    assert "corrupt" in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_cache_cli_build_of_a_large_corpus_without_numba_hints_at_it(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from paperkg._accel import kernels as _kernels
    from paperkg._accel.thresholds import THRESHOLDS
    from paperkg.cli import app

    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(
        "".join(json.dumps(p.model_dump(include={"id", "title", "abstract"})) + "\n"
                for p in make_papers(6)),
        encoding="utf-8",
    )
    args = ["build", str(corpus), "-o", str(tmp_path / "out"), "--no-cache", "-j", "1"]
    monkeypatch.setattr(THRESHOLDS, "kernel_hint_papers", 6)
    monkeypatch.setattr(_kernels, "_state", {})
    monkeypatch.setenv("PAPERKG_KERNELS", "python")
    slow = CliRunner().invoke(app, args)
    assert slow.exit_code == 0, slow.output
    assert "compiled graph kernels are off" in slow.output
    monkeypatch.setattr(THRESHOLDS, "kernel_hint_papers", 7)
    small = CliRunner().invoke(app, args)
    assert "compiled graph kernels" not in small.output


def test_cache_cli_build_without_a_usable_paper_leaves_no_cache(tmp_path):
    from typer.testing import CliRunner

    from paperkg.cli import app

    corpus = tmp_path / "papers.jsonl"
    corpus.write_text('{"id": "a", "title": "", "abstract": ""}\nnot json\n', encoding="utf-8")
    cache = tmp_path / "cache" / "c.sqlite"
    result = CliRunner().invoke(app, ["build", str(corpus), "-o", str(tmp_path / "out"),
                                      "--cache", str(cache), "-j", "1"])
    assert result.exit_code == 1
    assert "no usable paper" in result.output
    assert "Traceback" not in result.output
    assert not cache.exists()


@pytest.mark.parametrize("streamed", [False, True])
def test_cache_progress_bar_with_and_without_a_total(tmp_path, streamed):
    # a list has a total; a stream (as `paperkg build` reads) counts up with none
    papers = make_papers(6)
    source = iter(papers) if streamed else papers
    shown = run(source, tmp_path / "c.sqlite", progress=True)
    assert dumps(shown) == dumps(run(papers, None))


@pytest.mark.parametrize("payload", [
    pytest.param(b'{"id": "x", "title": "T", "entities": [', id="truncated-json"),
    pytest.param(b'{"id": "x", "title": "T", "entities": [{"id": "weird:a", "name": "a", '
                 b'"type": "weird", "aliases": [], "mentions": []}]}', id="unknown-type"),
    pytest.param(b'[1, 2, 3]', id="json-list"),
])
def test_cache_row_that_decompresses_but_is_no_result_is_a_one_line_cache_error(
        tmp_path, payload):
    import zlib

    from paperkg.workflow import extract_corpus

    path = tmp_path / "c.sqlite"
    papers = make_papers(3)
    with ExtractionCache(path) as cache:
        cache.store((p, fake_result(p)) for p in papers)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE extractions SET result = ? WHERE paper_id = ?",
                   (zlib.compress(payload), papers[1].id))
    for read in (lambda: extract_corpus(papers, jobs=1, cache=path),
                 lambda: ExtractionCache(path).lookup(papers),
                 lambda: ExtractionCache(path).get(papers[1])):
        with pytest.raises(CacheError) as info:
            read()
        message = str(info.value)
        assert "corrupt" in message and repr(papers[1].id) in message and "\n" not in message


def test_cache_cli_cache_row_with_a_bad_entity_type_is_one_line_error(tmp_path):
    import zlib

    from typer.testing import CliRunner

    from paperkg.cli import app

    corpus = tmp_path / "papers.jsonl"
    corpus.write_text('{"id": "a", "title": "T", "abstract": "We use ResNet."}\n')
    cache = tmp_path / "cache.sqlite"
    args = ["extract", str(corpus), "-o", str(tmp_path / "o.jsonl"), "--cache", str(cache)]
    assert CliRunner().invoke(app, args).exit_code == 0
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE extractions SET result = ?",
                   (zlib.compress(b'{"id": "a", "title": "T", "entities": [{"id": "w:x", '
                                  b'"name": "x", "type": "weird", "aliases": [], '
                                  b'"mentions": []}]}'),))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().startswith("error: cache ")
    assert len(result.output.strip().splitlines()) == 1
