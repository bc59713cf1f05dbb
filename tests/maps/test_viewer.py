from __future__ import annotations

import json

from tsunagu.maps.layers import MapLayer
from tsunagu.maps.permalink import MapView
from tsunagu.maps.viewer import build_map

PAYLOAD = "<img src=x onerror=alert(1)>${alert(2)}`"


def test_build_map_puts_data_only_in_the_safe_json_config(settings):
    layer = MapLayer(PAYLOAD, PAYLOAD, PAYLOAD, "#0072B2", "/api/v1/datasets/x/features", "/d/x")
    built = build_map([layer], settings, MapView((35.86, 139.97), 14), lambda p: "/static/" + p)
    assert "onerror" not in built.parts.script and "onerror" not in built.parts.html
    assert not set("<>`$") & set(built.config_json)
    config = json.loads(built.config_json)
    assert config["layers"][0]["title"] == PAYLOAD
    assert config["map"] == built.parts.name
    assert config["view"]["zoom"] == 14
    assert settings.tile_url in built.parts.script  # 地理院タイル from the settings
    assert '"zoom": 14' in built.parts.script
