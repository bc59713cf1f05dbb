"""The rows API on the Kashiwa samples published by the real CLI: values typed per the
published datapackage.json, ``raw=1`` for the text form (issue 13)."""

from __future__ import annotations

import pytest

from tests.webapp.browser_support import demo_app, demo_data_dir


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir, code, output = demo_data_dir(tmp_path_factory)
    assert code in (0, 1), output  # 1: the documented blocked sample
    return demo_app(data_dir).test_client()


def test_numbers_integers_times_and_empty_cells_are_typed(demo):
    body = demo.get("/api/v1/datasets/kashiwa-public-toilets/rows?limit=3").get_json()
    assert body["types"]["緯度"] == "number" and body["types"]["男性トイレ総数"] == "integer"
    row = body["rows"][0]
    assert isinstance(row["緯度"], float) and isinstance(row["経度"], float)
    assert isinstance(row["男性トイレ総数"], int) and not isinstance(row["男性トイレ総数"], bool)
    assert row["全国地方公共団体コード"] == "122173"  # a code is a string in the schema
    assert row["画像"] is None  # empty cell
    times = [r["利用開始時間"] for r in body["rows"] if r["利用開始時間"] is not None]
    assert times and all(len(t) == 8 and t[2] == ":" for t in times)  # ISO 8601 hh:mm:ss


def test_dates_are_iso_strings(demo):
    body = demo.get("/api/v1/datasets/kashiwa-events/rows?limit=1").get_json()
    assert body["types"]["開始日"] == "date"
    assert body["rows"][0]["開始日"] == "2024-04-06"


def test_raw_gives_the_csv_text_and_is_not_a_filter(demo):
    body = demo.get("/api/v1/datasets/kashiwa-public-toilets/rows?limit=3&raw=1").get_json()
    assert body["raw"] is True and set(body["types"].values()) == {"string"}
    row = body["rows"][0]
    assert isinstance(row["緯度"], str) and row["画像"] == ""
    typed = demo.get("/api/v1/datasets/kashiwa-public-toilets/rows?limit=3").get_json()
    assert float(row["緯度"]) == typed["rows"][0]["緯度"]
    csv = demo.get("/api/v1/datasets/kashiwa-public-toilets/rows.csv?raw=1")
    assert csv.status_code == 200


def test_filters_still_compare_text(demo):
    body = demo.get("/api/v1/datasets/kashiwa-public-toilets/rows?男性トイレ総数=4").get_json()
    assert body["total"] >= 1 and all(r["男性トイレ総数"] == 4 for r in body["rows"])
