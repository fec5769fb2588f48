"""Cross-corpus canonicalisation."""

from __future__ import annotations

import json

import pytest

from kg_corpus import thresholds
from paperkg.canonical import canonicalize, is_acronym_form, json_writer
from paperkg.extract import Extractor
from paperkg.models import Entity, Mention, Paper, PaperEntities
from paperkg.workflow import canonicalize_corpus


def _ent(name: str, etype: str = "method", aliases: list[str] | None = None) -> Entity:
    return Entity(id=f"{etype}:x", name=name, type=etype, aliases=aliases or [],
                  mentions=[Mention(field="abstract", start=0, end=len(name), text=name)])


def _res(pid: str, *ents: Entity) -> PaperEntities:
    return PaperEntities(id=pid, title=f"paper {pid}", entities=list(ents))


def _canonical(results, fork_min_records, encoded=False):
    """The canonical records as ``paperkg build`` makes them, in halves on two cores
    from ``fork_min_records`` records on."""
    with thresholds(fork_min_records=fork_min_records):
        parts = canonicalize_corpus(results, json_writer(encoded), encoded=encoded)
    return [record for part in parts for record in part]

def test_canonical_acronym_merge_across_papers() -> None:
    out = canonicalize([
        _res("a", _ent("Fourier Neural Operator", aliases=["FNO"])),
        _res("b", _ent("FNO")),
        _res("c", _ent("Fourier neural operators")),
    ])
    ids = {e.id for r in out for e in r.entities}
    assert ids == {"method:fourier-neural-operator"}
    assert {e.name for r in out for e in r.entities} == {"Fourier Neural Operator"}
    assert "FNO" in out[1].entities[0].aliases or out[1].entities[0].name != "FNO"
    assert "FNO" in out[2].entities[0].aliases


def test_canonical_ambiguous_acronym_joins_nothing() -> None:
    out = canonicalize([
        _res("a", _ent("continual learning", aliases=["CL"])),
        _res("b", _ent("contrastive learning", aliases=["CL"])),
    ])
    assert out[0].entities[0].id != out[1].entities[0].id


def test_canonical_types_kept_apart() -> None:
    out = canonicalize([_res("a", _ent("Gaussian process", "math")),
                        _res("b", _ent("Gaussian process", "method"))])
    assert [r.entities[0].id for r in out] == ["math:gaussian-process", "method:gaussian-process"]


def test_canonical_accents_folded() -> None:
    out = canonicalize([_res("a", _ent("Schrödinger bridge", "math")),
                        _res("b", _ent("Schrodinger bridges", "math"))])
    assert out[0].entities[0].id == out[1].entities[0].id == "math:schrodinger-bridge"


def test_canonical_deterministic_and_order_preserving() -> None:
    data = [_res(str(i), _ent(n)) for i, n in enumerate(["GAN", "generative adversarial network",
                                                         "Adam", "gradient descent"])]
    assert canonicalize(data) == canonicalize(list(data))
    assert [r.id for r in canonicalize(data)] == ["0", "1", "2", "3"]


def test_canonical_mentions_unchanged_and_merged_in_paper() -> None:
    e1 = _ent("Fourier Neural Operator", aliases=["FNO"])
    e2 = Entity(id="method:fno", name="FNO", type="method",
                mentions=[Mention(field="abstract", start=40, end=43, text="FNO")])
    out = canonicalize([_res("a", e1, e2)])
    (ent,) = out[0].entities
    assert [(m.start, m.end) for m in ent.mentions] == [(0, 23), (40, 43)]


def test_canonical_on_extractor_output() -> None:
    # a made-up name no gazetteer knows: only the corpus links the three papers
    papers = [
        Paper(id="1", title="Sieves", abstract="The Quantum Sieve Estimator (QSE) is fast."),
        Paper(id="2", title="More sieves", abstract="We improve QSE on turbulence."),
        Paper(id="3", title="Yet more", abstract="Quantum sieve estimators are popular."),
    ]
    out = canonicalize(list(Extractor().pipe(papers)))
    found = {r.id: [e for e in r.entities if e.id == "method:quantum-sieve-estimator"]
             for r in out}
    assert all(len(v) == 1 for v in found.values()), found
    assert all(v[0].name == "Quantum Sieve Estimator" for v in found.values())
    assert "QSE" in found["2"][0].aliases or found["2"][0].mentions[0].text == "QSE"


@pytest.mark.parametrize(("s", "ok"), [("FNO", True), ("SS-HOPM", True), ("PDEs", True),
                                        ("SciML", True), ("Transformer", False), ("a b", False)])
def test_canonical_acronym_form(s: str, ok: bool) -> None:
    assert is_acronym_form(s) is ok


def test_canonical_drops_lone_undefined_acronym() -> None:
    out = canonicalize([
        _res("a", _ent("ETF"), _ent("BERT"), _ent("FNO")),
        _res("b", _ent("Fourier Neural Operator", aliases=["FNO"])),
    ])
    names = {e.name for e in out[0].entities}
    # "ETF": undefined, unknown, named once -> dropped; BERT is known; FNO defined elsewhere
    assert names == {"BERT", "Fourier Neural Operator"}


def test_canonical_sentence_start_capital_is_not_the_name() -> None:
    out = canonicalize([
        _res("a", _ent("Diffusion probabilistic model", aliases=["DPMs"])),
        _res("b", _ent("diffusion probabilistic model")),
    ])
    assert {e.name for r in out for e in r.entities} == {"diffusion probabilistic model"}
    # a capital the corpus never drops stays ("Gaussian process")
    out = canonicalize([_res("a", _ent("Gaussian process")), _res("b", _ent("Gaussian process"))])
    assert {e.name for r in out for e in r.entities} == {"Gaussian process"}


def test_canonical_iter_canonical_reads_json_results_like_objects() -> None:
    """extract_corpus canonicalises results held as JSON text (parsed on each pass)
    and keeps the output as JSON too: same records as canonicalize on objects."""
    from paperkg.canonical import iter_canonical
    from paperkg.results import JsonResults

    data = [
        _res("a", _ent("Fourier Neural Operator", aliases=["FNO"])),
        _res("b", _ent("FNO"), _ent("ImageNet", "dataset")),
        _res("c", _ent("Fourier neural operators"), _ent("CL"), _ent("CL", "math")),
    ]
    as_json = JsonResults()
    as_json.extend(r.model_dump_json() for r in data)
    expected = canonicalize(data)
    assert list(iter_canonical(as_json)) == expected
    stored = JsonResults()
    stored.extend(r.model_dump_json() for r in iter_canonical(as_json))
    assert list(stored) == expected and stored[1] == expected[1]
    # the input records are not shared with the output
    assert expected[0].entities[0].mentions[0] is not data[0].entities[0].mentions[0]


def test_canonical_json_bytes_match_pydantic_on_odd_strings() -> None:
    """iter_canonical_json writes its records with json.dumps: the bytes must be those of
    PaperEntities.model_dump_json (non-ASCII, quotes, backslashes, control characters)."""
    from paperkg.canonical import iter_canonical_json

    odd = ['Schrödinger "bridge"', "back\\slash net", "tab\tand\nnewline\x01\x1f\x7f net",
           "naïve Bayes \u2028 sep", "emoji 🙂 model", "日本語 model"]
    data = [
        PaperEntities(id=f"p{i}", title=f"title {s}", entities=[
            _ent(s, aliases=[s.upper()]), _ent("FNO"), _ent("github.com/a/b", "repo")])
        for i, s in enumerate(odd)
    ]
    out = list(iter_canonical_json([r.model_dump_json() for r in data]))
    expected = canonicalize(data)
    assert out == [r.model_dump_json() for r in expected]
    assert [PaperEntities.model_validate_json(j) for j in out] == expected


def test_canonical_json_on_seed_extractor_output_and_any_order() -> None:
    """The JSON path gives the same records as the object path on real extractor output,
    and a paper's canonical record does not depend on the order of the corpus (the
    corpus-wide passes run over distinct surfaces, with counts)."""
    import random

    from paperkg.canonical import canonicalize_json, iter_canonical_json
    from paperkg.workflow import load_sources

    papers, _ = load_sources(["seeds"])
    raw = list(Extractor().pipe(papers[:120]))
    as_json = [r.model_dump_json() for r in raw]
    out = list(iter_canonical_json(as_json))
    assert out == [r.model_dump_json() for r in canonicalize(raw)]
    order = list(range(len(as_json)))
    random.Random(7).shuffle(order)
    shuffled = list(iter_canonical_json([as_json[i] for i in order]))
    assert {as_json[i]: shuffled[k] for k, i in enumerate(order)} == dict(zip(as_json, out, strict=True))
    # canonicalize_json, and paperkg build's canonicalisation: the same strings whether
    # both reads are split over a forked child (threshold 0) or not
    assert canonicalize_json(as_json) == out
    assert _canonical(as_json, 0) == out
    assert _canonical(as_json, 10**9) == out
    assert _canonical([as_json[i] for i in order], 0) == shuffled
    assert _canonical([], 0) == []
    assert _canonical(as_json[:1], 0) == list(iter_canonical_json(as_json[:1]))
    # compressed in, compressed out (as extract_corpus holds results): the same records
    from paperkg.cache import decode_result, encode_result

    blobs = [encode_result(j) for j in as_json]
    assert canonicalize_json(blobs, encoded=True) == _canonical(blobs, 0, encoded=True)
    for threshold in (0, 10**9):
        got = _canonical(blobs, threshold, encoded=True)
        assert all(isinstance(b, bytes) for b in got)
        assert [decode_result(b) for b in got] == out


def test_reduce_canonical_json_hands_over_the_records_canonicalize_json_writes() -> None:
    """reduce_canonical_json gives ``reduce`` the canonical records as dicts, in order,
    in one part; paperkg build's canonicalisation in one, or two (the second made in a
    forked child) that join up to the same."""
    from paperkg.cache import encode_result
    from paperkg.canonical import canonicalize_json, reduce_canonical_json
    from paperkg.workflow import load_sources

    papers, _ = load_sources(["seeds"])
    as_json = [r.model_dump_json() for r in Extractor().pipe(papers[:60])]
    expected = [json.loads(j) for j in canonicalize_json(as_json)]
    assert any(r["entities"] for r in expected)
    one = reduce_canonical_json(as_json, list)
    assert one == [expected]
    with thresholds(fork_min_records=10**9):
        assert canonicalize_corpus(as_json, list) == [expected]
    with thresholds(fork_min_records=0):
        two = canonicalize_corpus([encode_result(j) for j in as_json], list, encoded=True)
    assert len(two) == 2 and two[0] and two[1] and two[0] + two[1] == expected
    assert reduce_canonical_json([], list) == [[]]
