"""The map viewer, assembled from parts (house style §3.2 f).

``viewer.build_map`` only orchestrates: ``layers`` (which catalogue datasets are map layers),
``styles`` (colours), ``popups`` (what is shown, and how data text is kept inert), ``tiles``
(地理院タイル) and ``assets`` (self-hosted Leaflet, no CDN). Folium draws the base map; the
features come from the JSON API and are drawn by ``static/map.js`` with ``textContent``.
"""
