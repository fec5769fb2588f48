"""The optional compiled extractor (``setup.py`` + :mod:`paperkg._accel.speedups`).

A compiled module is Cython's translation of the same source: it must extract exactly
what the pure-Python module does, and an edited source must win over a stale build.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperkg._accel import speedups as _speedups
from paperkg.load import load_papers

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

_DUMP = """
import json, sys
from paperkg._accel import speedups as _speedups
from paperkg.extract import Extractor
from paperkg.load import load_papers
papers, _ = load_papers([sys.argv[1]])
print(json.dumps(_speedups.compiled_modules()))
for result in Extractor().pipe(papers):
    print(result.model_dump_json())
"""


def _extract_in_subprocess(pure: bool) -> tuple[list[str], list[str]]:
    env = dict(os.environ)
    env.pop(_speedups.PURE_ENV, None)
    if pure:
        env[_speedups.PURE_ENV] = "1"
    out = subprocess.run([sys.executable, "-c", _DUMP, str(SEEDS)], env=env, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    return json.loads(out[0]), out[1:]


def test_listed_modules_have_sources():
    # setup.py reads the list from paperkg/_accel/speedups.py and compiles each source
    assert len(_speedups.COMPILED_MODULES) == len(set(_speedups.COMPILED_MODULES)) > 0
    for name in _speedups.COMPILED_MODULES:
        assert _speedups.source_path(name).is_file(), name


def test_compiled_and_pure_extract_the_same():
    compiled, fast = _extract_in_subprocess(pure=False)
    if os.environ.get("PAPERKG_REQUIRE_COMPILED") == "1":  # CI: a fresh `pip install .`
        assert compiled == list(_speedups.COMPILED_MODULES)
    elif not compiled:
        pytest.skip("no compiled module in this install (pip install . builds them)")
    # (an editable install imports a module edited since its build from source)
    none, slow = _extract_in_subprocess(pure=True)
    assert none == []
    papers, _ = load_papers([SEEDS])
    assert len(fast) == len(slow) == len(papers) > 100
    assert sum(len(json.loads(line)["entities"]) for line in slow) > 1000
    for a, b in zip(fast, slow, strict=True):
        assert a == b


def _fake_package(tmp_path: Path) -> Path:
    package = tmp_path / "paperkg"
    for name in _speedups.COMPILED_MODULES:
        path = _speedups.source_path(name, package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"NAME = {name!r}\n", encoding="utf-8")
    return package


def test_stale_modules_follow_the_manifest(tmp_path):
    package = _fake_package(tmp_path)
    everything = set(_speedups.COMPILED_MODULES)
    assert _speedups.stale_modules(package) == everything  # no manifest: nothing compiled
    manifest = {name: _speedups.file_sha1(_speedups.source_path(name, package))
                for name in _speedups.COMPILED_MODULES}
    (package / "_compiled.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _speedups.stale_modules(package) == set()
    edited = _speedups.source_path("paperkg.extract.chunker", package)
    edited.write_text("NAME = 'edited'\n", encoding="utf-8")
    assert _speedups.stale_modules(package) == {"paperkg.extract.chunker"}
    assert _speedups.stale_modules(package, force_pure=True) == everything
    del manifest["paperkg.text"]  # a module whose build failed
    (package / "_compiled.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _speedups.stale_modules(package) == {"paperkg.extract.chunker", "paperkg.text"}
    (package / "_compiled.json").write_text("{not json", encoding="utf-8")
    assert _speedups.stale_modules(package) == everything


def test_leftover_extension_module_is_stale(tmp_path):
    # a module an older build compiled, no longer listed (nor in the manifest)
    package = _fake_package(tmp_path)
    manifest = {name: _speedups.file_sha1(_speedups.source_path(name, package))
                for name in _speedups.COMPILED_MODULES}
    (package / "_compiled.json").write_text(json.dumps(manifest), encoding="utf-8")
    (package / "links.py").write_text("X = 1\n", encoding="utf-8")
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (package / f"links{suffix}").write_bytes(b"")
    (package / f"orphan{suffix}").write_bytes(b"")  # no source: left to Python
    assert _speedups.stale_modules(package) == {"paperkg.links"}


def test_stale_module_is_imported_from_source(tmp_path):
    package = _fake_package(tmp_path)
    finder = _speedups._FromSource({"paperkg.extract.chunker"}, package)
    assert finder.find_spec("paperkg.extract.resolve") is None
    spec = finder.find_spec("paperkg.extract.chunker")
    assert spec is not None and spec.origin == str(
        _speedups.source_path("paperkg.extract.chunker", package))
    module = type(sys)("paperkg.extract.chunker")
    spec.loader.exec_module(module)
    assert module.NAME == "paperkg.extract.chunker"


def test_pure_requested():
    assert not _speedups.pure_requested({})
    assert not _speedups.pure_requested({_speedups.PURE_ENV: "0"})
    assert _speedups.pure_requested({_speedups.PURE_ENV: "1"})
