"""``datastore_search`` and ``tag_list`` on the embedded catalogue, as a CKAN client meets them:
the Kashiwa samples published with the real CLI (the ``make demo`` instance), the site served on
127.0.0.1, and ``ckanapi.RemoteCKAN`` asking it. No network, no CKAN needed (the comparison with
a real CKAN's answers is test_ckan_datastore_parity_ckan.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.webapp.browser_support import demo_app, demo_data_dir, serve

AED = "kashiwa-aed-installations"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    data_dir, _, output = demo_data_dir(tmp_path_factory)
    assert (data_dir / "catalogue.sqlite3").exists(), output
    with serve(demo_app(data_dir)) as base:
        yield base


@pytest.fixture(scope="module")
def ckan(site):
    import ckanapi

    with ckanapi.RemoteCKAN(site, user_agent="tsunagu-tests") as remote:
        yield remote


@pytest.fixture(scope="module")
def aed_csv(ckan) -> dict[str, Any]:
    package = ckan.action.package_show(id=AED)
    return next(r for r in package["resources"] if r["format"] == "CSV")


def test_every_row_is_served_typed_by_the_schema(site, ckan, aed_csv):
    assert aed_csv["datastore_active"] is True
    answer = ckan.action.datastore_search(resource_id=aed_csv["id"], limit=1000)
    rows = requests.get(f"{site}/api/v1/datasets/{AED}/rows", params={"limit": 1000}, timeout=30)
    ours = rows.json()
    assert answer["total"] == ours["total"] == len(answer["records"]) > 0
    kinds = {f["id"]: f["type"] for f in answer["fields"]}
    assert kinds["_id"] == "int" and kinds["緯度"] == "numeric" and kinds["名称"] == "text"
    assert [f["id"] for f in answer["fields"]][1:] == ours["fields"]
    for n, (record, row) in enumerate(zip(answer["records"], ours["rows"], strict=True), 1):
        assert record["_id"] == n
        assert isinstance(record["緯度"], float) and record["緯度"] == float(row["緯度"])
        assert record["名称"] == row["名称"]
        assert all(record[k] is None for k, v in row.items() if v == "")


def test_filters_q_sort_and_paging(ckan, aed_csv):
    rid = aed_csv["id"]
    everything = ckan.action.datastore_search(resource_id=rid, limit=1000)["records"]
    name = everything[0]["名称"]
    found = ckan.action.datastore_search(resource_id=rid, filters={"名称": name})
    assert found["total"] >= 1 and {r["名称"] for r in found["records"]} == {name}
    assert found["filterops"] == {"op": "eq", "field": "名称", "value": name}
    by_lat = ckan.action.datastore_search(resource_id=rid, sort="緯度 desc", limit=1000)
    lats = [r["緯度"] for r in by_lat["records"] if r["緯度"] is not None]
    assert lats == sorted(lats, reverse=True)
    page = ckan.action.datastore_search(resource_id=rid, limit=2, offset=1)
    assert page["records"] == everything[1:3] and page["total"] == len(everything)
    part = name[:1]  # one character of a Japanese name: found inside the word (CKAN would not)
    hits = ckan.action.datastore_search(resource_id=rid, q=part, limit=1000)
    assert hits["total"] >= 1 and all("rank" in r for r in hits["records"])
    assert all(part in json.dumps(r, ensure_ascii=False) for r in hits["records"])


def test_errors_use_ckans_classes(ckan, aed_csv):
    import ckanapi

    with pytest.raises(ckanapi.ValidationError) as info:
        ckan.action.datastore_search(resource_id=aed_csv["id"], filters={"無い項目": "1"})
    assert info.value.error_dict["filters"] == ["Unknown field: 無い項目"]
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id=aed_csv["id"], sort="名称 sideways")
    package = ckan.action.package_show(id=AED)
    not_tabular = next(r for r in package["resources"] if r["format"] != "CSV")
    assert not_tabular["datastore_active"] is False
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id=not_tabular["id"])


def test_a_get_request_answers_bad_json_filters_with_ckans_409(site, aed_csv):
    response = requests.get(
        f"{site}/api/3/action/datastore_search",
        params={"resource_id": aed_csv["id"], "filters": "{not json"},
        timeout=30,
    )
    assert response.status_code == 409
    assert response.json()["error"] == {
        "filters": ["Cannot parse JSON"],
        "__type": "Validation Error",
    }


def test_tag_list_names_the_tags_of_the_published_datasets(ckan):
    tags = ckan.action.tag_list()
    assert tags == sorted(tags) and "AED" in tags and "トイレ" in tags
    assert ckan.action.tag_list(query="ae") == ["AED"]
    (entry,) = ckan.action.tag_list(query="AED", all_fields=True)
    assert set(entry) == {"id", "name", "vocabulary_id", "display_name"}
    assert {t["name"] for t in ckan.action.package_show(id=AED)["tags"]} <= set(tags)
    assert "文化財" not in tags and "歴史" not in tags  # only the blocked sample has them
