"""The HTML maps in a real browser: headless Debian Chromium driven by Playwright.

Every request that is not a local file is blocked and recorded, so a map that tried to
reach a CDN fails here. Set ``PAPERKG_REQUIRE_BROWSER=1`` (CI does) to turn a missing
browser into a failure instead of a skip; ``PAPERKG_UPDATE_SCREENSHOT=1`` saves the seed
map screenshots into ``docs/``.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest

from paperkg.export import export_all, read_graphml
from paperkg.export.html import write_html
from test_export import MALICIOUS, make_kg
from test_export_seed import SEEDS, seed_export

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PAPERKG_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 900}


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(
        CHROMIUM
    ):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _unavailable()
    if reason:
        if os.environ.get("PAPERKG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PAPERKG_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@dataclass
class MapPage:
    """An opened map and everything it tried to do."""

    page: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def node_count(self) -> int:
        return self.js("paperkg.count()")

    def selected(self) -> list[str]:
        return self.js("paperkg.selected()")

    def webgl(self) -> bool:
        return self.js("document.getElementById('sigma-js') !== null")

    def screen_point(self, node_id: str) -> tuple[float, float]:
        if self.webgl():
            point = self.js("id => paperkg.screenPoint(id)", node_id)
            return point["x"], point["y"]
        box = self.page.locator("#pk-network").bounding_box()
        point = self.js(
            "id => paperkg.network.canvasToDOM(paperkg.network.getPositions([id])[id])", node_id
        )
        return box["x"] + point["x"], box["y"] + point["y"]

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.blocked == [], self.blocked


@pytest.fixture
def open_map(browser):
    contexts = []

    def _open(path: Path) -> MapPage:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        result = MapPage(page)

        def on_console(message):
            if message.type == "error":
                result.errors.append(message.text)

        def on_dialog(dialog):
            result.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_route(route):
            url = route.request.url
            if url.startswith("file:"):
                route.continue_()
            else:
                result.blocked.append(url)
                route.abort()

        page.on("console", on_console)
        page.on("pageerror", lambda error: result.errors.append(f"pageerror: {error}"))
        page.on("dialog", on_dialog)
        context.route("**/*", on_route)
        start = time.perf_counter()
        page.goto(path.resolve().as_uri())
        # an attribute, not a JS predicate: the page's CSP forbids eval-based polling
        page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=120_000)
        result.seconds = time.perf_counter() - start
        return result

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def kg_maps(tmp_path_factory):
    kg = make_kg()
    outdir = tmp_path_factory.mktemp("maps")
    export_all(kg, outdir)
    return kg, outdir


def test_browser_map_draws_every_node_offline(open_map, kg_maps):
    kg, outdir = kg_maps
    for stem, graph in (("kg", kg.graph), ("papers", kg.paper_graph)):
        page = open_map(outdir / f"{stem}.html")
        assert page.node_count() == graph.number_of_nodes()
        assert page.js("paperkg.network.body.data.edges.length") == graph.number_of_edges()
        drawn = page.js("Object.keys(paperkg.network.getPositions()).length")
        assert drawn == graph.number_of_nodes()
        assert page.page.locator("#pk-legend-items li").count() >= 2
        page.assert_clean()


def test_browser_search_finds_node_by_alias_and_focuses_it(open_map, kg_maps):
    _, outdir = kg_maps
    page = open_map(outdir / "kg.html")
    search = page.page.locator("#pk-search")
    search.fill("Bidirectional Encoder")
    first = page.page.locator("#pk-results li").first
    assert "BERT" in first.inner_text()
    search.press("Enter")
    assert page.selected() == ["method:bert"]
    assert page.page.locator("#pk-details h3").inner_text() == "BERT"
    page.page.wait_for_timeout(700)  # the focus animation
    x, y = page.screen_point("method:bert")
    box = page.page.locator("#pk-network").bounding_box()
    assert abs(x - (box["x"] + box["width"] / 2)) < 5
    assert abs(y - (box["y"] + box["height"] / 2)) < 5
    search.fill("imagenet")
    search.press("Enter")
    assert page.selected() == ["dataset:imagenet"]
    page.assert_clean()


def test_browser_malicious_title_is_text_and_runs_nothing(open_map, kg_maps):
    _, outdir = kg_maps
    page = open_map(outdir / "kg.html")
    search = page.page.locator("#pk-search")
    search.fill("onerror")
    assert page.page.locator("#pk-results li").first.inner_text().endswith(MALICIOUS[:36])
    search.press("Enter")
    assert page.selected() == ["paper:2101.00000"]
    assert page.page.locator("#pk-details h3").inner_text() == MALICIOUS
    # hover the node: the tooltip shows the same text, as text
    page.js("paperkg.network.moveTo({scale: 1.5})")
    page.page.wait_for_timeout(100)
    page.page.mouse.move(*page.screen_point("paper:2101.00000"))
    tooltip = page.page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert MALICIOUS in tooltip.inner_text()
    assert page.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    search.fill("</script>")
    search.press("Enter")
    assert (
        page.page.locator("#pk-details h3")
        .inner_text()
        .endswith("</script><script>alert(2)</script>")
    )
    page.page.wait_for_timeout(300)
    page.assert_clean()  # no dialog ever opened


def test_browser_tooltip_links_are_real_links(open_map, kg_maps):
    _, outdir = kg_maps
    page = open_map(outdir / "kg.html")
    page.js("paperkg.select('paper:2101.00001')")
    links = page.page.locator("#pk-details .pk-links a")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs == {"https://arxiv.org/abs/2101.00001", "https://doi.org/10.1000/xyz123"}
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    page.js("paperkg.select('repo:huggingface-transformers')")
    assert page.page.locator("#pk-details .pk-links a").get_attribute("href") == (
        "https://github.com/huggingface/transformers"
    )
    page.assert_clean()


def test_browser_filter_hides_an_entity_type(open_map, kg_maps):
    kg, outdir = kg_maps
    page = open_map(outdir / "kg.html")
    hidden = "paperkg.nodes.get({filter: n => n.hidden === true}).map(n => n.id).sort()"
    page.page.locator('#pk-legend-items input[data-group="method"]').uncheck()
    methods = sorted(n for n, d in kg.graph.nodes(data=True) if d.get("type") == "method")
    assert page.js(hidden) == methods
    page.page.locator('#pk-legend-items input[data-group="method"]').check()
    assert page.js(hidden) == []
    page.assert_clean()


def test_browser_click_highlights_the_neighbourhood(open_map, kg_maps):
    kg, outdir = kg_maps
    page = open_map(outdir / "kg.html")
    target = "dataset:imagenet"
    page.js("id => paperkg.network.focus(id, {scale: 1.2})", target)
    page.page.mouse.click(*page.screen_point(target))
    assert page.selected() == [target]
    faded = page.js(
        "paperkg.nodes.get({filter: n => n.color && n.color.background !== undefined"
        " && n.color.background.startsWith('rgba(190')}).map(n => n.id)"
    )
    keep = set(kg.graph[target]) | {target}
    assert set(faded) == set(kg.graph) - keep
    box = page.page.locator("#pk-network").bounding_box()
    page.page.mouse.click(box["x"] + 5, box["y"] + 5)  # the background resets
    assert (
        page.js(
            "paperkg.nodes.get({filter: n => n.color.background.startsWith('rgba(190')}).length"
        )
        == 0
    )
    page.assert_clean()


def test_browser_large_graph_is_drawn_with_webgl(open_map, tmp_path):
    graph = nx.barabasi_albert_graph(5_000, 2, seed=7)
    nx.relabel_nodes(graph, {n: f"method:m{n}" for n in graph}, copy=False)
    for node in graph:
        graph.nodes[node].update(kind="entity", type="method", label=node[7:], name=node[7:])
    path = tmp_path / "large.html"
    start = time.perf_counter()
    write_html(graph, path)
    written = time.perf_counter() - start
    page = open_map(path)
    assert page.webgl() and page.js("paperkg.ready") is True
    assert page.node_count() == 5_000
    assert page.js("paperkg.select('method:m4999')") == graph.degree("method:m4999")
    assert page.selected() == ["method:m4999"]
    # the best hit for a text: the exact label
    hub = max(graph, key=graph.degree)
    assert page.js("t => paperkg.select(t)", hub[7:]) == graph.degree(hub)
    assert page.selected() == [hub]
    page.js("paperkg.reset()")
    assert page.selected() == []
    page.assert_clean()
    print(f"5,000-node map: written in {written:.1f}s, opened in {page.seconds:.1f}s")


def test_browser_capped_graph_keeps_papers_and_finds_what_is_not_drawn(open_map, tmp_path):
    kg = make_kg()
    path = tmp_path / "capped.html"
    write_html(kg.graph, path, max_nodes=8)
    page = open_map(path)
    assert page.node_count() == 8
    notice = page.page.locator("#pk-notice")
    assert notice.is_visible()
    assert "showing all 6 papers and the 2 most shared of 7 entities" in notice.inner_text()
    shared = dict(kg.graph.nodes(data="df"))
    dropped = min((n for n in kg.graph if shared.get(n) is not None), key=lambda n: (shared[n], n))
    label = kg.graph.nodes[dropped]["label"]
    search = page.page.locator("#pk-search")
    search.fill(label)
    first = page.page.locator("#pk-results li").first
    assert "not drawn on this map" in first.inner_text()
    search.press("Enter")
    assert "not drawn on this map" in page.page.locator("#pk-details").inner_text()
    assert page.selected() == []
    page.assert_clean()


def test_browser_hook_selects_by_text_and_resets(open_map, kg_maps):
    kg, outdir = kg_maps
    page = open_map(outdir / "kg.html")
    assert page.js("paperkg.ready") is True
    assert page.js("paperkg.select('Bidirectional Encoder')") == kg.graph.degree("method:bert")
    assert page.selected() == ["method:bert"]
    assert page.js("paperkg.select('no such thing at all')") == -1
    page.page.keyboard.press("Escape")
    assert page.selected() == []
    assert page.page.locator("#pk-details").is_hidden()
    page.assert_clean()


@pytest.fixture(scope="module")
def webgl_map(tmp_path_factory):
    """The small test graph drawn by the WebGL renderer (forced), as big maps are."""
    kg = make_kg()
    path = tmp_path_factory.mktemp("webgl") / "kg.html"
    write_html(kg.graph, path, webgl_threshold=0)
    return kg, path


def test_browser_webgl_map_search_alias_details_and_links(open_map, webgl_map):
    kg, path = webgl_map
    page = open_map(path)
    assert page.webgl() and page.node_count() == kg.graph.number_of_nodes()
    search = page.page.locator("#pk-search")
    search.fill("Bidirectional Encoder")
    assert "BERT" in page.page.locator("#pk-results li").first.inner_text()
    search.press("Enter")
    assert page.selected() == ["method:bert"]
    assert page.page.locator("#pk-details h3").inner_text() == "BERT"
    assert page.page.locator("#pk-details").is_visible()
    page.js("paperkg.select('paper:2101.00001')")
    links = page.page.locator("#pk-details .pk-links a")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs == {"https://arxiv.org/abs/2101.00001", "https://doi.org/10.1000/xyz123"}
    page.page.keyboard.press("Escape")
    assert page.selected() == [] and page.page.locator("#pk-details").is_hidden()
    page.assert_clean()


def test_browser_webgl_map_thins_links_says_so_and_draws_all_of_a_selection(
        open_map, tmp_path, monkeypatch):
    from paperkg.export import mapdata

    kg = make_kg()
    monkeypatch.setattr(mapdata, "EDGE_BUDGET", 5)
    path = tmp_path / "thin.html"
    write_html(kg.graph, path, webgl_threshold=0)
    page = open_map(path)
    notice = page.page.locator("#pk-notice")
    assert notice.is_visible()
    assert "strongest link" in notice.inner_text()
    assert "a selected node shows all of its links" in notice.inner_text()
    assert page.js("paperkg.graph.size") < kg.graph.number_of_edges()
    hub = max(kg.graph, key=lambda n: (kg.graph.degree(n), n))
    assert page.js("id => paperkg.select(id)", hub) == kg.graph.degree(hub)
    # the selection's overlay draws every link of the node, drawn or not on the map
    drawn = page.js("paperkg.focus.edges().map(e => paperkg.focus.extremities(e).sort().join(' '))")
    assert sorted(drawn) == sorted(" ".join(sorted((hub, other))) for other in kg.graph[hub])
    assert page.js("paperkg.focus.order") == kg.graph.degree(hub) + 1
    # ... at the map's place: it follows the map's camera to the neighbourhood
    page.page.wait_for_timeout(500)
    camera = "r => { const s = r.getCamera().getState(); return [s.x, s.y, s.ratio]; }"
    main = page.js(f"({camera})(paperkg.renderer)")
    assert main != [0.5, 0.5, 1] and page.js(f"({camera})(paperkg.overlay)") == main
    page.page.keyboard.press("Escape")
    assert page.selected() == [] and page.js("paperkg.focus.order") == 0
    page.assert_clean()


def test_browser_webgl_map_malicious_text_in_tooltip_runs_nothing(open_map, webgl_map):
    _, path = webgl_map
    page = open_map(path)
    page.js("paperkg.select('paper:2101.00000')")
    assert page.page.locator("#pk-details h3").inner_text() == MALICIOUS
    page.page.wait_for_timeout(500)  # the camera settles on the neighbourhood
    page.page.mouse.move(*page.screen_point("paper:2101.00000"))
    tooltip = page.page.locator("#pk-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert MALICIOUS in tooltip.inner_text()
    assert page.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    page.assert_clean()


def test_browser_webgl_map_filters_views_and_min_papers(open_map, webgl_map):
    kg, path = webgl_map
    page = open_map(path)
    hidden = ("() => paperkg.graph.nodes().filter("
              "id => paperkg.renderer.getNodeDisplayData(id).hidden).sort()")
    page.page.locator('#pk-legend-items input[data-group="method"]').uncheck()
    methods = sorted(n for n, d in kg.graph.nodes(data=True) if d.get("type") == "method")
    assert page.js(hidden) == methods
    page.page.locator('#pk-legend-items input[data-group="method"]').check()
    assert page.js(hidden) == []
    # entities in fewer papers than the slider says are hidden
    slider = page.page.locator("#pk-min-papers")
    slider.fill("2")
    rare = sorted(n for n, d in kg.graph.nodes(data=True)
                  if d.get("kind") == "entity" and int(d["df"]) < 2)
    assert rare and page.js(hidden) == rare
    slider.fill("1")
    # colour by year: papers of different years get different colours
    colour = "id => paperkg.graph.getNodeAttribute(id, 'color')"
    before = page.js(colour, "paper:2101.00000")
    page.page.locator("#pk-color-by").select_option("year")
    years = {page.js(colour, n) for n, d in kg.graph.nodes(data=True) if d["kind"] == "paper"}
    assert len(years) == 5 and page.js(colour, "paper:2101.00000") != before
    assert page.page.locator("#pk-scale li").count() == 6  # five years and "no year"
    page.assert_clean()


# --------------------------------------------------------------------------- the seed map
@pytest.fixture(scope="module")
def seed_maps():
    if not SEEDS.is_dir():
        pytest.skip("no seeds/ directory")
    return seed_export()[1]  # built once per run, shared with test_export_seed


@pytest.mark.parametrize("stem", ["kg", "papers"])
def test_browser_seed_map(open_map, seed_maps, stem, tmp_path):
    graph = read_graphml(seed_maps / f"{stem}.graphml")
    page = open_map(seed_maps / f"{stem}.html")
    assert page.node_count() == graph.number_of_nodes()
    # a known node: the best-connected entity (kg) or paper (papers), found by its label
    hub = max(graph, key=lambda n: (graph.degree(n), n))
    label = graph.nodes[hub]["label"]
    page.page.locator("#pk-search").fill(label)
    page.page.locator("#pk-search").press("Enter")
    assert page.selected() == [hub]
    page.page.locator("#pk-search").fill("")
    page.js("paperkg.reset(); paperkg.fit()")
    assert page.selected() == [] and page.page.locator("#pk-details").is_hidden()
    page.page.wait_for_timeout(300)
    page.assert_clean()
    shot = tmp_path / f"{stem}.png"
    page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    if os.environ.get("PAPERKG_UPDATE_SCREENSHOT") == "1":
        name = "seed-map.png" if stem == "kg" else "seed-papers.png"
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / name)
    print(f"seed {stem}.html: {page.node_count()} nodes, opened in {page.seconds:.1f}s")


def test_browser_vis_map_without_physics_becomes_ready(open_map, tmp_path):
    # drawn at once (no stabilisation): ready must not wait for code defined later
    kg = make_kg()
    path = tmp_path / "fixed.html"
    write_html(kg.graph, path, physics_threshold=5)
    page = open_map(path)
    assert page.js("paperkg.ready") is True and not page.webgl()
    assert page.js("paperkg.select('imagenet')") == kg.graph.degree("dataset:imagenet")
    page.assert_clean()
