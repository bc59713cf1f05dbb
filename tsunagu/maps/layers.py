"""Which catalogue datasets are map layers, and what the browser needs to know about each.

A dataset is a layer when it has a published GeoJSON resource (``geojson``, or
``<source>-geojson`` for an extra source). Titles are department-controlled text: they travel to
the browser only as JSON data (see :mod:`tsunagu.maps.popups`), never into Folium.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from tsunagu.maps.styles import layer_colour

#: How many catalogue entries the viewer scans for layers.
MAX_DATASETS = 10_000


@dataclass(frozen=True)
class MapLayer:
    id: str  # dataset id, also the layer's key in the permalink
    title: str
    organisation: str
    colour: str
    features_url: str  # the JSON API of this layer
    dataset_url: str  # the dataset page
    bbox: tuple[float, float, float, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def geojson_key(record: Any) -> str | None:
    """Resource key of the dataset's published GeoJSON (the main one first), or None."""
    keys = [r.key for r in record.resources if r.format == "GeoJSON" or r.key.endswith("geojson")]
    if "geojson" in keys:
        return "geojson"
    return next((k for k in keys if k.endswith("-geojson")), None)


def spatial_bbox(spatial: dict | None) -> tuple[float, float, float, float] | None:
    """W,S,E,N of the dataset's extent polygon (catalogue metadata), when it has one."""
    if not spatial:
        return None
    import shapely
    from shapely.errors import ShapelyError

    try:
        bounds = shapely.geometry.shape(spatial).bounds
    except (ShapelyError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        return None
    return tuple(float(b) for b in bounds) if len(bounds) == 4 else None  # type: ignore[return-value]


def geo_layers(
    records: Iterable[Any],
    *,
    lang: str,
    features_url: Any,
    dataset_url: Any,
) -> list[MapLayer]:
    """One layer per dataset with a GeoJSON, ordered by dataset id so a layer keeps its colour
    when another dataset is updated (the catalogue lists the most recently changed first).

    ``features_url(id)`` and ``dataset_url(id)`` build the links (Flask's ``url_for`` in the
    app), so this module needs no request.
    """
    layers: list[MapLayer] = []
    for record in sorted(records, key=lambda r: r.meta.id):
        if geojson_key(record) is None:
            continue
        meta = record.meta
        english = lang == "en"
        layers.append(
            MapLayer(
                id=meta.id,
                title=meta.title_en if english and meta.title_en else meta.title_ja,
                organisation=(
                    meta.organisation_title_en
                    if english and meta.organisation_title_en
                    else meta.organisation_title_ja
                ),
                colour=layer_colour(len(layers)),
                features_url=features_url(meta.id),
                dataset_url=dataset_url(meta.id),
                bbox=spatial_bbox(meta.spatial),
            )
        )
    return layers
