/* paperkg interactive map. Every string from the input is inserted with textContent
   or as a vis-network option value, never parsed as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("paperkg-data").textContent);
  var FADED = "rgba(190,190,190,0.35)";
  var FADED_FONT = "rgba(120,120,120,0.35)";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeHref(href) {
    return typeof href === "string" && /^https?:\/\/[^\s"'<>`]+$/i.test(href) ? href : null;
  }

  function linkList(info) {
    var box = el("div", "pk-links");
    (info.links || []).forEach(function (link) {
      var href = safeHref(link.href);
      if (!href) return;
      var a = el("a", null, link.label);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      box.appendChild(a);
    });
    return box;
  }

  function describe(info, full) {
    var box = el("div", "pk-tip");
    box.appendChild(el("h3", null, info.heading));
    if (info.meta) box.appendChild(el("p", "pk-meta", info.meta));
    if (info.abstract) box.appendChild(el("p", "pk-abstract", info.abstract));
    if (info.aliases && info.aliases.length) {
      box.appendChild(el("p", "pk-aliases", "Also: " + info.aliases.join(", ")));
    }
    if (full || (info.links && info.links.length)) box.appendChild(linkList(info));
    return box;
  }

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
      title: describe(n.info, false)
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

  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var container = document.getElementById("pk-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);

  var state = { highlighted: null, hiddenGroups: new Set(), ready: false };
  /* body[data-ready] lets tests and tools wait without evaluating code in the page */
  function markReady() {
    fitLabels();
    state.ready = true;
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

  document.getElementById("pk-stats").textContent =
    data.stats.nodes.toLocaleString("en") + " nodes · " + data.stats.edges.toLocaleString("en") + " edges";
  if (data.notice) {
    var notice = document.getElementById("pk-notice");
    notice.textContent = data.notice;
    notice.hidden = false;
    document.body.classList.add("pk-has-notice");
  }

  /* ---- legend and filters ---- */
  function applyFilters() {
    var updates = [];
    data.nodes.forEach(function (n) {
      updates.push({ id: n.id, hidden: state.hiddenGroups.has(n.filter) });
    });
    nodes.update(updates);
  }

  var legend = document.getElementById("pk-legend-items");
  data.legend.forEach(function (item) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.group = item.key;
    box.addEventListener("change", function () {
      if (box.checked) state.hiddenGroups.delete(item.key); else state.hiddenGroups.add(item.key);
      applyFilters();
    });
    var swatch = el("span", "pk-swatch" + (item.shape === "diamond" ? " pk-square" : ""));
    swatch.style.background = item.color;
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(el("span", null, item.label));
    label.appendChild(el("span", "pk-count", item.count));
    li.appendChild(label);
    legend.appendChild(li);
  });
  var sub = document.getElementById("pk-legend-sub");
  (data.sublegend || []).forEach(function (item) {
    var li = el("li");
    var swatch = el("span", "pk-swatch pk-square");
    swatch.style.background = item.color;
    li.appendChild(swatch);
    li.appendChild(el("span", null, item.label));
    li.appendChild(el("span", "pk-count", item.count));
    sub.appendChild(li);
  });

  /* ---- neighbourhood highlight ---- */
  function highlight(id) {
    var keep = new Set(network.getConnectedNodes(id));
    keep.add(id);
    var nodeUpdates = data.nodes.map(function (n) {
      var on = keep.has(n.id);
      return { id: n.id,
               color: on ? { background: n.color, border: n.border } : { background: FADED, border: FADED },
               font: { size: n.font, color: on ? "#222" : FADED_FONT } };
    });
    nodes.update(nodeUpdates);
    var edgeUpdates = data.edges.map(function (e, i) {
      var on = e.from === id || e.to === id;
      return { id: i, color: { color: on ? "#555" : FADED, opacity: on ? 1 : 0.25 } };
    });
    edges.update(edgeUpdates);
    state.highlighted = id;
  }

  function resetHighlight() {
    if (state.highlighted === null) return;
    nodes.update(data.nodes.map(function (n) {
      return { id: n.id, color: { background: n.color, border: n.border },
               font: { size: n.font, color: "#222" } };
    }));
    edges.update(data.edges.map(function (e, i) {
      return { id: i, color: { color: data.edgeColor, opacity: 1 } };
    }));
    state.highlighted = null;
  }

  /* ---- details panel ---- */
  var details = document.getElementById("pk-details");
  function showDetails(id) {
    var n = byId.get(id);
    details.replaceChildren();
    if (!n) { details.hidden = true; return; }
    details.appendChild(describe(n.info, true));
    var neighbours = network.getConnectedNodes(id)
      .map(function (other) { return byId.get(other); })
      .filter(Boolean)
      .sort(function (a, b) { return b.value - a.value; });
    if (neighbours.length) {
      details.appendChild(el("p", "pk-meta", neighbours.length + " neighbours"));
      var list = el("ul", "pk-neigh");
      neighbours.slice(0, 40).forEach(function (other) {
        var li = el("li");
        var a = el("a", null, other.label);
        a.addEventListener("click", function () { select(other.id); });
        li.appendChild(a);
        list.appendChild(li);
      });
      details.appendChild(list);
    }
    details.hidden = false;
  }

  function select(id) {
    var n = byId.get(id);
    if (!n) return false;
    if (state.hiddenGroups.has(n.filter)) {
      state.hiddenGroups.delete(n.filter);
      document.querySelectorAll("#pk-legend-items input").forEach(function (box) {
        if (box.dataset.group === n.filter) box.checked = true;
      });
      applyFilters();
    }
    highlight(id);
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.2), animation: { duration: 400 } });
    showDetails(id);
    return true;
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      highlight(params.nodes[0]);
      showDetails(params.nodes[0]);
    } else {
      resetHighlight();
      details.hidden = true;
    }
  });

  /* ---- search ---- */
  var haystack = data.nodes.map(function (n) {
    return { id: n.id, keys: n.search.map(function (s) { return s.toLowerCase(); }) };
  });

  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) return [];
    var scored = [];
    haystack.forEach(function (h) {
      var best = 9;
      h.keys.forEach(function (key, k) {
        var rank = key === q ? 0 : key.indexOf(q) === 0 ? 1 : key.indexOf(q) > 0 ? 2 : 9;
        if (rank < 9 && k > 0) rank += 0.5;  /* the label beats an alias */
        if (rank < best) best = rank;
      });
      if (best < 9) scored.push([best, -byId.get(h.id).value, h.id]);
    });
    scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : 1); });
    return scored.map(function (s) { return s[2]; });
  }

  var input = document.getElementById("pk-search");
  var results = document.getElementById("pk-results");
  var current = [];
  function closeResults() { results.hidden = true; results.replaceChildren(); }
  function renderResults() {
    current = search(input.value).slice(0, 12);
    results.replaceChildren();
    if (!current.length) {
      if (input.value.trim()) { results.appendChild(el("li", "pk-kind", "no match")); results.hidden = false; }
      else closeResults();
      return;
    }
    current.forEach(function (id, i) {
      var n = byId.get(id);
      var li = el("li", i === 0 ? "active" : null);
      li.setAttribute("role", "option");
      li.dataset.id = id;
      li.appendChild(el("span", "pk-kind", n.kindLabel));
      li.appendChild(el("span", null, n.label));
      var q = input.value.trim().toLowerCase();
      var alias = (n.info.aliases || []).filter(function (a) { return a.toLowerCase().indexOf(q) >= 0; })[0];
      if (alias && n.label.toLowerCase().indexOf(q) < 0) li.appendChild(el("span", "pk-alias", "(" + alias + ")"));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); select(id); closeResults(); });
      results.appendChild(li);
    });
    results.hidden = false;
  }
  input.addEventListener("input", renderResults);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var hits = current.length ? current : search(input.value);
      if (hits.length) select(hits[0]);
      closeResults();
    } else if (ev.key === "Escape") {
      closeResults();
    }
  });
  input.addEventListener("blur", function () { setTimeout(closeResults, 150); });

  window.paperkg = {
    network: network, nodes: nodes, edges: edges, state: state,
    search: search, select: select, highlight: highlight, reset: resetHighlight
  };
})();
