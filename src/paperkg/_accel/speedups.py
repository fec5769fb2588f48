"""Optional compiled (Cython) builds of the extractor's pure-Python modules.

``setup.py`` compiles the modules of :data:`COMPILED_MODULES` with Cython when it can
(Cython is a build requirement; a module whose C build fails stays pure Python) and
records in ``_compiled.json`` the SHA-1 of each source file it compiled. The compiled
module is a translation of the same source, so it extracts the same entities
(``tests/test_speedups.py`` compares the extractions; the whole test suite runs on
the compiled modules in CI), in about 0.85 of the CPU time.

:func:`install` runs when :mod:`paperkg` is imported. Python prefers an extension
module to a ``.py`` file of the same name, so a compiled module whose source has been
edited since the build (an editable install) would shadow the edit: such a module is
imported from its source instead. ``PAPERKG_PURE_PYTHON=1`` in the environment imports
every one of them from source (and makes ``setup.py`` skip compiling).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path

__all__ = ["COMPILED_MODULES", "PURE_ENV", "compiled_modules", "install", "source_path"]

#: Modules ``setup.py`` compiles (it reads this assignment from the source): the
#: extractor's rule code, run for every paper. The loader, canonicalisation, the links
#: and the GraphML writer are left out: compiled, they were no faster and held more
#: memory (docs/performance.md).
COMPILED_MODULES = (
    "paperkg.text",
    "paperkg.extract.abbreviations",
    "paperkg.extract.chunker",
    "paperkg.extract.classify",
    "paperkg.extract.gazetteer",
    "paperkg.extract.patterns",
    "paperkg.extract.pipeline",
    "paperkg.extract.candidates",
    "paperkg.extract.resolve",
    "paperkg.extract.learned",
)
#: Environment variable that selects the pure-Python modules (at build and at run time).
PURE_ENV = "PAPERKG_PURE_PYTHON"
MANIFEST = "_compiled.json"

#: the paperkg package directory (this module sits in its ``_accel`` folder)
_PACKAGE = Path(__file__).resolve().parent.parent


def source_path(name: str, package_dir: Path = _PACKAGE) -> Path:
    """The ``.py`` file of module ``name`` (``"paperkg.extract.chunker"``)."""
    return package_dir.joinpath(*name.split(".")[1:]).with_suffix(".py")


def file_sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def pure_requested(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    return environ.get(PURE_ENV, "") not in ("", "0")


def stale_modules(package_dir: Path = _PACKAGE, *, force_pure: bool = False) -> set[str]:
    """The modules to import from source: those of :data:`COMPILED_MODULES` and any
    other with an extension module beside its ``.py``; all of them with ``force_pure``,
    else every one the manifest does not vouch for (not compiled, or compiled from a
    source that has changed since; no readable manifest: all)."""
    try:
        manifest = json.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if force_pure or not isinstance(manifest, dict):
        manifest = {}
    stale = set()
    # every module of the package with an extension module beside its source: a
    # module left compiled by an older build that no longer lists it is stale too
    names = set(COMPILED_MODULES)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        for path in package_dir.rglob(f"*{suffix}"):
            source = path.with_name(path.name[:-len(suffix)] + ".py")
            if source.is_file():
                parts = source.relative_to(package_dir).with_suffix("").parts
                names.add(".".join((package_dir.name, *parts)))
    for name in sorted(names):
        try:
            if name not in manifest or manifest[name] != file_sha1(source_path(name, package_dir)):
                stale.add(name)
        except OSError:
            stale.add(name)
    return stale


class _FromSource(importlib.abc.MetaPathFinder):
    """Finds the listed modules as their ``.py`` source, ahead of the extension module."""

    def __init__(self, names: set[str], package_dir: Path) -> None:
        self.names = frozenset(names)
        self.package_dir = package_dir

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001
        if fullname not in self.names:
            return None
        source = source_path(fullname, self.package_dir)
        if not source.is_file():
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def install() -> None:
    """Import from source every module the build did not compile from its current
    source (with ``PAPERKG_PURE_PYTHON=1``: every one)."""
    if any(isinstance(f, _FromSource) for f in sys.meta_path):
        return
    stale = stale_modules(force_pure=pure_requested())
    if stale:
        sys.meta_path.insert(0, _FromSource(stale, _PACKAGE))


def compiled_modules() -> list[str]:
    """The modules of :data:`COMPILED_MODULES` imported from a compiled extension."""
    out = []
    for name in COMPILED_MODULES:
        module = sys.modules.get(name)
        if module is None:
            importlib.import_module(name)
            module = sys.modules[name]
        if not str(getattr(module, "__file__", "")).endswith(".py"):
            out.append(name)
    return out
