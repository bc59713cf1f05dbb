from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from pyproj import CRS

from tsunagu.errors import FormatError
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.shapefile import ShapefileReader, ShapefileZipReader

ROOT = Path(__file__).resolve().parents[2]
DEMO_ZIP = ROOT / "datasets/kashiwa/bousai/evacuation-sites-gis/evacuation-sites.zip"
PARTS = (".shp", ".shx", ".dbf", ".prj")


@pytest.fixture
def loose(data_path, tmp_path: Path) -> Path:
    """A writable copy of the CP932 shapefile (no .cpg); returns the .shp path."""
    for suffix in PARTS:
        shutil.copy(data_path(f"gis/sites_cp932{suffix}"), tmp_path / f"sites_cp932{suffix}")
    return tmp_path / "sites_cp932.shp"


def read(path: Path, settings, **options) -> object:
    return ShapefileReader().read(path, ReadOptions(**options), settings)


def refused(path: Path, settings, reader=None, **options) -> FormatError:
    with pytest.raises(FormatError) as info:
        (reader or ShapefileReader()).read(path, ReadOptions(**options), settings)
    assert info.value.problem.location.file == path.name
    return info.value


def test_cp932_dbf_without_cpg_is_detected_and_decoded(loose, settings):
    draft = read(loose, settings)
    assert draft.source.encoding == "cp932" and draft.report.facts["encoding"] == "cp932"
    assert list(draft.raw_table.columns) == ["施設名", "住所", "収容人数"]
    assert draft.table.loc[1, "施設名"] == "柏第一小学校"
    assert draft.table.loc[2, "住所"] == "千葉県柏市片山398番地"
    assert draft.table.loc[3, "収容人数"] == "8000"  # attribute cells are text
    assert list(draft.table.index) == [1, 2, 3]
    assert draft.table.crs == CRS.from_epsg(6677)  # as found, not yet reprojected
    assert draft.report.problems == [] and draft.report.facts["crs_source"] == "file"


def test_cpg_that_lies_is_detected_not_published_as_mojibake(loose, settings):
    loose.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    draft = read(loose, settings)
    assert draft.table.loc[1, "施設名"] == "柏第一小学校"
    assert draft.report.flatten("file", "code") == [("sites_cp932.shp", "dbf-cpg-wrong")]
    assert draft.report.problems[0].params == {"claimed": "UTF-8", "found": "cp932"}


def test_truthful_cpg_is_honoured_quietly(loose, settings):
    loose.with_suffix(".cpg").write_text("CP932", encoding="ascii")
    draft = read(loose, settings)
    assert draft.report.problems == [] and draft.source.encoding == "cp932"


def test_utf8_dbf_read_as_utf8(settings, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "utf8.shp"
    gpd.GeoDataFrame({"名称": ["柏の葉公園"]}, geometry=[Point(1, 2)], crs=6677).to_file(
        path, encoding="utf-8", engine="pyogrio"
    )
    path.with_suffix(".cpg").unlink()
    draft = read(path, settings)
    assert draft.source.encoding == "utf-8" and draft.table.loc[1, "名称"] == "柏の葉公園"


@pytest.mark.parametrize("suffix", [".dbf", ".shx"])
def test_missing_required_part_is_a_clear_error(loose, settings, suffix):
    loose.with_suffix(suffix).unlink()
    error = refused(loose, settings)
    assert error.code == "shapefile-part-missing"
    assert error.problem.params == {"part": f"sites_cp932{suffix}"}
    assert f"sites_cp932{suffix}" in error.message_ja


def test_garbage_prj_is_crs_unknown(loose, settings):
    loose.with_suffix(".prj").write_text("made up projection text", encoding="ascii")
    error = refused(loose, settings, crs="EPSG:6677")
    assert error.code == "crs-unknown" and error.problem.params == {"part": "sites_cp932.prj"}


def test_missing_prj_without_declared_crs_is_an_error(loose, settings):
    loose.with_suffix(".prj").unlink()
    error = refused(loose, settings)
    assert error.code == "crs-missing" and "sites_cp932.prj" in error.message_en


def test_missing_prj_uses_the_declared_crs(loose, settings):
    loose.with_suffix(".prj").unlink()
    draft = read(loose, settings, crs="EPSG:6677")
    assert draft.table.crs == CRS.from_epsg(6677)
    assert draft.report.facts["crs_source"] == "declared"


def test_not_a_shapefile_is_refused(tmp_path, settings):
    path = tmp_path / "fake.shp"
    path.write_bytes(b"hello")
    assert refused(path, settings).code == "shapefile-not-shapefile"


def test_zipped_demo_shapefile(settings):
    draft = ShapefileZipReader().read(DEMO_ZIP, ReadOptions(), settings)
    assert len(draft.table) == 16 and draft.source.format == "shp-zip"
    assert draft.table.loc[1, "施設名"] == "柏第一小学校"
    assert draft.table.loc[1, "地震"] == "1" and draft.table.loc[3, "洪水"] == ""
    assert draft.report.facts["member"] == "evacuation_sites.shp"
    assert list((settings.data_dir / "work").iterdir()) == []  # work dir cleaned up


def zip_of(loose: Path, target: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for part in loose.parent.glob("sites_cp932.*"):
            zf.write(part, part.name)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return target


def test_zip_with_extra_traversal_member_is_refused(loose, settings, tmp_path):
    path = zip_of(loose, tmp_path / "upload.zip", {"../evil.txt": b"pwned"})
    error = refused(path, settings, reader=ShapefileZipReader())
    assert error.code == "archive-unsafe-member"
    assert not (tmp_path / "evil.txt").exists()
    assert not (settings.data_dir / "evil.txt").exists()


def test_zip_whose_shp_is_vrt_xml_is_refused(data_path, settings, tmp_path):
    path = tmp_path / "vrt.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x.shp", data_path("gis/vrt_disguised.geojson").read_bytes())
        for suffix in (".shx", ".dbf", ".prj"):
            zf.writestr(f"x{suffix}", data_path(f"gis/sites_cp932{suffix}").read_bytes())
    error = refused(path, settings, reader=ShapefileZipReader())
    assert error.code == "shapefile-not-shapefile"
    assert "hunter2" not in error.user_message


def test_zip_with_two_shapefiles_needs_a_layer(loose, settings, tmp_path):
    extra = {f"other{s}": (loose.with_suffix(s)).read_bytes() for s in PARTS}
    path = zip_of(loose, tmp_path / "two.zip", extra)
    error = refused(path, settings, reader=ShapefileZipReader())
    assert error.code == "gis-layer-ambiguous"
    assert error.problem.params["layers"] == "other, sites_cp932"
    draft = ShapefileZipReader().read(path, ReadOptions(layer="other"), settings)
    assert draft.report.facts["member"] == "other.shp"


def test_sniff(loose, tmp_path, settings):
    assert ShapefileReader().sniff(loose.read_bytes()[:64], loose)
    assert not ShapefileReader().sniff(b"<OGRVRTDataSource>", loose)
    head = DEMO_ZIP.read_bytes()[:8192]
    assert ShapefileZipReader().sniff(head, DEMO_ZIP)
    csv_zip = tmp_path / "data.zip"
    with zipfile.ZipFile(csv_zip, "w") as zf:
        zf.writestr("data.csv", "a,b\n")
    # every zip is claimed, so the archive guards name what is wrong with it
    assert ShapefileZipReader().sniff(csv_zip.read_bytes(), csv_zip)
    assert refused(csv_zip, settings, ShapefileZipReader()).code == "archive-member-not-allowed"


def test_dbf_record_count_header_lie_finishes_with_the_real_rows(loose, settings):
    dbf = loose.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[4:8] = (0xFFFFFFFF).to_bytes(4, "little")
    dbf.write_bytes(bytes(data))
    draft = read(loose, settings)
    assert len(draft.table) == 3 and draft.table.loc[3, "施設名"] == "柏の葉公園"
