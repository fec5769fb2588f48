"""A user's own vocabulary file (--vocab): read, matched like the shipped gazetteers, and
part of the extraction cache key."""

from __future__ import annotations

import pytest

from paperkg.cache import extractor_fingerprint
from paperkg.errors import VocabularyError
from paperkg.extract import Extractor
from paperkg.models import Paper
from paperkg.vocab import load_user_vocabulary, load_vocabulary, read_user_terms, with_user_terms
from paperkg.workflow import extract_corpus

PAPER = Paper(id="u1", title="Tidal echo sketching for sparse sonar maps",
              abstract="We evaluate on the harbor tangle benchmark and compare tidal echo "
                       "sketching (TES) with kriging.")


def vocab_file(tmp_path, text: str, name: str = "mine.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def found(result):
    return {(e.type, e.name) for e in result.entities}


def test_vocab_user_terms_are_found_like_shipped_ones(tmp_path):
    path = vocab_file(tmp_path, "name\ttype\taliases\n"
                                "tidal echo sketching\tmethod\tTES\n"
                                "harbor tangle\tdataset\t\n")
    terms, warnings = read_user_terms(path)
    assert warnings == [] and [t.name for t in terms] == ["tidal echo sketching", "harbor tangle"]
    plain = found(Extractor().extract(PAPER))
    mine = found(Extractor(vocabulary=load_user_vocabulary(path)).extract(PAPER))
    assert ("dataset", "harbor tangle") not in plain
    assert {("method", "tidal echo sketching"), ("dataset", "harbor tangle")} <= mine


def test_vocab_user_terms_win_over_shipped_ones_and_stop_lists():
    shipped = load_vocabulary()
    generic = next(iter(sorted(shipped.generic)))
    from paperkg.vocab import Term

    mine = with_user_terms(shipped, [Term(name="Adam", type="math", source="mine.tsv"),
                                     Term(name=generic, type="method", source="mine.tsv")])
    assert mine.lookup("Adam")[0].type == "math"
    assert not mine.is_stop(generic) and shipped.is_stop(generic)


def test_vocab_user_bad_rows_warn_with_file_and_line(tmp_path):
    path = vocab_file(tmp_path, "name\ttype\taliases\n"
                                "graph sketch\tmethod\tGS\n"      # 2: good
                                "fuzzy\twidget\n"                 # 3: unknown type
                                "lonely\n"                        # 4: one column
                                "graph sketches\tmath\n"          # 5: same name as line 2
                                "thing\tmath\tA||B\n")            # 6: empty alias
    terms, warnings = read_user_terms(path)
    assert [t.name for t in terms] == ["graph sketch"]
    assert [w.split(":")[:2] for w in warnings] == [[str(path), str(n)] for n in (3, 4, 5, 6)]
    assert "unknown type 'widget'" in warnings[0] and "already on line 2" in warnings[2]


@pytest.mark.parametrize("text, message", [
    ("", "empty vocabulary"),
    ("term\tkind\nx\tmethod\n", ":1: the first line must be the header 'name<TAB>type'"),
    ("name\ttype\nx\twidget\n", "no usable term in the vocabulary (1 bad rows; line 2: unknown type"),
])
def test_vocab_user_file_without_usable_rows_is_a_one_line_error(tmp_path, text, message):
    with pytest.raises(VocabularyError) as info:
        read_user_terms(vocab_file(tmp_path, text))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_vocab_user_file_is_part_of_the_cache_key(tmp_path):
    first = vocab_file(tmp_path, "name\ttype\nharbor tangle\tdataset\n", "a.tsv")
    second = vocab_file(tmp_path, "name\ttype\nharbor tangle\tmethod\n", "b.tsv")
    keys = {extractor_fingerprint(), extractor_fingerprint(None, first),
            extractor_fingerprint(None, second)}
    assert len(keys) == 3
    assert extractor_fingerprint(None, first) == extractor_fingerprint(None, first)


def test_vocab_user_change_reextracts_cached_papers(tmp_path):
    path = vocab_file(tmp_path, "name\ttype\nharbor tangle\tdataset\n")
    cache = tmp_path / "cache.sqlite"
    run = extract_corpus([PAPER], cache=cache, jobs=1, vocab=path)
    assert (run.n_extracted, run.n_reused) == (1, 0)
    assert ("dataset", "harbor tangle") in found(run.results[0])
    assert extract_corpus([PAPER], cache=cache, jobs=1, vocab=path).n_reused == 1
    path.write_text("name\ttype\nharbor tangle\tmethod\n", encoding="utf-8")
    again = extract_corpus([PAPER], cache=cache, jobs=1, vocab=path)
    assert (again.n_extracted, again.n_reused) == (1, 0)
    assert ("method", "harbor tangle") in found(again.results[0])
