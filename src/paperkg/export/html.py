"""A self-contained, offline interactive HTML map of a graph.

Small maps are drawn by vis-network (the copy bundled with pyvis), large ones by
sigma.js with graphology in WebGL (bundled in ``paperkg/export/static/``, rebuilt by
``tools/map-bundle``); see :mod:`paperkg.export.mapdata` for which and why. The page
inlines the renderer, its own CSS/JS and the graph itself, and loads nothing from the
network: a Content-Security-Policy forbids it. Graph data travels as JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, and
the page builds tooltips and panels with ``textContent``, so no input text is ever
parsed as HTML.

The page answers scripts through ``window.paperkg``: ``ready`` (true once the map is
interactive), ``count()`` (nodes drawn), ``select(text)`` (selects the best search hit,
returns how many neighbours it highlighted) and ``reset()``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from paperkg.errors import ExportError
from paperkg.export.mapdata import (
    MAX_NODES,
    PHYSICS_THRESHOLD,
    WEBGL_THRESHOLD,
    _sample,  # noqa: F401 - tests reach the sampler here
    html_payload,
    node_links,
)

__all__ = [
    "PHYSICS_THRESHOLD",
    "WEBGL_THRESHOLD",
    "MAX_NODES",
    "write_html",
    "render_html",
    "html_payload",
    "node_links",
    "script_json",
    "vis_network_assets",
    "webgl_assets",
]


# --------------------------------------------------------------------------- assets
@lru_cache(maxsize=1)
def vis_network_assets() -> tuple[str, str, str]:
    """``(js, css, version)`` of the vis-network build bundled with pyvis.

    Falls back to a copy in ``paperkg/export/static/`` (``vis-network.min.js`` and
    ``vis-network.css``) if pyvis ever stops shipping one.

    Raises
    ------
    paperkg.errors.ExportError
        No vis-network build is available.
    """
    candidates: list[Path] = []
    try:
        import pyvis

        lib = Path(pyvis.__file__).parent / "lib"
        candidates += sorted(
            (p for p in lib.glob("vis-*") if (p / "vis-network.min.js").is_file()),
            key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.name)),
            reverse=True,
        )
    except ImportError:  # pragma: no cover - pyvis is a dependency
        pass
    static = Path(str(resources.files("paperkg.export") / "static"))
    if (static / "vis-network.min.js").is_file():
        candidates.append(static)
    for folder in candidates:
        js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
        css_path = folder / "vis-network.css"
        css = css_path.read_text(encoding="utf-8") if css_path.is_file() else ""
        found = re.search(r"@version\s+(\S+)", js[:2000])
        return js, css, found.group(1) if found else "unknown"
    raise ExportError("cannot write HTML: no vis-network build found (is pyvis installed?)")


@lru_cache(maxsize=1)
def webgl_assets() -> tuple[str, str]:
    """``(js, versions)`` of the bundled sigma.js + graphology build.

    Raises
    ------
    paperkg.errors.ExportError
        The bundle is missing from the installed package.
    """
    path = Path(str(resources.files("paperkg.export") / "static" / "sigma-bundle.min.js"))
    try:
        js = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ExportError(f"cannot write HTML: the WebGL renderer is missing ({path})") from error
    found = re.match(r"/\* (.*?) \(MIT", js)
    return js, found.group(1) if found else "unknown"


def _static(name: str) -> str:
    return (resources.files("paperkg.export") / "static" / name).read_text(encoding="utf-8")


def _template() -> str:
    return (resources.files("paperkg.export") / "templates" / "map.html.j2").read_text(
        encoding="utf-8")


# --------------------------------------------------------------------------- helpers
def script_json(value: Any) -> str:
    """JSON safe to embed in an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` (and U+2028/U+2029) become ``\\uXXXX`` escapes, so no input
    can close the element or start markup; ``JSON.parse`` restores them.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


# --------------------------------------------------------------------------- render/write
def render_html(
    graph: nx.Graph,
    *,
    title: str = "paperkg map",
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    physics_threshold: int = PHYSICS_THRESHOLD,
    max_nodes: int = MAX_NODES,
    seed: int = 42,
    webgl_threshold: int = WEBGL_THRESHOLD,
) -> str:
    """The complete HTML page of ``graph`` as a string (see :func:`html_payload`)."""
    import jinja2
    import pyvis

    from paperkg._version import __version__

    payload = html_payload(
        graph, layout=layout, physics_threshold=physics_threshold, max_nodes=max_nodes,
        seed=seed, webgl_threshold=webgl_threshold,
    )
    webgl = payload["renderer"] == "webgl"
    if webgl:
        renderer_js, renderer_version = webgl_assets()
        renderer_css, app_js = "", _static("map_gl.js")
        generator = f"paperkg {__version__} ({renderer_version})"
    else:
        renderer_js, renderer_css, vis_version = vis_network_assets()
        app_js = _static("map.js")
        generator = (f"paperkg {__version__} (pyvis {getattr(pyvis, '__version__', '?')}, "
                     f"vis-network {vis_version})")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_template()).render(
        title=title,
        generator=generator,
        webgl=webgl,
        renderer_js=renderer_js,
        renderer_css=renderer_css,
        ui_js=_static("map_ui.js"),
        app_js=app_js,
        app_css=_static("map.css"),
        data_json=script_json(payload),
    )


def write_html(
    graph: nx.Graph,
    path: str | Path,
    *,
    title: str = "paperkg map",
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    physics_threshold: int = PHYSICS_THRESHOLD,
    max_nodes: int = MAX_NODES,
    seed: int = 42,
    webgl_threshold: int = WEBGL_THRESHOLD,
) -> None:
    """Write the interactive map of ``graph`` to ``path`` (one self-contained file).

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    page = render_html(
        graph,
        title=title,
        layout=layout,
        physics_threshold=physics_threshold,
        max_nodes=max_nodes,
        seed=seed,
        webgl_threshold=webgl_threshold,
    )
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # errors="replace": a lone surrogate from a broken input record becomes "?"
        path.write_text(page, encoding="utf-8", errors="replace")
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
