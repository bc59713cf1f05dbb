"""The view in the URL: ``?c=lat,lon&z=zoom&layers=id,id&q.<id>=filter``.

``static/map.js`` rewrites these with ``history.replaceState`` as the user pans, zooms, switches
layers and types a filter, so the address bar is always a permalink; the server reads them back
here to open the same view (and the same view inside ``/map/embed``). Bad values fall back to
the city's default view rather than failing: a mangled shared link should still open a map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from tsunagu.maps.tiles import MAX_ZOOM, MIN_ZOOM

DEFAULT_ZOOM = 12
MAX_FILTER_CHARS = 200


@dataclass(frozen=True)
class MapView:
    centre: tuple[float, float]  # lat, lon (Leaflet order)
    zoom: int = DEFAULT_ZOOM
    layers: tuple[str, ...] | None = None  # None: every layer on
    filters: Mapping[str, str] = field(default_factory=dict)  # layer id -> filter text

    def to_json(self) -> dict:
        return {
            "centre": list(self.centre),
            "zoom": self.zoom,
            "layers": None if self.layers is None else list(self.layers),
            "filters": dict(self.filters),
        }


def default_centre(bbox: tuple[float, float, float, float]) -> tuple[float, float]:
    west, south, east, north = bbox
    return ((south + north) / 2, (west + east) / 2)


def parse_view(args: Mapping[str, str], city_bbox: tuple[float, float, float, float]) -> MapView:
    """The view asked for in the query string; anything unusable is replaced by the default."""
    return MapView(
        centre=_centre(args.get("c", "")) or default_centre(city_bbox),
        zoom=_zoom(args.get("z", "")),
        layers=_layers(args.get("layers")),
        filters={
            key[2:]: value[:MAX_FILTER_CHARS]
            for key, value in args.items()
            if key.startswith("q.") and len(key) > 2 and value
        },
    )


def _centre(raw: str) -> tuple[float, float] | None:
    try:
        lat, lon = (float(part) for part in raw.split(","))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


def _zoom(raw: str) -> int:
    try:
        zoom = int(raw)
    except ValueError:
        return DEFAULT_ZOOM
    return min(max(zoom, MIN_ZOOM), MAX_ZOOM)


def _layers(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    return tuple(part for part in raw.split(",") if part)
