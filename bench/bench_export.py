"""Export benchmark: time every exporter, and optionally opening the HTML map in Chromium.

Builds synthetic knowledge graphs in the graph stage's schema (papers mentioning
entities with a skewed popularity, a paper-paper projection), then times the layout,
GraphML, GEXF, node-link JSON, CSV and HTML writers on the paper-entity graph, and with
``--browser`` the time until the map has drawn in headless Chromium (every non-file
request blocked). Prints one row per size; no thresholds.

Usage::

    python bench/bench_export.py                        # 1,000 / 5,000 / 20,000 nodes
    python bench/bench_export.py --nodes 5000 --browser
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from paperkg.export import (
    compute_layout,
    write_csv_tables,
    write_gexf,
    write_graphml,
    write_node_link_json,
)
from paperkg.export.html import write_html

TYPES = ("method", "dataset", "repo", "math")


def synthetic_kg(n_nodes: int, seed: int = 0) -> nx.Graph:
    """About ``n_nodes`` nodes: 1/4 papers, 3/4 entities, Zipf-like entity popularity."""
    rng = random.Random(seed)
    n_papers = max(1, n_nodes // 4)
    n_entities = n_nodes - n_papers
    graph = nx.Graph()
    weights = [1.0 / (rank + 1) for rank in range(n_entities)]
    entities = []
    for i in range(n_entities):
        etype = TYPES[i % len(TYPES)]
        nid = f"{etype}:e{i}"
        entities.append(nid)
        graph.add_node(
            nid,
            id=nid,
            kind="entity",
            label=f"entity {i}",
            type=etype,
            name=f"entity {i}",
            aliases=[f"e{i}"],
            df=0,
        )
    for p in range(n_papers):
        pid = f"paper:p{p}"
        graph.add_node(
            pid,
            id=pid,
            kind="paper",
            label=f"Paper {p}",
            title=f"Paper {p}",
            abstract="An abstract. " * 40,
            year=2020 + p % 5,
            arxiv_id=f"2101.{p:05d}",
            sources=["bench"],
            n_entities=6,
            community=p % 12,
        )
        for nid in set(rng.choices(entities, weights=weights, k=6)):
            graph.add_edge(pid, nid, kind="mentions", mentions=1, field="abstract", start=0, end=5)
    for nid in entities:
        graph.nodes[nid]["df"] = graph.degree(nid)
    return graph


def time_writers(graph: nx.Graph, layout: dict, out: Path) -> dict[str, float]:
    """Seconds taken by each writer on ``graph`` (sharing one layout)."""
    steps = [
        ("graphml", write_graphml, (graph, out / "kg.graphml"), {"layout": layout}),
        ("gexf", write_gexf, (graph, out / "kg.gexf"), {"layout": layout}),
        ("json", write_node_link_json, (graph, out / "kg.json"), {}),
        ("csv", write_csv_tables, (graph, out / "n.csv", out / "e.csv"), {"layout": layout}),
        ("html", write_html, (graph, out / "kg.html"), {"layout": layout}),
    ]
    times = {}
    for name, writer, args, kwargs in steps:
        start = time.perf_counter()
        writer(*args, **kwargs)
        times[name] = time.perf_counter() - start
    return times


def open_in_browser(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        start = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=600_000)
        seconds = time.perf_counter() - start
        browser.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--browser", action="store_true", help="also time opening the map")
    args = parser.parse_args(argv)
    header = (
        f"{'nodes':>7} {'edges':>7} {'layout':>7} {'graphml':>8} {'gexf':>6} "
        f"{'json':>6} {'csv':>6} {'html':>6} {'MB':>6}" + (f" {'open':>6}" if args.browser else "")
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for n in args.nodes:
            graph = synthetic_kg(n)
            times = {}
            start = time.perf_counter()
            layout = compute_layout(graph)
            times["layout"] = time.perf_counter() - start
            times.update(time_writers(graph, layout, out))
            size = (out / "kg.html").stat().st_size / 1e6
            row = (
                f"{graph.number_of_nodes():>7} {graph.number_of_edges():>7} "
                f"{times['layout']:>6.2f}s {times['graphml']:>7.2f}s {times['gexf']:>5.2f}s "
                f"{times['json']:>5.2f}s {times['csv']:>5.2f}s {times['html']:>5.2f}s "
                f"{size:>6.1f}"
            )
            if args.browser:
                row += f" {open_in_browser(out / 'kg.html'):>5.2f}s"
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
