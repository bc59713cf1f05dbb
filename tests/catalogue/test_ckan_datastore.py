"""Publishing to CKAN fills its DataStore: types from the Table Schema, rows removed on update,
rolled back with the files on failure. The mapping is tested alone; the rest against the real
CKAN from ../shared/ckan-local (marker ``ckan``), read back directly, never through the proxy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalogue.fault_proxy import Rule
from tsunagu.catalogue.base import PublishRequest
from tsunagu.catalogue.ckan_datastore import (
    DataStoreRefused,
    datastore_fields,
    records,
)
from tsunagu.errors import CatalogueUnavailable, PublishError

SCHEMA = {
    "fields": [
        {"name": "ID", "type": "string"},
        {"name": "名称", "type": "string"},
        {"name": "定員", "type": "integer"},
        {"name": "緯度", "type": "number"},
        {"name": "開設日", "type": "date", "format": "default"},
        {"name": "開始時間", "type": "time", "format": "%H:%M"},
        {"name": "駐車場", "type": "boolean", "trueValues": ["有"], "falseValues": ["無"]},
    ],
    "missingValues": [""],
}
HEADER = "ID,名称,定員,緯度,開設日,開始時間,駐車場"
ROWS = [
    "001,柏駅 東口,120,35.8621,2024-04-01,09:00,有",
    "002,柏市役所,,35.8676,,,無",
    "003,あけぼの山,30,35.9012,2023-10-15,08:30,",
]


def csv_text(rows: list[str]) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def test_fields_take_types_from_the_schema_and_unknown_columns_stay_text():
    fields, key = datastore_fields([*HEADER.split(","), "備考"], SCHEMA)
    assert [f["type"] for f in fields] == [
        "text", "text", "int8", "numeric", "date", "time", "bool", "text"
    ]  # fmt: skip
    assert key == []
    _, key = datastore_fields(["ID", "名称"], {**SCHEMA, "primaryKey": "ID"})
    assert key == ["ID"]
    _, key = datastore_fields(["名称"], {**SCHEMA, "primaryKey": ["ID"]})
    assert key == []  # a key over a column the file lacks cannot be declared


def test_records_convert_missing_values_booleans_and_declared_formats(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(csv_text(ROWS), encoding="utf-8")
    batches = list(records(path, SCHEMA, batch_rows=2))
    assert [len(b) for b in batches] == [2, 1]
    first, second = batches[0]
    assert first == {
        "ID": "001",
        "名称": "柏駅 東口",
        "定員": "120",
        "緯度": "35.8621",
        "開設日": "2024-04-01",
        "開始時間": "09:00:00",
        "駐車場": True,
    }
    assert second["定員"] is None and second["開設日"] is None and second["駐車場"] is False


def test_a_cell_that_does_not_fit_its_type_names_file_and_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(csv_text([ROWS[0], "004,x,1,1,2024-01-01,9時,有"]), encoding="utf-8")
    with pytest.raises(DataStoreRefused) as info:
        list(records(path, SCHEMA))
    assert "t.csv row 3" in info.value.message_en and "3 行目" in info.value.message_ja


# -- against the real CKAN ---------------------------------------------------------------------
@pytest.fixture
def purge_after(ckan_direct):
    ids: list[str] = []
    yield ids
    for dataset_id in ids:
        ckan_direct.purge(dataset_id)


@pytest.fixture
def org(ckan_direct) -> str:
    ckan_direct.action("organization_create", name="kenko", title="健康政策課")  # may exist
    return "kenko"


def with_schema(request: PublishRequest) -> PublishRequest:
    from dataclasses import replace

    resources = tuple(
        replace(r, table_schema=SCHEMA) if r.format == "CSV" else r for r in request.resources
    )
    return replace(request, resources=resources)


def stored_rows(ckan_direct, dataset_id: str, key: str = "csv") -> tuple[dict, list[dict]]:
    package = ckan_direct.package(dataset_id, anonymous=True)
    resource = next(r for r in package["resources"] if r["tsunagu_key"] == key)
    body = ckan_direct.action(
        "datastore_search", anonymous=True, resource_id=resource["id"], sort="_id", limit=1000
    )
    assert body["success"], body
    return resource, [{k: v for k, v in r.items() if k != "_id"} for r in body["result"]["records"]]


@pytest.mark.ckan
def test_publish_fills_the_datastore_typed_by_the_schema(
    ckan_direct, make_request, unique_id, purge_after, org
):
    from tests.catalogue.conftest import make_ckan

    purge_after.append(unique_id)
    catalogue = make_ckan()
    request = with_schema(
        make_request(unique_id, {"csv": csv_text(ROWS), "geojson": '{"type":"FeatureCollection"}'})
    )
    catalogue.publish(request)
    resource, rows = stored_rows(ckan_direct, unique_id)
    assert resource["datastore_active"] is True
    assert rows == [
        {"ID": "001", "名称": "柏駅 東口", "定員": 120, "緯度": 35.8621,
         "開設日": "2024-04-01", "開始時間": "09:00:00", "駐車場": True},
        {"ID": "002", "名称": "柏市役所", "定員": None, "緯度": 35.8676,
         "開設日": None, "開始時間": None, "駐車場": False},
        {"ID": "003", "名称": "あけぼの山", "定員": 30, "緯度": 35.9012,
         "開設日": "2023-10-15", "開始時間": "08:30:00", "駐車場": None},
    ]  # fmt: skip
    geojson = next(
        r for r in ckan_direct.package(unique_id)["resources"] if r["tsunagu_key"] == "geojson"
    )
    assert geojson["datastore_active"] is False  # only tabular resources


@pytest.mark.ckan
def test_update_removes_rows_removed_from_the_file_and_keeps_the_resource(
    ckan_direct, make_request, unique_id, purge_after, org
):
    from tests.catalogue.conftest import make_ckan

    purge_after.append(unique_id)
    catalogue = make_ckan()
    catalogue.publish(with_schema(make_request(unique_id, {"csv": csv_text(ROWS)})))
    before, _ = stored_rows(ckan_direct, unique_id)
    result = catalogue.publish(with_schema(make_request(unique_id, {"csv": csv_text(ROWS[1:])})))
    assert result.action == "update"
    after, rows = stored_rows(ckan_direct, unique_id)
    assert after["id"] == before["id"]
    assert [r["ID"] for r in rows] == ["002", "003"]


@pytest.mark.ckan
def test_failed_datastore_fill_on_update_restores_file_and_rows(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan(attempts=1)
    catalogue.publish(with_schema(make_request(unique_id, {"csv": csv_text(ROWS)})))
    before, before_rows = stored_rows(ckan_direct, unique_id)
    fault_proxy.add(Rule("status", "datastore_upsert", status=500))  # only the new file's fill
    with pytest.raises(PublishError):
        catalogue.publish(with_schema(make_request(unique_id, {"csv": csv_text(ROWS[:1])})))
    after, after_rows = stored_rows(ckan_direct, unique_id)
    assert after["hash"] == before["hash"] and after["id"] == before["id"]
    assert after_rows == before_rows and len(after_rows) == 3


@pytest.mark.ckan
def test_failed_datastore_fill_on_create_publishes_nothing(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan(attempts=1)
    fault_proxy.add(Rule("status", "datastore_create", status=500, times=None))
    with pytest.raises(CatalogueUnavailable):
        catalogue.publish(with_schema(make_request(unique_id, {"csv": csv_text(ROWS)})))
    assert ckan_direct.package(unique_id) is None


@pytest.mark.ckan
def test_an_unchanged_file_without_a_datastore_table_gets_one(
    ckan_direct, make_request, unique_id, purge_after, org
):
    from tests.catalogue.conftest import make_ckan

    purge_after.append(unique_id)
    catalogue = make_ckan()
    request = with_schema(make_request(unique_id, {"csv": csv_text(ROWS)}))
    catalogue.publish(request)
    resource, _ = stored_rows(ckan_direct, unique_id)
    ckan_direct.action("datastore_delete", resource_id=resource["id"], force=True)
    assert ckan_direct.package(unique_id)["resources"][0]["datastore_active"] is False
    assert catalogue.publish(request).action == "update"
    _, rows = stored_rows(ckan_direct, unique_id)
    assert len(rows) == 3
    assert catalogue.publish(request).action == "unchanged"


def test_the_file_is_what_the_rows_are_read_from(tmp_path: Path):
    """The rows come from the very file uploaded: a BOM (Excel's UTF-8) is not part of a name."""
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff".encode() + csv_text(ROWS[:1]).encode())
    (batch,) = records(path, SCHEMA)
    assert next(iter(batch[0])) == "ID"


@pytest.mark.ckan
def test_a_schema_primary_key_becomes_the_tables_and_batches_upsert_by_it(
    ckan_direct, make_request, unique_id, purge_after, org
):
    """With a primaryKey the table gets it (CKAN reports the column as its unique key) and the
    rows go in as upserts, batch after batch; a refill is still the file's rows exactly."""
    from tests.catalogue.conftest import make_ckan
    from tsunagu.catalogue import ckan_datastore

    purge_after.append(unique_id)
    catalogue = make_ckan()
    keyed = {**SCHEMA, "primaryKey": ["ID"]}
    request = make_request(unique_id, {"csv": csv_text(ROWS)})
    catalogue.publish(request)
    resource, _ = stored_rows(ckan_direct, unique_id)
    path = request.resources[0].path
    for _ in range(2):  # the second fill replaces the first: no duplicate rows, no key clash
        count = ckan_datastore.fill(catalogue._call, resource["id"], path, keyed, batch_rows=2)
        assert count == 3
    info = ckan_direct.action("datastore_info", resource_id=resource["id"])["result"]
    indexed = {f["id"]: f["schema"]["is_index"] for f in info["fields"]}
    assert indexed["ID"] is True and indexed["名称"] is False  # CKAN: a unique index
    duplicate = ckan_direct.action(
        "datastore_upsert", resource_id=resource["id"], force=True, method="insert",
        records=[{"ID": "001", "名称": "二重"}],
    )  # fmt: skip
    assert duplicate["success"] is False  # the key is enforced
    _, rows = stored_rows(ckan_direct, unique_id)
    assert [r["ID"] for r in rows] == ["001", "002", "003"]
