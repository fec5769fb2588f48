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

  var state = { highlighted: null, hiddenGroups: new Set(), ready: false };
  /* body[data-ready] lets tests and tools wait without evaluating code in the page */
  function markReady() {
    fitLabels();
    state.ready = true;
    hook.ready = true;
    document.body.dataset.ready = "1";
  }

  /* Label sizes per tier are screen pixels at the fitted zoom: convert them with the
     real zoom now that the layout is final. */
  function fitLabels() {
    var scale = network.getScale();
    if (!(scale > 0)) return;
    data.nodes.forEach(function (n) {
      n.font = Math.round((data.tierPixels[n.tier] / scale) * 10) / 10;
    });
    nodes.update(data.nodes.map(function (n) { return { id: n.id, font: { size: n.font } }; }));
  }
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
    nodes.update(data.nodes.map(function (n) {
      var on = keep.has(n.id);
      return { id: n.id,
               color: on ? { background: n.color, border: n.border } : { background: FADED, border: FADED },
               font: { size: on ? n.font : 0 } };
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
    nodes.update(data.nodes.map(function (n) {
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
    network.focus(id, { scale: Math.max(network.getScale(), 1.2), animation: { duration: 400 } });
    showDetails(id);
    return count;
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
    ready: false, network: network, nodes: nodes, edges: edges, state: state,
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
