"""The annotators' tool (corpus/annotate.py): what it demands of a record."""

import importlib.util
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _annotate():
    spec = importlib.util.spec_from_file_location("annotate", CORPUS / "annotate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


annotate = _annotate()
PAPER = {"id": "v:1", "title": "T", "abstract": ""}


def _problems(abstract: str, entities: list[dict]) -> list[str]:
    papers = {"v:1": {**PAPER, "abstract": abstract}}
    return annotate.check({"id": "v:1", "entities": entities}, papers, set())


def test_repo_links_are_owner_name_pairs_not_account_pages():
    text = ("Code: https://github.com/a-b/c.d.git. Also github.com/context-mover/. and "
            "github.com/orgs/x.")
    assert annotate.repos_in(text) == {"a-b/c.d"}


def test_a_latex_escaped_underscore_is_part_of_the_repo_name():
    assert annotate.repos_in(r"Code: https://github.com/jy2017/SRD\_ossl.") == {"jy2017/srd_ossl"}


def test_a_linked_repo_must_be_annotated_but_an_account_page_need_not_be():
    repo = {"name": "owner/tool", "aliases": [], "types": ["repo"], "optional": False}
    assert _problems("See github.com/owner/tool.", [repo]) == []
    assert any("no repo entity names it" in p for p in _problems("See github.com/owner/tool.", []))
    assert _problems("Our group: https://github.com/context-mover/.", []) == []


def test_a_name_may_belong_to_one_entity_only():
    a = {"name": "BERT", "aliases": [], "types": ["method"], "optional": False}
    b = {"name": "bert", "aliases": [], "types": ["method"], "optional": True}
    assert any("also a name or alias" in p for p in _problems("BERT and bert.", [a, b]))
