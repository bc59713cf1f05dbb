/* The upload preview's small map: the converted GeoJSON of the upload as circle markers on
   Leaflet (served by the app, no CDN, no tiles: nothing leaves the site). */
(function () {
  "use strict";
  var box = document.getElementById("upload-map");
  if (!box || !window.L) { return; }
  fetch(box.getAttribute("data-geojson"), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (data) {
      var map = window.L.map(box, { attributionControl: false, scrollWheelZoom: false });
      var layer = window.L.geoJSON(data, {
        pointToLayer: function (_feature, latlng) {
          return window.L.circleMarker(latlng, { radius: 5, weight: 1 });
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16 }); }
      box.setAttribute("data-features", String((data.features || []).length));
    })
    .catch(function () { box.hidden = true; });
}());
