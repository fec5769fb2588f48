/* paperkg map, WebGL renderer (sigma.js + graphology) for large maps. Labels keep one
   on-screen size and appear biggest-first as you zoom; links beyond the budget are drawn
   only for a selected node. A selection is drawn by a second, small sigma over the map
   (the node, its neighbours and all their links) while CSS fades the map below: select
   and reset touch only that neighbourhood, never the whole map's buffers.
   Every string from the input is inserted with textContent. */
(function () {
  "use strict";
  var UI = window.PaperkgUI;
  var GL = window.PaperkgGL;
  var data = JSON.parse(document.getElementById("paperkg-data").textContent);
  var LINK = "rgba(150,150,150,0.35)";
  var LINK_ON = "rgba(60,60,60,0.7)";
  var NO_VALUE = "#cfcfcf";
  /* viridis, 5 stops */
  var SCALE = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

  var nodes = data.nodes;
  var n = nodes.length;
  var byId = new Map();
  nodes.forEach(function (node, i) { node.index = i; byId.set(node.id, node); });
  var offById = new Map((data.offmap || []).map(function (o) { return [o.id, o]; }));

  /* full adjacency (every link), for neighbourhoods and the details panel */
  var links = data.links;
  var adjacency = nodes.map(function () { return []; });
  links.forEach(function (link, k) { adjacency[link[0]].push(k); adjacency[link[1]].push(k); });
  var budget = Math.min(links.length, data.edgeBudget);

  var graph = new GL.Graph({ type: "undirected", multi: true, allowSelfLoops: false });
  nodes.forEach(function (node) {
    graph.addNode(node.id, { x: node.x, y: -node.y, size: 2, color: node.color, label: node.label });
  });
  for (var k = 0; k < budget; k++) {
    graph.addEdgeWithKey("e" + k, nodes[links[k][0]].id, nodes[links[k][1]].id,
                         { size: 0.4 + 1.6 * links[k][2], color: LINK });
  }
  /* the selection: its node, the neighbours and every link of the node, whatever the budget */
  var focus = new GL.Graph({ type: "undirected", multi: true, allowSelfLoops: false });

  var state = {
    selected: null, neighbours: new Set(), hiddenGroups: new Set(), minPapers: 1,
    colorBy: "default", sizeBy: "degree"
  };

  function hidden(node) {
    if (state.hiddenGroups.has(node.filter)) return true;
    return node.kind === "entity" && (node.papers || 0) < state.minPapers;
  }

  var renderer = null;
  var overlay = null;

  /* ---- views: colour and size ---- */
  function lerpColor(t) {
    var x = Math.max(0, Math.min(1, t)) * (SCALE.length - 1);
    var i = Math.min(Math.floor(x), SCALE.length - 2);
    var f = x - i;
    var c = SCALE[i].map(function (v, j) { return Math.round(v + (SCALE[i + 1][j] - v) * f); });
    return "rgb(" + c.join(",") + ")";
  }
  /* entities take the most common community and the mean year of their papers */
  var derived = nodes.map(function (node) {
    if (node.kind === "paper") return { community: node.community, year: node.year };
    var votes = new Map(), years = 0, counted = 0;
    adjacency[node.index].forEach(function (k) {
      var other = nodes[links[k][0] === node.index ? links[k][1] : links[k][0]];
      if (other.community !== null && other.community !== undefined) {
        votes.set(other.community, (votes.get(other.community) || 0) + 1);
      }
      if (typeof other.year === "number") { years += other.year; counted++; }
    });
    var best = null, most = 0;
    votes.forEach(function (count, c) { if (count > most || (count === most && c < best)) { best = c; most = count; } });
    return { community: best, year: counted ? years / counted : null };
  });
  var years = nodes.filter(function (node) { return typeof node.year === "number"; })
    .map(function (node) { return node.year; });
  var yearMin = Math.min.apply(null, years.length ? years : [0]);
  var yearMax = Math.max.apply(null, years.length ? years : [0]);

  function colorOf(node) {
    var d = derived[node.index];
    if (state.colorBy === "community") {
      return d.community === null || d.community === undefined ? NO_VALUE
        : data.palette.communities[d.community % data.palette.communities.length];
    }
    if (state.colorBy === "type") {
      return node.kind === "paper" ? data.palette.paper : data.palette.types[node.kindLabel] || data.palette.other;
    }
    if (state.colorBy === "year") {
      return d.year === null ? NO_VALUE : lerpColor(yearMax > yearMin ? (d.year - yearMin) / (yearMax - yearMin) : 0.5);
    }
    return node.color;
  }
  function sizeOf(node, top, base) {
    var v = state.sizeBy === "papers" ? (node.kind === "paper" ? 1 : node.papers || 1) : node.value;
    return base + base * 5 * Math.sqrt(v / top);
  }
  function applyView() {
    var top = 1;
    nodes.forEach(function (node) {
      var v = state.sizeBy === "papers" ? (node.papers || 1) : node.value;
      if (v > top) top = v;
    });
    var base = n > 5000 ? 1.5 : n > 1500 ? 2 : 3;
    graph.updateEachNodeAttributes(function (id, attrs) {
      var node = byId.get(id);
      attrs.color = colorOf(node);
      attrs.size = sizeOf(node, top, base);
      return attrs;
    }, { attributes: ["color", "size"] });
    drawScale();
  }

  function drawScale() {
    var box = document.getElementById("pk-scale");
    box.replaceChildren();
    if (state.colorBy !== "year" || !years.length) return;
    for (var i = 0; i < 5; i++) {
      var li = UI.el("li");
      var swatch = UI.el("span", "pk-swatch");
      swatch.style.background = lerpColor(i / 4);
      li.appendChild(swatch);
      li.appendChild(UI.el("span", null, Math.round(yearMin + (yearMax - yearMin) * i / 4)));
      box.appendChild(li);
    }
    var none = UI.el("li");
    var grey = UI.el("span", "pk-swatch");
    grey.style.background = NO_VALUE;
    none.appendChild(grey);
    none.appendChild(UI.el("span", null, "no year"));
    box.appendChild(none);
  }

  function views() {
    var color = document.getElementById("pk-color-by");
    var size = document.getElementById("pk-size-by");
    var hasEntities = nodes.some(function (node) { return node.kind === "entity"; });
    var hasCommunity = nodes.some(function (node) { return node.community !== null && node.community !== undefined; });
    var options = [["default", hasEntities ? "type (papers: community)" : "community"]];
    if (hasEntities && hasCommunity) options.push(["community", "community"]);
    if (hasEntities) options.push(["type", "entity type"]);
    if (years.length) options.push(["year", "year"]);
    options.forEach(function (o) { var opt = UI.el("option", null, o[1]); opt.value = o[0]; color.appendChild(opt); });
    [["degree", "links"]].concat(hasEntities ? [["papers", "papers (entities)"]] : []).forEach(function (o) {
      var opt = UI.el("option", null, o[1]); opt.value = o[0]; size.appendChild(opt);
    });
    color.addEventListener("change", function () { state.colorBy = color.value; applyView(); redraw(); });
    size.addEventListener("change", function () { state.sizeBy = size.value; applyView(); redraw(); });
    if (hasEntities) {
      var most = 1;
      nodes.forEach(function (node) { if (node.kind === "entity" && node.papers > most) most = node.papers; });
      var slider = document.getElementById("pk-min-papers");
      slider.max = String(Math.min(most, 50));
      slider.addEventListener("input", function () {
        state.minPapers = Number(slider.value);
        document.getElementById("pk-min-papers-out").textContent = slider.value;
        redraw();
      });
      document.getElementById("pk-min-papers-box").hidden = false;
    }
    document.getElementById("pk-views").hidden = false;
  }

  /* ---- selection ---- */
  function neighbourIndices(i) {
    return adjacency[i].map(function (k) { return links[k][0] === i ? links[k][1] : links[k][0]; });
  }
  /* the whole map again (views, filters), and the selection drawn over it */
  function redraw() {
    renderer.refresh();
    if (state.selected !== null) highlight(state.selected);
  }
  function highlight(id) {
    var node = byId.get(id);
    state.selected = id;
    state.neighbours = new Set(neighbourIndices(node.index).map(function (j) { return nodes[j].id; }));
    var shown = [{ key: id, attributes: Object.assign({}, graph.getNodeAttributes(id),
                                                      { zIndex: 2, forceLabel: true, highlighted: true }) }];
    state.neighbours.forEach(function (other) {
      if (!hidden(byId.get(other))) {
        shown.push({ key: other, attributes: Object.assign({}, graph.getNodeAttributes(other), { zIndex: 1 }) });
      }
    });
    var drawn = new Set(shown.map(function (s) { return s.key; }));
    var edges = [];
    adjacency[node.index].forEach(function (k) {
      var a = nodes[links[k][0]].id, b = nodes[links[k][1]].id;
      if (drawn.has(a) && drawn.has(b)) {
        edges.push({ key: "e" + k, source: a, target: b,
                     attributes: { size: 0.4 + 1.6 * links[k][2], color: LINK_ON } });
      }
    });
    focus.clear();
    focus.import({ nodes: shown, edges: edges });
    overlay.setCustomBBox(renderer.getBBox());
    overlay.getCamera().setState(renderer.getCamera().getState());
    document.getElementById("pk-network").classList.add("pk-focused");
    return state.neighbours.size;
  }
  function fitTo(ids) {
    var xs = [], ys = [];
    ids.forEach(function (id) {
      var d = renderer.getNodeDisplayData(id);
      if (d) { xs.push(d.x); ys.push(d.y); }
    });
    if (!xs.length) return;
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var ratio = Math.min(Math.max(Math.max(x1 - x0, y1 - y0) * 1.3, 0.04), 1.2);
    /* the details panel covers the map's right side: centre the neighbourhood left of it */
    var map = document.getElementById("pk-network").getBoundingClientRect();
    var panel = document.getElementById("pk-details").getBoundingClientRect();
    var shift = panel.width > 0 ? (panel.width / 2) * ratio / Math.min(map.width, map.height) : 0;
    ratio *= map.width > panel.width ? map.width / (map.width - panel.width) : 1;
    renderer.getCamera().animate({ x: (x0 + x1) / 2 + shift, y: (y0 + y1) / 2, ratio: Math.min(ratio, 1.5) },
                                 { duration: 300 });
  }
  function details(id) {
    var node = byId.get(id);
    var neighbours = neighbourIndices(node.index).map(function (j) { return nodes[j]; })
      .sort(function (a, b) { return b.value - a.value; });
    UI.details(node, neighbours, select);
  }
  function select(id) {
    var node = byId.get(id);
    var unhid = false;
    if (!node) {
      if (offById.has(id)) { reset(); UI.offmapDetails(offById.get(id)); return 0; }
      return -1;
    }
    if (hidden(node)) {
      unhid = true;
      state.hiddenGroups.delete(node.filter);
      UI.checkGroup(node.filter);
      if (node.kind === "entity" && node.papers < state.minPapers) {
        state.minPapers = 1;
        document.getElementById("pk-min-papers").value = "1";
        document.getElementById("pk-min-papers-out").textContent = "1";
      }
    }
    if (unhid) renderer.refresh();
    var count = highlight(id);
    details(id);
    fitTo([id].concat(Array.from(state.neighbours)));
    return count;
  }
  function reset() {
    if (state.selected !== null) {
      state.selected = null;
      state.neighbours = new Set();
      document.getElementById("pk-network").classList.remove("pk-focused");
      focus.clear();
      renderer.scheduleRender();
    }
    UI.hideDetails();
  }

  UI.header(data);
  if (links.length > budget) {
    var notice = document.getElementById("pk-notice");
    var rule = data.edgePerNode === 1 ? "each node's strongest link"
      : data.edgePerNode > 1 ? "each node's " + data.edgePerNode + " strongest links" : "the strongest links";
    notice.textContent = (notice.textContent ? notice.textContent + " " : "") +
      "Drawing " + rule + " (" + budget.toLocaleString("en") + " of " + links.length.toLocaleString("en") +
      " links); a selected node shows all of its links.";
    notice.hidden = false;
    document.body.classList.add("pk-has-notice");
  }
  views();
  applyView();
  var settings = {
    renderEdgeLabels: false,
    enableEdgeEvents: false,
    /* 1-px lines and point sprites: a fraction of the work of sigma's default quads and
       triangles where WebGL runs in software (a frame at 20,000 papers: 0.1 s, not 1 s) */
    defaultEdgeType: "line",
    edgeProgramClasses: { line: GL.EdgeLineProgram },
    defaultNodeType: "point",
    nodeProgramClasses: { point: GL.NodePointProgram },
    hideEdgesOnMove: budget > 20000,
    zIndex: true,
    labelSize: 12,
    labelFont: "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif",
    labelColor: { color: "#222" },
    labelDensity: 0.6,
    labelGridCellSize: 90,
    labelRenderedSizeThreshold: 4,
    minCameraRatio: 0.02,
    maxCameraRatio: 3,
    stagePadding: 24,
    /* the map itself only hides what the filters hide; a selection never touches it */
    nodeReducer: function (id, attrs) {
      if (hidden(byId.get(id))) attrs.hidden = true;
      return attrs;
    }
  };
  renderer = new GL.Sigma(graph, document.getElementById("pk-network"), settings);
  var focusBox = document.createElement("div");
  focusBox.id = "pk-focus";
  document.getElementById("pk-network").appendChild(focusBox);
  overlay = new GL.Sigma(focus, focusBox, Object.assign({}, settings, {
    nodeReducer: null, hideEdgesOnMove: false, allowInvalidContainer: true
  }));
  /* while a selection is shown the map's links are hidden: skip drawing them (in software
     WebGL 15,000 links cost most of a frame once zoomed in) and draw them again on reset */
  Object.keys(renderer.edgePrograms).forEach(function (type) {
    var program = renderer.edgePrograms[type];
    var draw = program.render.bind(program);
    program.render = function (params) { if (state.selected === null) draw(params); };
  });
  /* the overlay follows the map's camera (it takes no input: pointer events go through) */
  renderer.getCamera().on("updated", function (s) {
    if (state.selected !== null) overlay.getCamera().setState(s);
  });

  /* ---- tooltip ---- */
  var tooltip = document.getElementById("pk-tooltip");
  renderer.on("enterNode", function (e) {
    var node = byId.get(e.node);
    tooltip.replaceChildren(UI.describe(node.info, false));
    var box = document.getElementById("pk-network");
    tooltip.style.left = Math.min(e.event.x + 14, box.clientWidth - 260) + "px";
    tooltip.style.top = (e.event.y + 14) + "px";
    tooltip.hidden = false;
  });
  renderer.on("leaveNode", function () { tooltip.hidden = true; });
  renderer.on("clickNode", function (e) { select(e.node); });
  renderer.on("clickStage", reset);

  UI.legend(data, function (key, shown) {
    if (shown) state.hiddenGroups.delete(key); else state.hiddenGroups.add(key);
    redraw();
  });
  var search = UI.makeSearch(nodes, data.offmap);
  UI.searchBox(search, function (id) { return byId.get(id); },
               function (id) { return offById.get(id); }, select, reset);

  var hook = {
    ready: false, renderer: renderer, graph: graph, state: state, search: search,
    overlay: overlay, focus: focus,
    count: function () { return graph.order; },
    selected: function () { return state.selected === null ? [] : [state.selected]; },
    /* an id, or the best search hit for a text */
    select: function (text) {
      var id = byId.has(text) || offById.has(text) ? text : search(text)[0];
      return id === undefined ? -1 : select(id);
    },
    reset: reset,
    fit: function () { renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 }); },
    /* the node's position in CSS pixels of the page, for tests */
    screenPoint: function (id) {
      var d = renderer.getNodeDisplayData(id);
      var p = renderer.framedGraphToViewport(d);
      var r = document.getElementById("pk-network").getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }
  };
  window.paperkg = hook;
  requestAnimationFrame(function () {
    hook.ready = true;
    document.body.dataset.ready = "1";
  });
})();
