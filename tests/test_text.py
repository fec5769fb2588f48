"""Pure text helpers: LaTeX accents with their offset map, match keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperkg.text import clean_alias, clean_name, match_key, unlatex_accents


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ('Schr\\"odinger Bridges', "Schrödinger Bridges"),
        ('Schr\\"{o}dinger', "Schrödinger"),
        ('{\\"o}', "ö"),
        ("Erd\\H{o}s and P\\'{o}lya", "Erdős and Pólya"),
        ("Fr\\'echet", "Fréchet"),
        ("\\v{S}ver\\'ak", "Šverák"),
        ("\\'{\\i}", "í"),
        ("Fran\\c cois", "François"),
        # commands that are not accents stay as they are
        ("$\\varepsilon$-net, \\cdot, \\url{x}, \\rho, \\hat{x}", "$\\varepsilon$-net, \\cdot, \\url{x}, \\rho, \\hat{x}"),
        ("no latex here", "no latex here"),
    ],
)
def test_text_unlatex_accents(text: str, clean: str) -> None:
    out, starts = unlatex_accents(text)
    assert out == clean
    assert len(starts) == len(out) + 1 and starts[-1] == len(text)


def test_text_unlatex_offsets_map_spans_back() -> None:
    text = 'the computational Schr\\"odinger Bridges (SB) of Fr\\\'echet'
    clean, starts = unlatex_accents(text)
    a = clean.index("Schrödinger Bridges")
    b = a + len("Schrödinger Bridges")
    assert text[starts[a]:starts[b]] == 'Schr\\"odinger Bridges'
    a = clean.index("Fréchet")
    assert text[starts[a]:starts[a + len("Fréchet")]] == "Fr\\'echet"


@given(st.text(alphabet=st.sampled_from(list("ab {}\\\"'`^~=.uvHckrio$ ")), max_size=40))
def test_text_unlatex_offsets_are_monotonic_and_total(text: str) -> None:
    clean, starts = unlatex_accents(text)
    assert len(starts) == len(clean) + 1
    assert starts[0] == 0 if text else starts == [0]
    assert starts[-1] == len(text)
    assert all(x < y for x, y in zip(starts, starts[1:], strict=False))
    # a character that is not an accent command maps to itself
    for i, c in enumerate(clean):
        if starts[i + 1] - starts[i] == 1:
            assert text[starts[i]] == c


def test_text_match_key_reads_latex_accents() -> None:
    assert match_key('Schr\\"odinger Bridges') == match_key("Schrödinger bridge")
    assert match_key("Fourier Neural Operators") == "fourier neural operator"


@pytest.mark.parametrize(("surface", "clean"), [
    ("GAN-", "GAN"), ("/ResNet", "ResNet"), ("f(x)", "f(x)"), ("ContextFlow++", "ContextFlow++"),
    ("L^{2}", "L^{2}"), ("[CLS] token", "[CLS] token"),
    ("CNN)[23", None), ("ext{CNN", None), ("RKHS)-based", None), ("field(SDF", None),
    ("a(b]", None), ("-", None),
])
def test_text_clean_alias(surface: str, clean: str | None) -> None:
    assert clean_alias(surface) == clean


@given(st.text(alphabet="ab()[]{}-/ ", max_size=12))
def test_text_clean_alias_is_balanced_and_idempotent(text: str) -> None:
    out = clean_alias(text)
    if out is not None:
        assert clean_alias(out) == out
        assert not out.endswith(("-", "/")) and not out.startswith(("-", "/"))


@pytest.mark.parametrize(("surface", "name"), [
    ("ResNet50(CIFAR-10", "ResNet50"),    # a span cut inside a bracket
    ("kernels(BO-FM", "kernels"),
    ("RKHS)-based", "RKHS"),
    ("(a", "a"),                           # nothing before the bracket: the bracket goes
    ("TD(0)", "TD(0)"),                    # balanced: unchanged
    ("GAN-", "GAN"),
    (")", ""),
])
def test_clean_name_cuts_at_the_bracket_that_breaks_the_balance(surface, name):
    assert clean_name(surface) == name
