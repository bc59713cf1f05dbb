from __future__ import annotations

import pytest

from tsunagu.maps.assets import (
    VENDOR_FILES,
    AssetsMissing,
    check_vendor,
    missing_vendor_files,
    render_parts,
    self_hosted_map,
)


def _static(path: str) -> str:
    return "/static/" + path


def test_check_vendor_names_make_install_and_the_missing_file(tmp_path):
    for name in VENDOR_FILES[1:]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert missing_vendor_files(tmp_path) == ["leaflet/leaflet.js"]
    with pytest.raises(AssetsMissing, match=r"make install") as caught:
        check_vendor(tmp_path)
    assert "leaflet/leaflet.js" in str(caught.value)
    (tmp_path / "leaflet/leaflet.js").write_text("x")
    check_vendor(tmp_path)


def test_self_hosted_map_references_no_cdn():
    parts = render_parts(self_hosted_map(_static, location=[35.86, 139.97], tiles=None), _static)
    assert parts.js == (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
    )
    assert all(url.startswith("/static/vendor/") for url in parts.css)
    assert "http" not in parts.script and "http" not in parts.html
    assert f'id="{parts.name}"' in parts.html
    assert f"var {parts.name} = L.map(" in parts.script
