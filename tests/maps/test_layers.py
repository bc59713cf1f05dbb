from __future__ import annotations

from types import SimpleNamespace

from tsunagu.maps.layers import geo_layers, geojson_key, spatial_bbox
from tsunagu.maps.styles import PALETTE, layer_colour


def _record(dataset_id: str, *keys: str, spatial=None):
    meta = SimpleNamespace(
        id=dataset_id,
        title_ja=f"{dataset_id}（日本語）",
        title_en=f"{dataset_id} (en)",
        organisation_title_ja="防災安全課",
        organisation_title_en="",
        spatial=spatial,
    )
    resources = [
        SimpleNamespace(key=k, format="GeoJSON" if "geojson" in k else "CSV") for k in keys
    ]
    return SimpleNamespace(meta=meta, resources=resources)


def test_geojson_key_prefers_the_main_resource():
    assert geojson_key(_record("a", "csv", "part2-geojson", "geojson")) == "geojson"
    assert geojson_key(_record("a", "csv", "part2-geojson")) == "part2-geojson"
    assert geojson_key(_record("a", "csv")) is None


def test_geo_layers_skips_tables_orders_by_id_and_colours_in_turn():
    records = [
        _record("shelters", "geojson"),
        _record("population", "csv"),
        _record("aed", "geojson"),
    ]
    layers = geo_layers(
        records, lang="en", features_url=lambda i: f"/f/{i}", dataset_url=lambda i: f"/d/{i}"
    )
    assert [(x.id, x.title, x.colour) for x in layers] == [
        ("aed", "aed (en)", PALETTE[0]),
        ("shelters", "shelters (en)", PALETTE[1]),
    ]
    assert layers[0].organisation == "防災安全課"  # no English name: the Japanese one
    assert layers[0].features_url == "/f/aed"


def test_spatial_bbox_reads_the_extent_polygon_and_ignores_junk():
    polygon = {
        "type": "Polygon",
        "coordinates": [[[139.9, 35.8], [140.0, 35.8], [140.0, 35.9], [139.9, 35.8]]],
    }
    assert spatial_bbox(polygon) == (139.9, 35.8, 140.0, 35.9)
    assert spatial_bbox({"type": "Nonsense"}) is None
    assert spatial_bbox(None) is None


def test_palette_repeats():
    assert layer_colour(len(PALETTE)) == layer_colour(0)
