"""The rule data files load and are well-formed."""

from __future__ import annotations

import pytest

from paperkg.errors import ExtractionError
from paperkg.extract.rules import RULES_DIR, load_rules, read_tagged_list


def test_rules_shipped_files_load() -> None:
    rules = load_rules()
    assert "equation" in rules.math_heads and "algorithm" in rules.method_heads
    assert "dataset" in rules.dataset_heads and "novel" in rules.generic_modifiers
    assert rules.tag("the") == "DET" and len(rules.lexicon) > 1000
    assert all(h == h.lower() for h in rules.all_heads)
    assert (RULES_DIR / "pos_lexicon.tsv").exists()
    for name in ("strict_heads", "weak_heads", "task_heads", "named_method_heads",
                 "generic_heads", "name_cues"):
        words = getattr(rules, name)
        assert words and all(w == w.lower().strip() for w in words), name
    assert "GPU" in rules.acronym_stop  # case kept for this one


def test_rules_bad_tag_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "lex.tsv"
    path.write_text("# c\nword\tNOUN\nother\tBOGUS\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"lex.tsv:3"):
        read_tagged_list(path)
