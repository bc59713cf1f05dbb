/* Charts for the dashboard and dataset pages, drawn with the vendored Chart.js from the data
   table printed beside each chart (the table is the accessible alternative and the chart's only
   source). No inline script, no eval: the strict CSP stays. Markup:
   <figure data-chart="line|bar|pyramid|choice"> … <canvas> … <table data-chart-source> */
(function () {
  "use strict";
  var PALETTE = ["#1f5fa8", "#c0392b", "#2e8540", "#8e44ad", "#d35400", "#16a085"];

  function cellValue(cell) {
    var raw = cell.getAttribute("data-value");
    return raw === null ? cell.textContent.trim() : raw;
  }

  function readTable(table) {
    var head = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) {
      return c.textContent.trim();
    });
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      return Array.prototype.map.call(r.cells, cellValue);
    });
    return { head: head, rows: rows };
  }

  function number(value) {
    var n = parseFloat(String(value).replace(/,/g, ""));
    return isNaN(n) ? null : n;
  }

  function config(kind, data, columns) {
    var labels = data.rows.map(function (r) { return r[0]; });
    var datasets = columns.map(function (index, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: data.head[index],
        data: data.rows.map(function (r) {
          var n = number(r[index]);
          return kind === "pyramid" && i === 0 && n !== null ? -n : n;
        }),
        borderColor: colour,
        backgroundColor: kind === "line" ? colour : colour + "cc",
        tension: 0
      };
    });
    var options = { responsive: true, maintainAspectRatio: false, animation: false };
    if (kind === "pyramid") {
      options.indexAxis = "y";
      options.scales = {
        x: { stacked: true, ticks: { callback: function (v) { return Math.abs(v); } } },
        y: { stacked: true, reverse: true }
      };
      options.plugins = {
        tooltip: { callbacks: { label: function (c) {
          return c.dataset.label + ": " + Math.abs(c.raw);
        } } }
      };
    }
    return { type: kind === "line" ? "line" : "bar", data: { labels: labels, datasets: datasets },
             options: options };
  }

  function draw(figure) {
    if (typeof window.Chart === "undefined") { return; }
    var table = figure.querySelector("table[data-chart-source]");
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas || !table.tBodies[0].rows.length) { return; }
    var data = readTable(table);
    var kind = figure.getAttribute("data-chart");
    var columns = [];
    var measure = figure.querySelector("select[data-measure]");
    var type = figure.querySelector("select[data-type]");
    if (kind === "choice") {
      columns = [data.head.indexOf(measure.value)];
      kind = type.value;
    } else {
      for (var i = 1; i < data.head.length; i += 1) { columns.push(i); }
    }
    if (figure._chart) { figure._chart.destroy(); }
    figure._chart = new window.Chart(canvas, config(kind, data, columns));
    figure.setAttribute("data-drawn", kind + ":" + columns.length + ":" + data.rows.length);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("figure[data-chart]"), function (f) {
      draw(f);
      Array.prototype.forEach.call(f.querySelectorAll("select"), function (s) {
        s.addEventListener("change", function () { draw(f); });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
