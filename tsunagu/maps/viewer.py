"""``build_map``: orchestration only — base map, tiles, assets and the client configuration.

No data goes into Folium: the map gets the basemap and the view, and everything drawn from data
(markers, clusters, popups, the layer switcher, the legend, the tables) is made by
``static/map.js`` from the JSON config and the features API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tsunagu.maps.assets import MapParts, render_parts, self_hosted_map
from tsunagu.maps.popups import popup_config, safe_json
from tsunagu.maps.styles import GRID_FILL_OPACITY
from tsunagu.maps.tiles import MAX_ZOOM, MIN_ZOOM, basemap

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.maps.layers import MapLayer
    from tsunagu.maps.permalink import MapView

#: Features asked for per layer and view: enough to cluster, small enough to stay fast.
PAGE_SIZE = 1000
#: Rows of each layer's table (the rest is counted in its caption).
TABLE_ROWS = 200


@dataclass(frozen=True)
class BuiltMap:
    parts: MapParts
    config_json: str  # for <script type="application/json">, already safe (popups.safe_json)


def build_map(
    layers: Sequence[MapLayer],
    settings: Settings,
    view: MapView,
    static_url: Callable[[str], str],
    *,
    permalink: bool = True,
) -> BuiltMap:
    """The base map at ``view`` plus what the browser script needs to draw ``layers``."""
    m = self_hosted_map(
        static_url,
        location=list(view.centre),
        zoom_start=view.zoom,
        tiles=basemap(settings),
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        control_scale=True,
        width="100%",
        height="100%",
    )
    parts = render_parts(m, static_url)
    config: dict[str, Any] = {
        "map": parts.name,
        "layers": [layer.to_json() for layer in layers],
        "view": view.to_json(),
        "permalink": permalink,
        "pageSize": PAGE_SIZE,
        "tableRows": TABLE_ROWS,
        "gridOpacity": GRID_FILL_OPACITY,
        "popup": popup_config(),
    }
    return BuiltMap(parts, safe_json(config))
