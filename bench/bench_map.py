"""Map benchmark: how fast an HTML map answers in headless Chromium, network blocked.

Writes the map of a GraphML file (its ``x``/``y`` positions, so no layout is timed),
opens it ``--repeat`` times in headless Chromium with every non-file request aborted,
and reports medians of:

* ``ready``: navigation start until ``window.paperkg.ready`` (the map is interactive);
* ``select``: ``paperkg.select(text)`` for a few labels, until the next frame is painted
  (and, as ``(sync)``, until the call returns with the highlight done);
* ``reset``: ``paperkg.reset()``, the same two ways.

It fails (exit 1) on a console error or a blocked request. With ``--renderer vis`` or
``webgl`` every size is drawn by that renderer (to find where they cross over).

Usage::

    python bench/bench_map.py /work/data/map/g5k/papers.graphml /work/data/map/g20k/papers.graphml
    python bench/bench_map.py graphs/papers.graphml --nodes 500 1000 2000 --renderer vis
    python bench/bench_map.py graphs/kg.graphml --html --repeat 1 --screenshot docs/seed-kg
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from paperkg.export.html import write_html

__all__ = ["time_map"]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
#: select/reset run in the page, and resolve once the next frame has been painted
_TIMED = """async ([what, arg]) => {
  const t0 = performance.now();
  const found = what === "select" ? window.paperkg.select(arg) : window.paperkg.reset();
  const sync = performance.now() - t0;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return [sync, performance.now() - t0, found];
}"""


def _graph(path: Path, nodes: int | None) -> tuple[nx.Graph, dict]:
    graph = nx.read_graphml(path)
    if nodes is not None and nodes < graph.number_of_nodes():
        graph = graph.subgraph(list(graph)[:nodes]).copy()
    layout = {n: (float(d.get("x", 0.0)), float(d.get("y", 0.0)))
              for n, d in graph.nodes(data=True)}
    return graph, layout


def _open(browser, html: Path) -> tuple[object, object, list[str], float]:
    """A fresh page on ``html``, every non-file request aborted; seconds until ready."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    errors: list[str] = []

    def route(request_route) -> None:
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            errors.append(f"blocked {request_route.request.url}")
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    start = time.perf_counter()
    page.goto(html.resolve().as_uri())
    page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=300_000)
    return context, page, errors, time.perf_counter() - start


def screenshots(browser, html: Path, query: str, prefix: Path) -> None:
    """``<prefix>-overview.png`` and ``<prefix>-selected.png`` (after ``select(query)``)."""
    context, page, errors, _ = _open(browser, html)
    page.wait_for_timeout(500)
    page.screenshot(path=f"{prefix}-overview.png")
    page.evaluate("q => window.paperkg.select(q)", query)
    page.wait_for_timeout(800)  # the camera's move to the neighbourhood
    page.screenshot(path=f"{prefix}-selected.png")
    context.close()
    if errors:
        raise RuntimeError(f"{html}: {errors[:3]}")


def time_map(browser, html: Path, queries: list[str], repeat: int) -> dict[str, float]:
    """Medians (seconds) of ready/select/reset for one page; raises on console errors."""
    ready, select, select_sync, reset, reset_sync, count = [], [], [], [], [], 0
    for _ in range(repeat):
        context, page, errors, seconds = _open(browser, html)
        ready.append(seconds)
        count = page.evaluate("window.paperkg.count()")
        for query in queries:
            sync, painted, found = page.evaluate(_TIMED, ["select", query])
            if found < 0:
                raise RuntimeError(f"{html}: select({query!r}) found nothing")
            select_sync.append(sync / 1000)
            select.append(painted / 1000)
            sync, painted, _ = page.evaluate(_TIMED, ["reset", None])
            reset_sync.append(sync / 1000)
            reset.append(painted / 1000)
        context.close()
        if errors:
            raise RuntimeError(f"{html}: {errors[:3]}")
    return {"nodes": count, "ready": statistics.median(ready),
            "select": statistics.median(select), "select_sync": statistics.median(select_sync),
            "reset": statistics.median(reset), "reset_sync": statistics.median(reset_sync)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graphml", nargs="+", type=Path)
    parser.add_argument("--nodes", type=int, nargs="*", default=[None],
                        help="cut each graph to its first N nodes (several sizes allowed)")
    parser.add_argument("--renderer", choices=["auto", "vis", "webgl"], default="auto")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument("--html", action="store_true",
                        help="open the .html beside each GraphML file as it is (no rewrite)")
    parser.add_argument("--screenshot", type=Path, metavar="PREFIX",
                        help="also save PREFIX-overview.png and PREFIX-selected.png")
    parser.add_argument("--select", help="the text to select for the screenshot")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    threshold = {"auto": None, "vis": 10**9, "webgl": 0}[args.renderer]
    print(f"{'map':<34} {'nodes':>7} {'links':>8} {'renderer':>8} {'ready s':>8}"
          f" {'select s':>9} {'(sync)':>7} {'reset s':>8} {'(sync)':>7}")
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for path in args.graphml:
                for size in args.nodes:
                    graph, layout = _graph(path, size)
                    html = Path(tmp) / "map.html"
                    extra = {} if threshold is None else {"webgl_threshold": threshold}
                    if args.html:
                        html = path.with_suffix(".html")
                    else:
                        write_html(graph, html, layout=layout, **extra)
                    ranked = sorted(graph, key=lambda n: (-graph.degree(n), str(n)))
                    step = max(1, len(ranked) // args.queries)
                    queries = [str(graph.nodes[n].get("label") or n) for n in ranked[::step]]
                    if args.screenshot:
                        screenshots(browser, html, args.select or queries[0], args.screenshot)
                    got = time_map(browser, html, queries[: args.queries], args.repeat)
                    text = html.read_text(encoding="utf-8")
                    renderer = "webgl" if 'id="sigma-js"' in text else "vis"
                    print(f"{str(path)[-34:]:<34} {got['nodes']:>7,} {graph.number_of_edges():>8,}"
                          f" {renderer:>8} {got['ready']:>8.2f} {got['select']:>9.3f}"
                          f" {got['select_sync']:>7.3f} {got['reset']:>8.3f}"
                          f" {got['reset_sync']:>7.3f}", flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
