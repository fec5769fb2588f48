"""GitHub URL finder: every damaged/decorated form of a repository link."""

from __future__ import annotations

import pytest

from paperkg.extract.repos import find_repos, normalize_repo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Code: https://github.com/princeton-vl/InfinigenStereo.", ["princeton-vl/InfinigenStereo"]),
        ("at http://github.com/a/b, and", ["a/b"]),
        ("see github.com/owner/repo for details", ["owner/repo"]),
        ("www.github.com/Foo/bar-baz).", ["Foo/bar-baz"]),
        ("clone https://github.com/x/y.git now", ["x/y"]),
        ("https://github.com/CIAM-Group/NCO_code/tree/main/single_objective", ["CIAM-Group/NCO_code"]),
        ("https://github.com/o/r/blob/main/README.md", ["o/r"]),
        (r"\url{https://github.com/a/b}", ["a/b"]),
        ('"https://github.com/x/y"', ["x/y"]),
        ("(https://github.com/x/y)", ["x/y"]),
        ("<https://github.com/x/y>", ["x/y"]),
        ("available at github.com/ MIT- REALM/architect.", ["MIT-REALM/architect"]),
        ("https://github.com/ camlab-ethz/poseidon", ["camlab-ethz/poseidon"]),
        ("https://github.com/KingJamesSong/FastDifferentiableMatSqrt{https://x}",
         ["KingJamesSong/FastDifferentiableMatSqrt"]),
        ("https://github.com/a/b.c.d.", ["a/b.c.d"]),
        (r"Code: https://github.com/jingyang2017/SRD\_ossl.", ["jingyang2017/SRD_ossl"]),
        (r"\url{github.com/o/a\_b\_c}", ["o/a_b_c"]),
        ("https://github.com/xuangu-fang/Gaussian-Process-Slover-for-High-", []),
    ],
)
def test_repos_url_forms(text: str, expected: list[str]) -> None:
    found = [m.name for m in find_repos(text)]
    if expected:
        assert found == expected
    else:  # a link cut by the end of the text still yields its owner/name prefix
        assert len(found) == 1 and found[0].startswith("xuangu-fang/Gaussian-Process")


def test_repos_case_kept_and_every_link_found() -> None:
    text = "Ours: https://github.com/LAION-AI/Scaling and https://github.com/b/C-D"
    assert [m.name for m in find_repos(text)] == ["LAION-AI/Scaling", "b/C-D"]


def test_repos_found_in_any_case_and_beside_non_ascii_text() -> None:
    # find_repos skips texts without "github" before running its pattern: any case, and
    # texts with non-ASCII letters always take the pattern
    assert [m.name for m in find_repos("Code: HTTPS://GITHUB.COM/Foo/Bar.")] == ["Foo/Bar"]
    assert [m.name for m in find_repos("Schrödinger bridges, see GitHub.com/a/b")] == ["a/b"]
    assert find_repos("Schrödinger bridges without a link") == []
    assert find_repos("a GitHub organisation") == []


@pytest.mark.parametrize(
    "text",
    [
        "project page https://infinicity.github.io/ and",
        "see https://my-lab.github.io/project/index.html",
        "https://github.com/features/copilot",
        "GitHub Copilot",
        "email me at x@github.com/foo",
    ],
)
def test_repos_project_pages_and_non_repos_ignored(text: str) -> None:
    assert find_repos(text) == []


def test_repos_span_is_the_raw_link() -> None:
    text = "Code at github.com/ MIT- REALM/architect."
    (m,) = find_repos(text)
    assert text[m.start:m.end] == "github.com/ MIT- REALM/architect"


def test_repos_normalize_strips_git_and_dots() -> None:
    assert normalize_repo("o", "name.git.") == "o/name"
    assert normalize_repo("about", "x") is None
