"""Map pages: layers from the catalogue, no CDN, CSP nonces, no payload in the HTML, embed."""

from __future__ import annotations

import json
import re

import pytest

from tests.maps.catalogue import PAYLOAD_TITLE, add_map_layers

HTML_PAYLOADS = ("<img src=x onerror=alert", "</script><script>alert(1)</script>", "<img")
#: Harmless as HTML text, but live inside a JS template literal: the map pages carry none.
SCRIPT_PAYLOADS = ("${alert(", "`+alert(", "`")


@pytest.fixture
def geo_client(app, published, tmp_path):
    add_map_layers(published, tmp_path / "geo")
    return app.test_client()


def _config(html: str) -> dict:
    block = re.search(r'id="tsunagu-map-config"[^>]*>(.*?)</script>', html, re.S)
    assert block
    return json.loads(block.group(1))


def test_viewer_lists_every_geo_dataset_as_a_layer(geo_client):
    response = geo_client.get("/map")
    assert response.status_code == 200
    layers = _config(response.text)["layers"]
    assert [layer["id"] for layer in layers] == ["kashiwa-aed-map", "payloads"]
    assert layers[0]["title"] == "柏市AED地図"
    assert layers[1]["title"] == PAYLOAD_TITLE  # JSON.parse gives the text back unchanged
    assert layers[0]["features_url"] == "/api/v1/datasets/kashiwa-aed-map/features"


def test_nav_links_to_the_map(geo_client):
    assert 'href="/map"' in geo_client.get("/").text


@pytest.mark.parametrize("path", ["/map", "/map/embed"])
def test_map_page_holds_no_payload_and_no_feature(geo_client, path):
    html = geo_client.get(path).text
    for payload in HTML_PAYLOADS + SCRIPT_PAYLOADS:
        assert payload not in html
    assert "\\u003cimg src=x onerror=alert(5)\\u003e" in html  # the title, as inert JSON
    assert "柏市役所" not in html  # features come from the API, never inside the page


def test_dataset_page_with_payload_title_holds_no_live_markup(geo_client):
    html = geo_client.get("/datasets/payloads").text
    for payload in HTML_PAYLOADS:
        assert payload not in html
    config = html.split('id="tsunagu-map-config"')[1].split("</script>")[0]
    assert not any(payload in config for payload in SCRIPT_PAYLOADS)


@pytest.mark.parametrize("path", ["/map", "/map/embed", "/datasets/kashiwa-aed-map"])
def test_no_cdn_only_the_apps_own_scripts_and_styles(geo_client, path):
    html = geo_client.get(path).text
    sources = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    styles = re.findall(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", html)
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in sources
    assert "/static/map.js" in sources
    assert all(url.startswith("/static/") for url in sources + styles)
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"(?:https?:)?//", html)
    for cdn in ("jsdelivr", "cdnjs", "code.jquery.com", "bootstrapcdn", "unpkg"):
        assert cdn not in html


@pytest.mark.parametrize("path", ["/map", "/map/embed", "/datasets/kashiwa-aed-map"])
def test_csp_header_and_every_script_carries_the_nonce(geo_client, path):
    response = geo_client.get(path)
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert len(scripts) >= 5
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_embed_may_be_framed_and_the_viewer_may_not(geo_client):
    embed = geo_client.get("/map/embed")
    viewer = geo_client.get("/map")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert viewer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert 'class="site"' not in embed.text  # no site header or footer


def test_permalink_view_is_read_back(geo_client):
    html = geo_client.get(
        "/map?c=35.87,139.97&z=15&layers=kashiwa-aed-map&q.kashiwa-aed-map=図書館"
    ).text
    view = _config(html)["view"]
    assert view == {
        "centre": [35.87, 139.97],
        "zoom": 15,
        "layers": ["kashiwa-aed-map"],
        "filters": {"kashiwa-aed-map": "図書館"},
    }
    assert "[35.87, 139.97]" in html  # Folium's map starts there


def test_mangled_permalink_falls_back_to_the_city(geo_client):
    response = geo_client.get("/map?c=nan,abc&z=zoom")
    assert response.status_code == 200
    assert _config(response.text)["view"]["zoom"] == 12


def test_map_container_and_filters_are_labelled_and_tables_exist(geo_client):
    html = geo_client.get("/map").text
    assert re.search(r'class="map-frame" role="region" aria-label="[^"]+"', html)
    assert 'id="map-tables"' in html and "<aside" in html
    assert 'role="status"' in html


def test_dataset_page_gets_the_small_map_only_with_geojson(geo_client):
    with_map = geo_client.get("/datasets/kashiwa-aed-map").text
    without = geo_client.get("/datasets/kashiwa-aed").text
    assert 'id="dataset-map-title"' in with_map
    assert _config(with_map)["layers"][0]["id"] == "kashiwa-aed-map"
    assert _config(with_map)["permalink"] is False
    assert "dataset-map-title" not in without
    assert "柏市AED地図" in with_map  # the rest of the dataset page is still there


def test_map_page_without_vendored_assets_names_make_install(geo_client, app, monkeypatch):
    monkeypatch.setattr(app, "static_folder", str(app.root_path) + "/no-such-static")
    response = geo_client.get("/map", headers={"Accept": "application/json"})
    assert response.status_code == 500
    body = response.get_json()
    assert body["code"] == "map-assets-missing"
    assert "make install" in body["error"]
