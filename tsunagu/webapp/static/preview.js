/*
 * The dataset page's preview as a real table (issue 13): filter, sort by any column and page
 * through every row, all through the rows API (/api/v1/datasets/<id>/rows), with the values
 * typed per the published schema (numbers right-aligned, booleans as words, null empty).
 *
 * Progressive: the server renders the first rows; this script takes over when it runs. Every
 * value goes in with textContent (data text stays inert), labels come from data-label-*.
 */
(function () {
  "use strict";
  var section = document.querySelector(".preview-section[data-rows-url]");
  if (!section || !window.fetch) { return; }
  var PAGE = 20;
  var url = section.getAttribute("data-rows-url");
  var label = function (name) { return section.getAttribute("data-label-" + name) || ""; };
  var fill = function (text, values) {
    Object.keys(values).forEach(function (k) { text = text.split("{" + k + "}").join(String(values[k])); });
    return text;
  };
  var el = function (tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  };

  var state = { q: "", sort: "", desc: false, offset: 0, fields: [], types: {}, total: 0 };
  var heading = section.querySelector("h2");
  var wrap = section.querySelector(".scroll");
  var table = section.querySelector("table.preview");

  var controls = el("div", null, "preview-controls");
  var filterLabel = el("label", label("filter"));
  var filter = el("input");
  filter.type = "search";
  filter.id = "preview-filter";
  filterLabel.htmlFor = filter.id;
  controls.appendChild(filterLabel);
  controls.appendChild(filter);
  section.insertBefore(controls, wrap);
  var status = el("p", "", "preview-status");
  status.id = "preview-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var pager = el("nav", null, "pager preview-pager");
  pager.setAttribute("aria-label", label("pages"));
  var prev = el("button", label("prev"));
  prev.type = "button";
  var next = el("button", label("next"));
  next.type = "button";
  pager.appendChild(prev);
  pager.appendChild(status);
  pager.appendChild(next);
  section.appendChild(pager);
  table.setAttribute("aria-describedby", status.id);

  function show(value, type) {
    if (value === null || value === undefined) { return ""; }
    if (type === "boolean" || typeof value === "boolean") { return value ? label("yes") : label("no"); }
    return String(value);
  }

  function header() {
    var head = el("thead");
    var row = el("tr");
    state.fields.forEach(function (name) {
      var th = el("th");
      th.scope = "col";
      var button = el("button", name, "preview-sort");
      button.type = "button";
      button.setAttribute("data-field", name);
      button.setAttribute("aria-label", fill(label("sort"), { field: name }));
      if (state.sort === name) {
        th.setAttribute("aria-sort", state.desc ? "descending" : "ascending");
        button.appendChild(el("span", state.desc ? " ▼" : " ▲", "preview-arrow"));
      }
      button.addEventListener("click", function () {
        if (state.sort === name) { state.desc = !state.desc; } else { state.sort = name; state.desc = false; }
        state.offset = 0;
        load(button.getAttribute("data-field"));
      });
      th.appendChild(button);
      row.appendChild(th);
    });
    head.appendChild(row);
    return head;
  }

  function render(data, focusField) {
    state.fields = data.fields;
    state.types = data.types || {};
    state.total = data.total;
    table.textContent = "";
    table.appendChild(header());
    var body = el("tbody");
    data.rows.forEach(function (record) {
      var tr = el("tr");
      state.fields.forEach(function (name) {
        var type = state.types[name];
        var td = el("td", show(record[name], type));
        if (type === "integer" || type === "number") { td.className = "num"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!data.rows.length) {
      var empty = el("td", label("none"));
      empty.colSpan = Math.max(state.fields.length, 1);
      body.appendChild(el("tr")).appendChild(empty);
    }
    table.appendChild(body);
    var from = data.rows.length ? state.offset + 1 : 0;
    status.textContent = fill(label("range"), { total: data.total, start: from, end: state.offset + data.rows.length });
    heading.textContent = fill(label("title"), { total: data.total });
    prev.disabled = state.offset === 0;
    next.disabled = state.offset + PAGE >= data.total;
    section.setAttribute("data-state", "ready");
    if (focusField) {
      var again = table.querySelector('button[data-field="' + CSS.escape(focusField) + '"]');
      if (again) { again.focus(); }
    }
  }

  var controller = null;
  function load(focusField) {
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var params = new URLSearchParams({ limit: String(PAGE), offset: String(state.offset) });
    if (state.q) { params.set("q", state.q); }
    if (state.sort) { params.set("sort", (state.desc ? "-" : "") + state.sort); }
    section.setAttribute("data-state", "loading");
    fetch(url + "?" + params.toString(), { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) { render(data, focusField); })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        status.textContent = label("failed");
        section.setAttribute("data-state", "failed");
      });
  }

  var timer = null;
  filter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = filter.value.trim(); state.offset = 0; load(); }, 250);
  });
  prev.addEventListener("click", function () { state.offset = Math.max(0, state.offset - PAGE); load(); });
  next.addEventListener("click", function () { state.offset += PAGE; load(); });
  load();
})();
