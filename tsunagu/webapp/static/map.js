/*
 * Tsunagu map viewer: draws the catalogue's map layers on the Folium/Leaflet base map.
 *
 * Why a static script: every string from data (layer titles, field names, values) is put on the
 * page with textContent or as an attribute property, never as HTML, so no payload in a dataset
 * can run (security-and-bad-inputs.md §2.1). Features are never embedded in the page: they come
 * from the app's JSON API for the visible bbox and zoom, refetched on moveend; large layers come
 * back as grid cells with counts. The config arrives as JSON in #tsunagu-map-config.
 */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var config = readJson("tsunagu-map-config");
  var labels = readJson("tsunagu-map-labels") || {};
  if (!config || typeof L === "undefined") { return; }
  var map = window[config.map];
  if (!map) { return; }

  function fmt(template, values) {
    var out = String(template || "");
    Object.keys(values).forEach(function (key) {
      out = out.split("{" + key + "}").join(String(values[key]));
    });
    return out;
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  var view = config.view || {};
  var wanted = view.layers; // null: every layer on
  var state = {};
  var status = document.getElementById("map-status");
  var container = map.getContainer();
  container.setAttribute("aria-label", fmt(labels.mapName, {
    titles: config.layers.map(function (l) { return l.title; }).join("、")
  }));

  function setStatus(text) { if (status) { status.textContent = text; } }

  /* ---------- popups and markers ---------- */

  function popupTitle(props) {
    var fields = config.popup.titleFields;
    for (var i = 0; i < fields.length; i++) {
      if (props[fields[i]]) { return props[fields[i]]; }
    }
    return "";
  }

  function popupContent(layer, feature) {
    var props = feature.properties || {};
    var box = el("div", null, "map-popup");
    var title = popupTitle(props);
    if (title) { box.appendChild(el("h3", title, "map-popup-title")); }
    var list = el("dl", null, "map-popup-fields");
    Object.keys(props).forEach(function (name) {
      if (config.popup.hidden.indexOf(name) >= 0 || props[name] === "") { return; }
      list.appendChild(el("dt", name));
      list.appendChild(el("dd", props[name]));
    });
    box.appendChild(list);
    var link = el("a", labels.openDataset);
    link.href = layer.dataset_url;
    box.appendChild(link);
    return box;
  }

  function pinIcon(layer) {
    var dot = el("span", null, "map-pin-dot");
    dot.style.backgroundColor = layer.colour;
    return L.divIcon({ html: dot, className: "map-pin", iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  function clusterIcon(layer) {
    return function (cluster) {
      var badge = el("span", cluster.getChildCount(), "map-cluster-count");
      badge.style.borderColor = layer.colour;
      return L.divIcon({ html: badge, className: "map-cluster", iconSize: [36, 36] });
    };
  }

  function drawFeature(entry, feature) {
    var layer = entry.layer;
    var geometry = feature.geometry || {};
    var content = popupContent(layer, feature);
    if (geometry.type === "Point") {
      var c = geometry.coordinates;
      var marker = L.marker([c[1], c[0]], {
        icon: pinIcon(layer), title: popupTitle(feature.properties || {}) || layer.title,
        keyboard: true
      });
      marker.bindPopup(content);
      entry.cluster.addLayer(marker);
      return;
    }
    var shape = L.geoJSON(feature, {
      style: { color: layer.colour, weight: 2, fillOpacity: 0.2 }
    });
    shape.bindPopup(content);
    entry.shapes.addLayer(shape);
  }

  function drawCell(entry, cell) {
    var badge = el("span", cell.count, "map-cluster-count map-grid-count");
    badge.style.borderColor = entry.layer.colour;
    var marker = L.marker([cell.lat, cell.lon], {
      icon: L.divIcon({ html: badge, className: "map-cluster", iconSize: [40, 40] }),
      title: fmt(labels.shown, { n: cell.count }),
      keyboard: true
    });
    marker.on("click", function () {
      map.fitBounds([[cell.bbox[1], cell.bbox[0]], [cell.bbox[3], cell.bbox[2]]]);
    });
    entry.grid.addLayer(marker);
  }

  /* ---------- tables ---------- */

  function renderTable(entry, data) {
    var layer = entry.layer;
    var section = entry.tableSection;
    section.textContent = "";
    var shown = Math.min(data.features.length, config.tableRows);
    var caption = fmt(labels.tableOf, { title: layer.title }) + " — " +
      (shown < data.total ? fmt(labels.shownOf, { n: shown, total: data.total })
        : fmt(labels.shown, { n: data.total }));
    var wrap = el("div", null, "scroll map-table-wrap");
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", caption);
    var table = el("table", null, "map-table");
    table.setAttribute("data-layer", layer.id);
    table.appendChild(el("caption", caption));
    var fields = data.fields || [];
    var head = el("thead");
    var headRow = el("tr");
    fields.forEach(function (name) {
      var th = el("th", name);
      th.scope = "col";
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = el("tbody");
    data.features.slice(0, shown).forEach(function (feature) {
      var row = el("tr");
      fields.forEach(function (name) { row.appendChild(el("td", (feature.properties || {})[name])); });
      body.appendChild(row);
    });
    if (!shown) {
      var empty = el("td", labels.empty);
      empty.colSpan = Math.max(fields.length, 1);
      body.appendChild(el("tr")).appendChild(empty);
    }
    table.appendChild(body);
    wrap.appendChild(table);
    section.appendChild(wrap);
  }

  /* ---------- fetching ---------- */

  function bboxParam() {
    var b = map.getBounds();
    var clamp = function (v, lo, hi) { return Math.min(Math.max(v, lo), hi); };
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(function (v) { return v.toFixed(6); }).join(",");
  }

  function load(entry) {
    if (entry.controller) { entry.controller.abort(); }
    if (!entry.on) { return; }
    var params = new URLSearchParams({
      bbox: bboxParam(), zoom: String(map.getZoom()), limit: String(config.pageSize)
    });
    if (entry.filter) { params.set("q", entry.filter); }
    var controller = new AbortController();
    entry.controller = controller;
    entry.count.textContent = labels.loading;
    fetch(entry.layer.features_url + "?" + params.toString(), {
      signal: controller.signal, headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (entry.controller !== controller) { return; }
      entry.cluster.clearLayers();
      entry.shapes.clearLayers();
      entry.grid.clearLayers();
      if (data.mode === "grid") {
        data.cells.forEach(function (cell) { drawCell(entry, cell); });
      } else {
        data.features.forEach(function (f) { drawFeature(entry, f); });
      }
      entry.count.textContent = fmt(labels.shown, { n: data.total });
      entry.gridNote.hidden = data.mode !== "grid";
      renderTable(entry, data);
      container.setAttribute("data-loaded-" + entry.index, String(data.total));
    }).catch(function (error) {
      if (error.name === "AbortError") { return; }
      entry.count.textContent = labels.failed;
      setStatus(labels.failed + ": " + entry.layer.title);
    });
  }

  function loadAll() { Object.keys(state).forEach(function (id) { load(state[id]); }); }

  /* ---------- permalink ---------- */

  function updatePermalink() {
    var params = new URLSearchParams();
    var centre = map.getCenter();
    params.set("c", centre.lat.toFixed(5) + "," + centre.lng.toFixed(5));
    params.set("z", String(map.getZoom()));
    var on = Object.keys(state).filter(function (id) { return state[id].on; });
    params.set("layers", on.join(","));
    Object.keys(state).forEach(function (id) {
      if (state[id].filter) { params.set("q." + id, state[id].filter); }
    });
    var query = "?" + params.toString();
    var permalink = document.getElementById("map-permalink");
    var embed = document.getElementById("map-embed-link");
    if (embed) { embed.href = embed.pathname + query; }
    if (!config.permalink) { return; }
    if (permalink) { permalink.href = permalink.pathname + query; }
    if (window.history && window.history.replaceState && !document.body.classList.contains("map-embed")) {
      window.history.replaceState(null, "", window.location.pathname + query);
    }
  }

  /* ---------- layer list, legend and filters ---------- */

  function toggle(entry, on) {
    entry.on = on;
    [entry.cluster, entry.shapes, entry.grid].forEach(function (group) {
      if (on) { map.addLayer(group); } else { map.removeLayer(group); }
    });
    entry.tableSection.hidden = !on;
    entry.filterInput.disabled = !on;
    if (on) { load(entry); } else { entry.count.textContent = ""; }
    updatePermalink();
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function buildEntry(layer, index, list, tables) {
    var entry = {
      layer: layer, index: index, on: wanted === null || wanted === undefined || wanted.indexOf(layer.id) >= 0,
      filter: (view.filters || {})[layer.id] || "",
      cluster: L.markerClusterGroup({ iconCreateFunction: clusterIcon(layer), showCoverageOnHover: false }),
      shapes: L.featureGroup(), grid: L.featureGroup()
    };
    var item = el("li", null, "map-layer");
    item.setAttribute("data-layer", layer.id);
    var checkbox = el("input");
    checkbox.type = "checkbox";
    checkbox.id = "map-layer-" + index;
    checkbox.checked = entry.on;
    var label = el("label");
    label.htmlFor = checkbox.id;
    var swatch = el("span", null, "map-swatch");
    swatch.style.backgroundColor = layer.colour;
    swatch.setAttribute("aria-hidden", "true");
    label.appendChild(swatch);
    label.appendChild(el("span", layer.title, "map-layer-title"));
    entry.count = el("span", "", "map-layer-count");
    var head = el("div", null, "map-layer-head");
    head.appendChild(checkbox);
    head.appendChild(label);
    head.appendChild(entry.count);
    item.appendChild(head);
    item.appendChild(el("span", layer.organisation, "map-layer-org"));
    var filterLabel = el("label", labels.filter + "（" + labels.filterHint + "）", "map-filter-label");
    var input = el("input", null, "map-filter");
    input.type = "search";
    input.id = "map-filter-" + index;
    input.value = entry.filter;
    input.setAttribute("aria-describedby", "map-table-" + index);
    filterLabel.htmlFor = input.id;
    entry.filterInput = input;
    item.appendChild(filterLabel);
    item.appendChild(input);
    entry.gridNote = el("p", labels.grid, "map-grid-note");
    entry.gridNote.hidden = true;
    item.appendChild(entry.gridNote);
    list.appendChild(item);
    entry.tableSection = el("div", null, "map-table-section");
    entry.tableSection.id = "map-table-" + index;
    tables.appendChild(entry.tableSection);
    checkbox.addEventListener("change", function () { toggle(entry, checkbox.checked); });
    input.addEventListener("input", debounce(function () {
      entry.filter = input.value.trim();
      load(entry);
      updatePermalink();
    }, 300));
    return entry;
  }

  var list = document.getElementById("map-layers");
  var tables = document.getElementById("map-tables");
  config.layers.forEach(function (layer, index) {
    var entry = buildEntry(layer, index, list, tables);
    state[layer.id] = entry;
    if (entry.on) {
      map.addLayer(entry.cluster);
      map.addLayer(entry.shapes);
      map.addLayer(entry.grid);
    } else {
      entry.tableSection.hidden = true;
      entry.filterInput.disabled = true;
    }
  });

  map.on("moveend", debounce(function () { loadAll(); updatePermalink(); }, 150));
  loadAll();
  updatePermalink();
  window.tsunaguMap = { map: map, layers: state };
})();
