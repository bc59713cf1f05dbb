from __future__ import annotations

import pytest
from pyproj import CRS

from tsunagu.errors import FormatError
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.kml import KmlReader


def test_kml_placemarks_in_wgs84(data_path, settings):
    draft = KmlReader().read(data_path("gis/sites.kml"), ReadOptions(), settings)
    assert draft.table.crs == CRS.from_epsg(4326)
    assert draft.table["Name"].tolist() == ["柏第一小学校", "手賀の丘公園"]
    assert (draft.table.geometry[2].x, draft.table.geometry[2].y) == (140.0151, 35.8431)
    assert draft.report.facts == {"crs_source": "kml", "layer": "避難場所"}


def test_vrt_xml_named_kml_is_refused(data_path, tmp_path, settings):
    path = tmp_path / "sites.kml"
    path.write_bytes(data_path("gis/vrt_disguised.geojson").read_bytes())
    assert not KmlReader().sniff(path.read_bytes(), path)
    with pytest.raises(FormatError) as info:
        KmlReader().read(path, ReadOptions(), settings)
    assert info.value.code == "kml-invalid"
    assert "hunter2" not in info.value.user_message
