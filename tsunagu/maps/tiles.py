"""The basemap: 地理院タイル by default, any XYZ template through ``Settings.tile_url``.

The URL and attribution come from the settings (operator-controlled, never from data), and
Folium writes them with ``tojson``. The tile host is the only external origin the page may
load from, and only as images (CSP ``img-src``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium

    from tsunagu.config import Settings

#: 地理院タイル (標準地図) goes up to zoom 18.
MAX_ZOOM = 18
MIN_ZOOM = 5


def basemap(settings: Settings) -> folium.TileLayer:
    import folium

    return folium.TileLayer(
        tiles=settings.tile_url,
        attr=settings.tile_attribution,
        name="basemap",
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        control=False,
    )
