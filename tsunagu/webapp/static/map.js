/*
 * Tsunagu map viewer: draws the catalogue's map layers on the Folium/Leaflet base map.
 *
 * Why a static script: every string from data (layer titles, field names, values) is put on the
 * page with textContent or as an attribute property, never as HTML, so no payload in a dataset
 * can run (security-and-bad-inputs.md §2.1). Features are never embedded in the page: they come
 * from the app's JSON API for the visible bbox and zoom, refetched on moveend; large layers come
 * back as grid cells with counts. The config arrives as JSON in #tsunagu-map-config.
 *
 * Popups must survive the map moving (issue 13: they closed ~0.5 s after a click, because the
 * popup's auto-pan fired moveend, which reloaded the layer and cleared its markers, the popup's
 * marker among them). So: a pan made to fit a popup ("autopanstart") reloads nothing, and a
 * layer with an open popup keeps its markers; its new answer waits until the popup closes.
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

  /* ---------- Leaflet's own controls in the page's language ---------- */

  if (map.zoomControl) {
    // Folium adds the default (English) zoom control: replace it with a labelled one.
    var zoomPosition = map.zoomControl.getPosition();
    map.removeControl(map.zoomControl);
    map.zoomControl = L.control.zoom({
      position: zoomPosition, zoomInTitle: labels.zoomIn, zoomOutTitle: labels.zoomOut
    }).addTo(map);
  }

  /* ---------- field order: people's fields first ---------- */

  function peopleFirst(names) {
    var first = config.popup.first || [];
    var machine = config.popup.machine || [];
    var head = first.filter(function (name) { return names.indexOf(name) >= 0; });
    var middle = names.filter(function (name) {
      return first.indexOf(name) < 0 && machine.indexOf(name) < 0;
    });
    var tail = names.filter(function (name) {
      return machine.indexOf(name) >= 0 && first.indexOf(name) < 0;
    });
    return head.concat(middle, tail);
  }

  /* ---------- popups and markers ---------- */

  function titleField(props) {
    var fields = config.popup.titleFields;
    for (var i = 0; i < fields.length; i++) {
      if (props[fields[i]]) { return fields[i]; }
    }
    return "";
  }

  function popupTitle(props) {
    var field = titleField(props);
    return field ? props[field] : "";
  }

  function popupContent(layer, feature) {
    var props = feature.properties || {};
    var box = el("div", null, "map-popup");
    var field = titleField(props);
    // Every popup has a heading (polygons without a name field get the layer's title); it
    // takes the focus when the popup opens, so a keyboard user lands on what was opened.
    var heading = el("h3", field ? props[field] : layer.title, "map-popup-title");
    heading.tabIndex = -1;
    box.appendChild(heading);
    var list = el("dl", null, "map-popup-fields");
    var skip = config.popup.hidden.concat(config.popup.machine || [], [field]);
    peopleFirst(Object.keys(props)).forEach(function (name) {
      var value = props[name];
      if (skip.indexOf(name) >= 0 || value === "" || value === null || value === undefined) {
        return;
      }
      list.appendChild(el("dt", name));
      list.appendChild(el("dd", value));
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
      // The cluster is its own marker's options holder: Leaflet reads options.title after
      // this icon is made and puts it on the focusable element, so it is announced as
      // 「公衆トイレ 4件」 (role=button, with the count and the layer).
      var name = fmt(labels.cluster, { title: layer.title, n: cluster.getChildCount() });
      cluster.options.title = name;
      cluster.options.alt = name;
      var badge = el("span", cluster.getChildCount(), "map-cluster-count");
      badge.setAttribute("aria-hidden", "true");
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
      marker.tsunaguEntry = entry;
      entry.cluster.addLayer(marker);
      return;
    }
    var title = popupTitle(feature.properties || {}) || layer.title;
    var shape = L.geoJSON(feature, {
      style: { color: layer.colour, weight: 2, fillOpacity: 0.2 }
    });
    shape.bindPopup(content);
    shape.bindTooltip(title, { sticky: true });
    shape.tsunaguEntry = entry;
    shape.eachLayer(function (path) { path.tsunaguEntry = entry; });
    shape.on("add", function () {
      shape.eachLayer(function (path) {
        var node = path.getElement && path.getElement();
        if (node) { node.setAttribute("aria-label", title); }
      });
    });
    entry.shapes.addLayer(shape);
  }

  function drawCell(entry, cell) {
    var badge = el("span", cell.count, "map-cluster-count map-grid-count");
    badge.style.borderColor = entry.layer.colour;
    badge.setAttribute("aria-hidden", "true");
    var marker = L.marker([cell.lat, cell.lon], {
      icon: L.divIcon({ html: badge, className: "map-cluster", iconSize: [40, 40] }),
      title: fmt(labels.cluster, { title: entry.layer.title, n: cell.count }),
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
    var fields = peopleFirst(data.fields || []);
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
      entry.count.textContent = fmt(labels.shown, { n: data.total });
      entry.gridNote.hidden = data.mode !== "grid";
      renderTable(entry, data);
      container.setAttribute("data-loaded-" + entry.index, String(data.total));
      if (openPopupEntry === entry) {
        entry.pending = data; // drawn when the popup closes: clearing now would close it
        return;
      }
      draw(entry, data);
    }).catch(function (error) {
      if (error.name === "AbortError") { return; }
      entry.count.textContent = labels.failed;
      setStatus(labels.failed + ": " + entry.layer.title);
    });
  }

  function draw(entry, data) {
    entry.pending = null;
    entry.cluster.clearLayers();
    entry.shapes.clearLayers();
    entry.grid.clearLayers();
    if (data.mode === "grid") {
      data.cells.forEach(function (cell) { drawCell(entry, cell); });
    } else {
      data.features.forEach(function (f) { drawFeature(entry, f); });
    }
    container.setAttribute("data-drawn-" + entry.index, String(data.total));
  }

  function loadAll() { Object.keys(state).forEach(function (id) { load(state[id]); }); }

  /* ---------- popups: stay open, keyboard in and out ---------- */

  var openPopupEntry = null; // the layer whose popup is open (its markers are kept)
  var openPopupSource = null; // the marker or shape that opened it (focus returns there)
  var autoPanning = false; // the next moveend is the popup's own pan: nothing to reload

  function entryOf(layer) { return (layer && layer.tsunaguEntry) || null; }

  map.on("autopanstart", function () { autoPanning = true; });

  map.on("popupopen", function (event) {
    var popup = event.popup;
    var source = popup._source || null; // Leaflet sets it on the popup of a bound layer
    openPopupSource = source;
    openPopupEntry = entryOf(source);
    var node = popup.getElement();
    if (!node) { return; }
    var close = node.querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", labels.closePopup);
      close.title = labels.closePopup;
    }
    node.setAttribute("role", "dialog");
    var heading = node.querySelector(".map-popup-title");
    if (heading) {
      node.setAttribute("aria-label", heading.textContent);
      heading.focus({ preventScroll: true }); // keeps Leaflet's panes where they are
    }
    if (!node.tsunaguKeys) {
      node.tsunaguKeys = true;
      node.addEventListener("keydown", function (e) {
        if (e.key === "Escape" || e.key === "Esc") {
          e.preventDefault();
          e.stopPropagation();
          map.closePopup();
        }
      });
    }
  });

  map.on("popupclose", function (event) {
    var entry = openPopupEntry;
    var source = openPopupSource;
    openPopupEntry = null;
    openPopupSource = null;
    var node = event.popup.getElement();
    var active = document.activeElement;
    var focusWasInside = node && active && (node.contains(active) || active === document.body);
    if (focusWasInside && source) {
      var target = source.getElement ? source.getElement() : null;
      if (!target && source.eachLayer) {
        source.eachLayer(function (l) { target = target || (l.getElement && l.getElement()); });
      }
      if (target && target.focus) { target.focus({ preventScroll: true }); }
      else { container.focus({ preventScroll: true }); }
    }
    if (entry && entry.pending) { draw(entry, entry.pending); }
  });

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
    updateEmbedCode(query);
    if (!config.permalink) { return; }
    if (permalink) { permalink.href = permalink.pathname + query; }
    if (window.history && window.history.replaceState && !document.body.classList.contains("map-embed")) {
      window.history.replaceState(null, "", window.location.pathname + query);
    }
  }

  /* ---------- legend, current location, embed code ---------- */

  // The legend lists the layers that are on (colour and name: colour is never the only cue).
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var box = el("section", null, "map-legend leaflet-bar");
    box.setAttribute("aria-label", labels.legend);
    box.appendChild(el("h2", labels.legend, "map-legend-title"));
    legend.list = el("ul", null, "map-legend-list");
    box.appendChild(legend.list);
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  legend.addTo(map);

  function updateLegend() {
    legend.list.textContent = "";
    Object.keys(state).forEach(function (id) {
      var entry = state[id];
      if (!entry.on) { return; }
      var item = el("li", null, "map-legend-item");
      item.setAttribute("data-layer", id);
      var swatch = el("span", null, "map-swatch");
      swatch.style.backgroundColor = entry.layer.colour;
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(el("span", entry.layer.title));
      legend.list.appendChild(item);
    });
    legend.getContainer().hidden = !legend.list.childNodes.length;
  }

  // "Current location": Leaflet's own map.locate (the browser asks for permission). Without
  // permission, or without a position, the map stays where it is and says why.
  var here = null;
  var locate = L.control({ position: "topleft" });
  locate.onAdd = function () {
    var box = el("div", null, "leaflet-bar map-locate");
    var button = el("button", labels.locate, "map-locate-button");
    button.type = "button";
    button.title = labels.locateHint;
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { setStatus(labels.locateUnavailable); return; }
      setStatus(labels.locating);
      map.locate({ setView: true, maxZoom: 16, timeout: 10000 });
    });
    L.DomEvent.disableClickPropagation(box);
    box.appendChild(button);
    return box;
  };
  locate.addTo(map);
  map.on("locationfound", function (event) {
    if (here) { map.removeLayer(here); }
    here = L.circleMarker(event.latlng, {
      radius: 8, color: "#fff", weight: 3, fillColor: "#d4351c", fillOpacity: 1
    }).bindTooltip(labels.here).addTo(map);
    setStatus(labels.located);
  });
  map.on("locationerror", function (event) {
    setStatus(event.code === 1 ? labels.locateDenied : labels.locateFailed);
  });

  function embedUrl(query) {
    var link = document.getElementById("map-embed-link");
    if (!link) { return ""; }
    return window.location.origin + link.pathname + query;
  }

  function updateEmbedCode(query) {
    var code = document.getElementById("map-embed-code");
    if (!code) { return; }
    code.value = "<iframe src=\"" + embedUrl(query).replace(/&/g, "&amp;").replace(/"/g, "&quot;") +
      "\" title=\"" + (labels.embedTitle || "").replace(/"/g, "&quot;") +
      "\" width=\"100%\" height=\"480\" style=\"border:0\" loading=\"lazy\"></iframe>";
  }

  (function embedDialog() {
    var dialog = document.getElementById("map-embed-dialog");
    var open = document.getElementById("map-embed-open");
    if (!dialog || !open || typeof dialog.showModal !== "function") { return; }
    open.hidden = false;
    var code = document.getElementById("map-embed-code");
    var copied = document.getElementById("map-embed-copied");
    open.addEventListener("click", function () {
      copied.textContent = "";
      dialog.showModal();
      code.focus();
      code.select();
    });
    document.getElementById("map-embed-copy").addEventListener("click", function () {
      code.select();
      var done = function () { copied.textContent = labels.copied; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(code.value).then(done, function () {
          copied.textContent = labels.copyManually;
        });
      } else {
        copied.textContent = labels.copyManually;
      }
    });
    document.getElementById("map-embed-close").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () { open.focus(); });
  })();

  /* ---------- layer list and filters ---------- */

  function toggle(entry, on) {
    entry.on = on;
    [entry.cluster, entry.shapes, entry.grid].forEach(function (group) {
      if (on) { map.addLayer(group); } else { map.removeLayer(group); }
    });
    entry.tableSection.hidden = !on;
    entry.filterInput.disabled = !on;
    if (on) { load(entry); } else { entry.count.textContent = ""; }
    updateLegend();
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

  var reload = debounce(function () { loadAll(); updatePermalink(); }, 150);
  map.on("moveend", function () {
    if (autoPanning) { // the pan that fits an opening popup: the data in view is kept
      autoPanning = false;
      updatePermalink();
      return;
    }
    reload();
  });
  loadAll();
  updateLegend();
  updatePermalink();
  window.tsunaguMap = { map: map, layers: state };
})();
