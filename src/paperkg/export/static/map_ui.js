/* paperkg map: the page around the drawing (search, legend, details, tooltips), shared by
   the vis-network and the WebGL renderers. Every string from the input is inserted with
   textContent, never parsed as HTML. */
(function () {
  "use strict";

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

  /* Search over drawn nodes and, on a capped map, the nodes left out. Rank: exact, then
     prefix, then substring; the label beats an alias; bigger nodes first. */
  function makeSearch(nodes, offmap) {
    var entries = [];
    nodes.forEach(function (n) {
      entries.push({ id: n.id, value: n.value, drawn: true,
                     keys: n.search.map(function (s) { return s.toLowerCase(); }) });
    });
    (offmap || []).forEach(function (n) {
      entries.push({ id: n.id, value: 0, drawn: false,
                     keys: n.search.map(function (s) { return s.toLowerCase(); }) });
    });
    return function (query) {
      var q = String(query || "").trim().toLowerCase();
      if (!q) return [];
      var scored = [];
      entries.forEach(function (h) {
        var best = 9;
        h.keys.forEach(function (key, k) {
          var rank = key === q ? 0 : key.indexOf(q) === 0 ? 1 : key.indexOf(q) > 0 ? 2 : 9;
          if (rank < 9 && k > 0) rank += 0.5;
          if (rank < best) best = rank;
        });
        if (best < 9) scored.push([best + (h.drawn ? 0 : 0.25), -h.value, h.id]);
      });
      scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : 1); });
      return scored.map(function (s) { return s[2]; });
    };
  }

  function header(data) {
    document.getElementById("pk-stats").textContent =
      data.stats.nodes.toLocaleString("en") + " nodes · " + data.stats.edges.toLocaleString("en") + " edges";
    if (data.notice) {
      var notice = document.getElementById("pk-notice");
      notice.textContent = data.notice;
      notice.hidden = false;
      document.body.classList.add("pk-has-notice");
    }
  }

  /* Legend with a checkbox per filter group; onToggle(key, shown). */
  function legend(data, onToggle) {
    var list = document.getElementById("pk-legend-items");
    list.replaceChildren();
    data.legend.forEach(function (item) {
      var li = el("li");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.group = item.key;
      box.addEventListener("change", function () { onToggle(item.key, box.checked); });
      var swatch = el("span", "pk-swatch" + (item.shape === "diamond" ? " pk-square" : ""));
      swatch.style.background = item.color;
      label.appendChild(box);
      label.appendChild(swatch);
      label.appendChild(el("span", null, item.label));
      label.appendChild(el("span", "pk-count", item.count));
      li.appendChild(label);
      list.appendChild(li);
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
  }

  function checkGroup(key) {
    document.querySelectorAll("#pk-legend-items input").forEach(function (box) {
      if (box.dataset.group === key) box.checked = true;
    });
  }

  /* The details panel over the map: a node, its neighbours (links select them). */
  function details(n, neighbours, onPick) {
    var box = document.getElementById("pk-details");
    box.replaceChildren();
    if (!n) { box.hidden = true; return; }
    box.appendChild(describe(n.info, true));
    if (neighbours.length) {
      box.appendChild(el("p", "pk-meta", neighbours.length + " neighbours"));
      var list = el("ul", "pk-neigh");
      neighbours.slice(0, 40).forEach(function (other) {
        var li = el("li");
        var a = el("a", null, other.label);
        a.addEventListener("click", function () { onPick(other.id); });
        li.appendChild(a);
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  function offmapDetails(entry) {
    var box = document.getElementById("pk-details");
    box.replaceChildren();
    box.appendChild(el("h3", null, entry.label));
    box.appendChild(el("p", "pk-meta", entry.kindLabel + " · not drawn on this map (see the notice above)"));
    box.hidden = false;
  }

  function hideDetails() { document.getElementById("pk-details").hidden = true; }

  /* Search box: a result list as you type, Enter selects the first hit, Esc resets.
     nodeOf(id) gives a drawn node or undefined; offOf(id) a left-out entry. */
  function searchBox(search, nodeOf, offOf, onSelect, onReset) {
    var input = document.getElementById("pk-search");
    var results = document.getElementById("pk-results");
    var current = [];
    function close() { results.hidden = true; results.replaceChildren(); }
    function render() {
      current = search(input.value).slice(0, 12);
      results.replaceChildren();
      if (!current.length) {
        if (input.value.trim()) { results.appendChild(el("li", "pk-kind", "no match")); results.hidden = false; }
        else close();
        return;
      }
      var q = input.value.trim().toLowerCase();
      current.forEach(function (id, i) {
        var n = nodeOf(id);
        var off = n ? null : offOf(id);
        var li = el("li", i === 0 ? "active" : null);
        li.setAttribute("role", "option");
        li.dataset.id = id;
        li.appendChild(el("span", "pk-kind", n ? n.kindLabel : off.kindLabel));
        li.appendChild(el("span", null, n ? n.label : off.label));
        if (n) {
          var alias = (n.info.aliases || []).filter(function (a) { return a.toLowerCase().indexOf(q) >= 0; })[0];
          if (alias && n.label.toLowerCase().indexOf(q) < 0) li.appendChild(el("span", "pk-alias", "(" + alias + ")"));
        } else {
          li.appendChild(el("span", "pk-alias", "not drawn on this map"));
        }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); onSelect(id); close(); });
        results.appendChild(li);
      });
      results.hidden = false;
    }
    input.addEventListener("input", render);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var hits = current.length ? current : search(input.value);
        if (hits.length) onSelect(hits[0]);
        close();
      } else if (ev.key === "Escape") {
        close();
        onReset();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && ev.target !== input) onReset();
    });
  }

  window.PaperkgUI = {
    el: el, describe: describe, makeSearch: makeSearch, header: header, legend: legend,
    checkGroup: checkGroup, details: details, offmapDetails: offmapDetails,
    hideDetails: hideDetails, searchBox: searchBox
  };
})();
