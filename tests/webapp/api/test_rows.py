"""The rows API: a published standard CSV as JSON pages and CSV downloads; parameters checked."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pytest

from tests.webapp.conftest import _meta
from tsunagu.catalogue.base import PublishRequest, ResourceFile
from tsunagu.services.rows import RowsStore, RowsTable, load_table

AED = "kashiwa-aed-19"
URL = f"/api/v1/datasets/{AED}/rows"
ALL_IDS = [f"AED{n:03d}" for n in range(1, 20)]


def _resource(folder: Path, source: Path, key: str, fmt: str, mediatype: str) -> ResourceFile:
    path = folder / source.name
    shutil.copyfile(source, path)
    data = path.read_bytes()
    return ResourceFile(
        key, path, source.name, fmt, mediatype, hashlib.sha256(data).hexdigest(), len(data)
    )


@pytest.fixture
def app(app, published, data_path, tmp_path):
    """The shared web app, plus the 19 AEDs of Kashiwa (CSV + GeoJSON) and a GeoJSON-only layer."""
    folder = tmp_path / "api-files"
    folder.mkdir()
    aed = (
        _resource(folder, data_path("webapp/api/aed_kashiwa.csv"), "csv", "CSV", "text/csv"),
        _resource(
            folder,
            data_path("webapp/api/aed_kashiwa.geojson"),
            "geojson",
            "GeoJSON",
            "application/geo+json",
        ),
    )
    published.publish(PublishRequest(_meta(AED), aed))
    areas = _resource(
        folder,
        data_path("webapp/api/areas_kashiwa.geojson"),
        "geojson",
        "GeoJSON",
        "application/geo+json",
    )
    published.publish(PublishRequest(_meta("kashiwa-areas", title_ja="柏市町丁目"), (areas,)))
    return app


def _ids(body: dict) -> list[str]:
    return [row["ID"] for row in body["rows"]]


def test_rows_page_has_fields_total_and_next(client):
    body = client.get(URL, query_string={"limit": 5}).get_json()
    assert body["ok"] is True
    assert body["fields"][:4] == ["全国地方公共団体コード", "ID", "地方公共団体名", "名称"]
    assert (body["total"], body["offset"], body["limit"]) == (19, 0, 5)
    assert _ids(body) == ALL_IDS[:5]
    assert body["rows"][0]["名称"] == "柏市役所本庁舎"
    assert body["rows"][1]["備考"] is None  # an empty cell is null (raw=1 gives "")
    assert body["next"].startswith(f"http://localhost{URL}?")
    assert "offset=5" in body["next"] and "limit=5" in body["next"]


def test_following_next_links_yields_every_row_once(client):
    seen, url = [], f"{URL}?limit=4&小児対応設備の有無=有"
    for _ in range(10):
        body = client.get(url.replace("http://localhost", "")).get_json()
        seen += _ids(body)
        if body["next"] is None:
            break
        url = body["next"]
    assert seen == [
        i for i in ALL_IDS if i not in {"AED003", "AED005", "AED015", "AED017", "AED019"}
    ]


def test_default_limit_is_100(client):
    body = client.get(URL).get_json()
    assert (body["limit"], len(body["rows"]), body["next"]) == (100, 19, None)


def test_field_filter_is_exact(client):
    body = client.get(URL, query_string={"小児対応設備の有無": "無"}).get_json()
    assert _ids(body) == ["AED003", "AED005", "AED015", "AED017", "AED019"]
    assert client.get(URL, query_string={"名称": "柏市役所"}).get_json()["total"] == 0


@pytest.mark.parametrize("q", ["ｶｼﾜｼﾘﾂ", "かしわしりつ", "カシワシリツ"])
def test_q_matches_width_and_kana_variants(client, q):
    body = client.get(URL, query_string={"q": q}).get_json()
    assert _ids(body) == [
        "AED003",
        "AED008",
        "AED009",
        "AED010",
        "AED011",
        "AED012",
        "AED013",
        "AED014",
    ]


def test_q_terms_must_all_occur(client):
    body = client.get(URL, query_string={"q": "小学校 体育館入口"}).get_json()
    assert _ids(body) == ["AED008"]


def test_sort_numeric_and_descending(client):
    by_lat = client.get(URL, query_string={"sort": "緯度"}).get_json()
    assert (_ids(by_lat)[0], _ids(by_lat)[-1]) == ("AED014", "AED017")
    desc = client.get(URL, query_string={"sort": "-ID", "limit": 3}).get_json()
    assert _ids(desc) == ["AED019", "AED018", "AED017"]


def test_offset_beyond_total_is_an_empty_page(client):
    body = client.get(URL, query_string={"offset": 500}).get_json()
    assert (body["total"], body["rows"], body["next"]) == (19, [], None)


def test_csv_download_is_the_same_selection(client):
    response = client.get(f"{URL}.csv", query_string={"小児対応設備の有無": "無", "sort": "-ID"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{AED}-rows.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("全国地方公共団体コード,ID,") and text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["ID"] for r in rows] == ["AED019", "AED017", "AED015", "AED005", "AED003"]
    assert rows[-1]["備考"] == "月曜休館"


def test_csv_quotes_per_rfc4180(client):
    text = client.get("/api/v1/datasets/kashiwa-aed/rows.csv").get_data(as_text=True)
    assert text.splitlines()[2] == '2,"=HYPERLINK(""http://x"")",35.86,139.97'


def test_new_version_is_served_at_once(client, published, tmp_path):
    first = client.get("/api/v1/datasets/kashiwa-population/rows").get_json()
    assert first["rows"] == [{"町丁目": "柏", "人口": "100"}]
    path = tmp_path / "pop2.csv"
    path.write_text("町丁目,人口\r\n柏,101\r\n", encoding="utf-8")
    data = path.read_bytes()
    new = ResourceFile(
        "csv", path, "pop.csv", "CSV", "text/csv", hashlib.sha256(data).hexdigest(), len(data)
    )
    record = published.get_dataset("kashiwa-population")
    published.publish(PublishRequest(record.meta, (new,)))
    assert (
        client.get("/api/v1/datasets/kashiwa-population/rows").get_json()["rows"][0]["人口"]
        == "101"
    )


BAD = [
    ({"limit": "-1"}, 400, "parameter-out-of-range"),
    ({"limit": "abc"}, 400, "parameter-not-integer"),
    ({"limit": "1.5"}, 400, "parameter-not-integer"),
    ({"limit": "１０"}, 400, "parameter-not-integer"),
    ({"offset": "-3"}, 400, "parameter-out-of-range"),
    ({"offset": str(10**30)}, 400, "parameter-out-of-range"),
    ({"sort": "色"}, 400, "parameter-invalid"),
    ({"sort": "-"}, 400, "parameter-invalid"),
    ({"色": "赤"}, 400, "parameter-unknown"),
    ({"q": "x" * 201}, 400, "parameter-out-of-range"),  # past the cap, as on every route
]


@pytest.mark.parametrize("suffix", ["", ".csv"])
@pytest.mark.parametrize(("args", "status", "code"), BAD)
def test_bad_parameters_answer_the_json_error_shape(client, suffix, args, status, code):
    response = client.get(URL + suffix, query_string=args)
    body = response.get_json()
    assert response.status_code == status
    assert set(body) == {"ok", "status", "code", "error", "errors", "message"}
    assert (body["ok"], body["status"], body["code"]) == (False, status, code)
    assert body["errors"] == [body["error"]]


def test_page_limit_over_1000_is_refused_but_a_download_has_no_cap(client):
    page = client.get(URL, query_string={"limit": 1001})
    assert (page.status_code, page.get_json()["code"]) == (400, "parameter-out-of-range")
    download = client.get(f"{URL}.csv", query_string={"limit": 1001})
    assert (download.status_code, download.headers["X-Total-Count"]) == (200, "19")


@pytest.mark.parametrize(
    ("dataset", "code"),
    [("no-such-dataset", "dataset-not-found"), ("kashiwa-areas", "rows-not-found")],
)
@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_unknown_dataset_or_no_csv_is_404(client, dataset, code, suffix):
    response = client.get(f"/api/v1/datasets/{dataset}/rows{suffix}")
    assert response.status_code == 404
    assert response.get_json()["code"] == code


def test_store_loads_once_per_checksum_and_evicts_oldest(data_path):
    calls: list[str] = []
    source = data_path("webapp/api/aed_kashiwa.csv")

    def opener(dataset_id: str) -> tuple[Path, str]:
        calls.append(dataset_id)
        return source, f"sha-{dataset_id}"

    store = RowsStore(opener, max_tables=2)
    first = store.table("a")
    assert store.table("a") is first
    store.table("b")
    store.table("c")
    assert len(store) == 2
    assert store.table("a") is not first  # "a" was evicted, loaded again
    assert isinstance(first, RowsTable) and first.frame.height == 19


def test_empty_csv_has_no_rows(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("ID,名称\r\n", encoding="utf-8")
    table = load_table(path)
    assert (table.fields, table.frame.height) == (["ID", "名称"], 0)
