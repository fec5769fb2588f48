"""The pydantic records: papers share their set of explicitly given field names."""

from __future__ import annotations

import copy
import pickle

from paperkg.models import Paper


def _paper(pid: str, **extra) -> Paper:
    return Paper(id=pid, title=f"Title {pid}", abstract="An abstract.", **extra)


def test_papers_with_the_same_given_fields_share_one_set():
    a, b = _paper("a", year=2020), _paper("b", year=2021)
    c = Paper.model_validate({"id": "c", "title": "T", "abstract": "A", "year": 1999})
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__ is c.__pydantic_fields_set__
    assert a.model_fields_set == {"id", "title", "abstract", "year"}
    d = _paper("d")
    assert d.model_fields_set == {"id", "title", "abstract"}
    assert a.model_dump(exclude_unset=True) == {"id": "a", "title": "Title a",
                                                "abstract": "An abstract.", "year": 2020}


def test_assigning_a_field_changes_only_that_papers_set():
    a, b = _paper("a"), _paper("b")
    a.url = "https://example.org"
    assert a.model_fields_set == {"id", "title", "abstract", "url"}
    assert b.model_fields_set == {"id", "title", "abstract"}
    assert _paper("c").model_fields_set == {"id", "title", "abstract"}
    assert b.model_dump(exclude_unset=True) == {"id": "b", "title": "Title b",
                                                "abstract": "An abstract."}
    a.year = 2001  # its own set now: no copy, still right
    assert a.model_fields_set == {"id", "title", "abstract", "url", "year"}


def test_copies_and_pickles_keep_their_own_fields():
    a = _paper("a", authors=["X"])
    moved = a.model_copy(update={"year": 2000})
    assert moved.model_fields_set == {"id", "title", "abstract", "authors", "year"}
    assert a.model_fields_set == {"id", "title", "abstract", "authors"}
    assert _paper("b", authors=["Y"]).model_fields_set == a.model_fields_set
    for other in (copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert other == a
        other.doi = "10.1/x"
        assert "doi" not in a.model_fields_set
