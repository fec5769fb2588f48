"""Build script. The package metadata is in ``pyproject.toml``; this file adds the
optional Cython build of the extractor's rule modules (see ``src/paperkg/_accel/speedups.py``).

Each module of ``COMPILED_MODULES`` is translated from its ``.py`` source by Cython and
compiled into an extension module of the same name; ``_compiled.json`` records the
SHA-1 of every source compiled. Nothing here is required: without Cython, with
``PAPERKG_PURE_PYTHON=1``, or where the C compiler fails on a module, that module
stays pure Python and gives the same results, a little slower.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


def _compiled_modules() -> tuple[str, ...]:
    """``paperkg._accel.speedups.COMPILED_MODULES``, read from its source (the package itself
    is not importable while it is being built)."""
    tree = ast.parse((HERE / "src" / "paperkg" / "_accel" / "speedups.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(target, "id", None) == "COMPILED_MODULES" for target in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("src/paperkg/_accel/speedups.py defines no COMPILED_MODULES")


COMPILED_MODULES = _compiled_modules()
PURE_ENV = "PAPERKG_PURE_PYTHON"


def _source(name: str) -> str:
    return str(Path("src", *name.split(".")).with_suffix(".py"))


def _extensions() -> list[Extension]:
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("paperkg: Cython not available, the extractor stays pure Python", file=sys.stderr)
        return []
    extensions = [Extension(name, [_source(name)], extra_compile_args=["-g0"])
                  for name in COMPILED_MODULES]
    # annotation_typing off: Cython would otherwise enforce annotations at run time
    # (``x: dict`` rejecting a defaultdict, ``x: str`` rejecting None) where Python does not
    return cythonize(extensions, build_dir="build/cython", quiet=True,
                     compiler_directives={"language_level": 3, "binding": True,
                                          "annotation_typing": False})


class OptionalBuildExt(build_ext):
    """Build every extension it can, in parallel; a failure leaves that module pure
    Python (with a message) instead of failing the install."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1
        self._failed: set[str] = set()

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # noqa: BLE001 - any compiler failure
            self._failed.add(ext.name)
            print(f"paperkg: not compiling {ext.name} ({error}); it stays pure Python",
                  file=sys.stderr)

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 - e.g. no C compiler at all
            print(f"paperkg: no compiled extractor ({error}); it stays pure Python",
                  file=sys.stderr)
            self._failed.update(ext.name for ext in self.extensions)
        self._write_manifest()

    def _write_manifest(self) -> None:
        package = (HERE / "src" / "paperkg") if self.inplace else Path(self.build_lib, "paperkg")
        built = {}
        for ext in self.extensions:
            if ext.name in self._failed:
                continue
            target = Path(self.get_ext_fullpath(ext.name))
            if target.is_file():
                source = HERE / _source(ext.name)
                built[ext.name] = hashlib.sha1(source.read_bytes()).hexdigest()
        package.mkdir(parents=True, exist_ok=True)
        manifest = package / "_compiled.json"
        if built:
            manifest.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")
        elif manifest.exists():
            manifest.unlink()


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
