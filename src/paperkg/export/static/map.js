/* paperkg map, vis-network renderer (small maps). Every string from the input is
   inserted with textContent or as a vis-network option value, never parsed as HTML. */
(function () {
  "use strict";
  var UI = window.PaperkgUI;
  var data = JSON.parse(document.getElementById("paperkg-data").textContent);
  var FADED = "rgba(190,190,190,0.35)";

  var byId = new Map();
  var visNodes = data.nodes.map(function (n) {
    byId.set(n.id, n);
    var node = {
      id: n.id,
      label: n.label,
      value: n.value,
      font: { size: n.font },
      shape: n.kind === "paper" ? "diamond" : "dot",
      color: { background: n.color, border: n.border, highlight: { background: n.color, border: "#000" },
               hover: { background: n.color, border: "#000" } },
      title: UI.describe(n.info, false)
    };
    if (typeof n.x === "number" && typeof n.y === "number") { node.x = n.x; node.y = n.y; }
    return node;
  });
  var visEdges = data.edges.map(function (e, i) {
    var edge = { id: i, from: e.from, to: e.to };
    if (e.width) edge.width = e.width;
    if (e.title) edge.title = e.title;
    return edge;
  });
  var offById = new Map((data.offmap || []).map(function (n) { return [n.id, n]; }));

  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var container = document.getElementById("pk-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);

  var state = { highlighted: null, keep: null, hiddenGroups: new Set(), ready: false, fitScale: null };
  var LABEL_PX = 12;
  /* body[data-ready] lets tests and tools wait without evaluating code in the page */
  function markReady() {
    state.fitScale = network.getScale();
    fitLabels();
    state.ready = true;
    document.body.dataset.ready = "1";
  }

  /* Labels keep one on-screen size: tier 0 (the best-connected nodes) in the overview,
     tier 1 from twice that zoom, tier 2 from four times; during a highlight only the
     neighbourhood is labelled. */
  function labelSize(n, scale) {
    if (state.keep !== null) return state.keep.has(n.id) ? LABEL_PX / scale : 0;
    var zoom = state.fitScale ? scale / state.fitScale : 1;
    var tier = zoom >= 4 ? 2 : zoom >= 2 ? 1 : 0;
    return n.tier <= tier ? LABEL_PX / scale : 0;
  }
  function fitLabels() {
    var scale = network.getScale();
    if (!(scale > 0)) return;
    nodes.update(data.nodes.map(function (n) {
      n.font = labelSize(n, scale);
      return { id: n.id, font: { size: n.font } };
    }));
  }
  network.on("zoom", fitLabels);
  network.on("animationFinished", fitLabels);
  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.fit();
      network.once("afterDrawing", markReady);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", markReady);
    network.redraw();
  }
  UI.header(data);

  /* ---- legend and filters ---- */
  function applyFilters() {
    nodes.update(data.nodes.map(function (n) {
      return { id: n.id, hidden: state.hiddenGroups.has(n.filter) };
    }));
  }
  UI.legend(data, function (key, shown) {
    if (shown) state.hiddenGroups.delete(key); else state.hiddenGroups.add(key);
    applyFilters();
  });

  /* ---- neighbourhood highlight: faded nodes lose their labels ---- */
  function highlight(id) {
    var keep = new Set(network.getConnectedNodes(id));
    keep.add(id);
    state.keep = keep;
    var scale = network.getScale();
    nodes.update(data.nodes.map(function (n) {
      var on = keep.has(n.id);
      n.font = labelSize(n, scale);
      return { id: n.id,
               color: on ? { background: n.color, border: n.border } : { background: FADED, border: FADED },
               font: { size: n.font } };
    }));
    edges.update(data.edges.map(function (e, i) {
      var on = e.from === id || e.to === id;
      return { id: i, color: { color: on ? "#555" : FADED, opacity: on ? 1 : 0.25 } };
    }));
    state.highlighted = id;
    return keep.size - 1;
  }

  function resetHighlight() {
    if (state.highlighted === null) return;
    state.keep = null;
    var scale = network.getScale();
    nodes.update(data.nodes.map(function (n) {
      n.font = labelSize(n, scale);
      return { id: n.id, color: { background: n.color, border: n.border }, font: { size: n.font } };
    }));
    edges.update(data.edges.map(function (e, i) {
      return { id: i, color: { color: data.edgeColor, opacity: 1 } };
    }));
    state.highlighted = null;
  }

  function showDetails(id) {
    var neighbours = network.getConnectedNodes(id)
      .map(function (other) { return byId.get(other); })
      .filter(Boolean)
      .sort(function (a, b) { return b.value - a.value; });
    UI.details(byId.get(id), neighbours, select);
  }

  /* Select a drawn node: highlight, zoom to fit its neighbourhood, details. Returns the
     number of neighbours highlighted, or -1 for an unknown id. */
  function select(id) {
    var n = byId.get(id);
    if (!n) {
      if (offById.has(id)) { resetHighlight(); UI.offmapDetails(offById.get(id)); return 0; }
      return -1;
    }
    if (state.hiddenGroups.has(n.filter)) {
      state.hiddenGroups.delete(n.filter);
      UI.checkGroup(n.filter);
      applyFilters();
    }
    var count = highlight(id);
    network.selectNodes([id]);
    focusOn(id);
    showDetails(id);
    return count;
  }

  /* centre the node, zoomed so that its whole neighbourhood is in view */
  function focusOn(id) {
    var pos = network.getPositions(Array.from(state.keep));
    var c = pos[id], reach = 0;
    Object.keys(pos).forEach(function (k) {
      reach = Math.max(reach, Math.abs(pos[k].x - c.x), Math.abs(pos[k].y - c.y));
    });
    var box = container.getBoundingClientRect();
    var scale = reach > 0 ? Math.min(box.width, box.height) / 2 / (reach * 1.15) : 1.2;
    network.focus(id, { scale: Math.min(Math.max(scale, 0.05), 2), animation: { duration: 400 } });
  }

  function reset() {
    resetHighlight();
    network.unselectAll();
    UI.hideDetails();
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      highlight(params.nodes[0]);
      showDetails(params.nodes[0]);
    } else {
      reset();
    }
  });

  var search = UI.makeSearch(data.nodes, data.offmap);
  UI.searchBox(search, function (id) { return byId.get(id); },
               function (id) { return offById.get(id); }, select, reset);

  var hook = {
    get ready() { return state.ready; },
    network: network, nodes: nodes, edges: edges, state: state,
    search: search, highlight: highlight,
    count: function () { return data.nodes.length; },
    selected: function () { return network.getSelectedNodes(); },
    /* an id, or the best search hit for a text */
    select: function (text) {
      var id = byId.has(text) || offById.has(text) ? text : search(text)[0];
      return id === undefined ? -1 : select(id);
    },
    reset: reset,
    fit: function () { network.fit(); }
  };
  window.paperkg = hook;
})();
