"""``datastore_search`` and ``tag_list`` of the embedded CKAN API against a real CKAN 2.12 with the
DataStore: one dataset published to both (the CKAN publish fills its DataStore), then the same
questions asked of both and the answers compared (marker ``ckan``; needs ../shared/ckan-local)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.catalogue.conftest import ckan_credentials
from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import load_settings
from tsunagu.webapp import create_app

pytestmark = pytest.mark.ckan

SCHEMA = {
    "fields": [
        {"name": "ID", "type": "string"},
        {"name": "名称", "type": "string"},
        {"name": "定員", "type": "integer"},
        {"name": "緯度", "type": "number"},
        {"name": "開設日", "type": "date", "format": "default"},
        {"name": "開始時間", "type": "time", "format": "%H:%M"},
    ],
    "missingValues": [""],
}
CSV = (
    "ID,名称,定員,緯度,開設日,開始時間\r\n"
    "001,柏駅 東口,120,35.8621,2024-04-01,09:00\r\n"
    "002,柏市役所,,35.8676,,\r\n"
    "003,あけぼの山 公園,30,35.9012,2023-10-15,08:30\r\n"
    "004,柏市役所,120,35.5,2022-01-31,10:15\r\n"
)
SEARCHES: list[dict[str, Any]] = [
    {},
    {"limit": 2, "offset": 1},
    {"fields": "名称,定員"},
    {"fields": ["ID"], "limit": 1},
    {"filters": {"定員": "120"}},
    {"filters": {"ID": ["001", "003"]}},
    {"filters": {"名称": "柏市役所", "定員": "120"}},
    {"filters": {"開設日": "2024-04-01"}},
    {"sort": "定員 desc"},
    {"sort": "緯度 asc, ID desc"},
    {"sort": "名称, _id desc"},
    {"records_format": "lists", "limit": 2},
    {"records_format": "csv"},
    {"records_format": "tsv", "fields": "ID,緯度"},
    {"include_total": False},
    {"q": "柏市役所"},
    {"q": {"名称": "柏市役所"}},
    {"distinct": True, "fields": ["名称"], "sort": "名称"},
    {"limit": 40000},
]
ERRORS: list[dict[str, Any]] = [
    {"filters": {"zz": "1"}},
    {"sort": "zz"},
    {"sort": "名称 sideways"},
    {"limit": "x"},
    {"limit": -1},
    {"offset": -1},
    {"records_format": "zz"},
    {"fields": ["zz"]},
]


def _file(folder: Path, key: str, name: str, text: str, fmt: str, mediatype: str, **kw: Any):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return ResourceFile(key, path, name, fmt, mediatype, digest, len(data), **kw)


def _request(folder: Path, suffix: str) -> PublishRequest:
    package = {"name": "x", "resources": [{"name": "csv", "path": "a.csv", "schema": SCHEMA}]}
    files = (
        _file(folder, "csv", "a.csv", CSV, "CSV", "text/csv", table_schema=SCHEMA),
        _file(
            folder,
            "datapackage",
            "datapackage.json",
            json.dumps(package, ensure_ascii=False),
            "JSON",
            "application/json",
        ),
    )
    meta = DatasetMeta(
        id=f"t-ds-{suffix}",
        title_ja="施設一覧",
        title_en="Facilities",
        description_ja="",
        description_en="",
        organisation=f"t-org-{suffix}",
        organisation_title_ja="試験課",
        organisation_title_en="Test Division",
        standard="aed-installations",
        standard_title="AED設置箇所一覧",
        licence="CC-BY-4.0",
        update_frequency="yearly",
        tags=("防災", f"tag-{suffix}"),
    )
    return PublishRequest(meta, files, {"summary": {"error": 0}})


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(ask real CKAN, ask ours): each takes an action and params and returns (status, body)."""
    from tsunagu.catalogue.ckan import CkanCatalogue

    creds = ckan_credentials()
    if creds is None:
        pytest.skip("CKAN_URL and CKAN_API_TOKEN(_FILE) not set: start ../shared/ckan-local/up.sh")
    tmp = tmp_path_factory.mktemp("ds-parity")
    suffix = uuid.uuid4().hex[:10]
    request = _request(tmp, suffix)
    CkanCatalogue(creds[0], creds[1], timeout=20).publish(request)
    local = LocalCatalogue(f"sqlite:///{tmp / 'cat.sqlite3'}", tmp / "storage")
    local.publish(request)
    app = create_app(load_settings({"data_dir": tmp / "instance"}, env={}), catalogue=local)
    client = app.test_client()
    session = requests.Session()

    def theirs(action: str, **params: Any) -> tuple[int, dict]:
        response = session.post(f"{creds[0]}/api/3/action/{action}", json=params, timeout=30)
        return response.status_code, response.json()

    def ours(action: str, **params: Any) -> tuple[int, dict]:
        response = client.post(f"/api/3/action/{action}", json=params)
        return response.status_code, response.json

    def csv_id(ask) -> str:
        _, body = ask("package_show", id=request.meta.id)
        return next(r["id"] for r in body["result"]["resources"] if r["format"] == "CSV")

    try:
        yield {
            "theirs": theirs,
            "ours": ours,
            "their_id": csv_id(theirs),
            "our_id": csv_id(ours),
            "suffix": suffix,
            "client": client,
            "request": request,
        }
    finally:
        session.post(
            f"{creds[0]}/api/3/action/dataset_purge",
            json={"id": request.meta.id},
            headers={"Authorization": creds[1]},
            timeout=30,
        )
        session.post(
            f"{creds[0]}/api/3/action/organization_purge",
            json={"id": request.meta.organisation},
            headers={"Authorization": creds[1]},
            timeout=30,
        )
        session.close()


def _without_rank(records: Any) -> Any:
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return [{k: v for k, v in r.items() if not k.startswith("rank")} for r in records]
    return records


@pytest.mark.parametrize(
    "params", SEARCHES, ids=[json.dumps(p, ensure_ascii=False) for p in SEARCHES]
)
def test_datastore_search_answers_as_ckan_does(both, params):
    status_t, their_body = both["theirs"](
        "datastore_search", resource_id=both["their_id"], **params
    )
    status_o, our_body = both["ours"]("datastore_search", resource_id=both["our_id"], **params)
    assert status_t == status_o == 200, (their_body, our_body)
    theirs, ours = their_body["result"], our_body["result"]
    assert set(ours) == set(theirs), set(ours) ^ set(theirs)
    for key in theirs:
        if key in ("resource_id", "records"):
            continue
        assert ours[key] == theirs[key], (key, ours[key], theirs[key])
    assert _without_rank(ours["records"]) == _without_rank(theirs["records"])


@pytest.mark.parametrize("params", ERRORS, ids=[json.dumps(p, ensure_ascii=False) for p in ERRORS])
def test_bad_datastore_search_parameters_get_ckans_errors(both, params):
    status_t, theirs = both["theirs"]("datastore_search", resource_id=both["their_id"], **params)
    status_o, ours = both["ours"]("datastore_search", resource_id=both["our_id"], **params)
    assert (status_o, ours["success"]) == (status_t, theirs["success"]) == (409, False)
    assert ours["error"] == theirs["error"]


def test_missing_and_unknown_resources_get_ckans_errors(both):
    for params in ({}, {"resource_id": "no-such-resource"}):
        status_t, theirs = both["theirs"]("datastore_search", **params)
        status_o, ours = both["ours"]("datastore_search", **params)
        assert status_o == status_t and ours["error"] == theirs["error"], (theirs, ours)


def test_a_get_with_json_text_parameters_works_as_in_ckan(both):
    """CKAN clients put ``filters`` and ``q`` objects into a GET query string as JSON text."""
    params = {"filters": json.dumps({"ID": ["001", "004"]}), "sort": "ID desc"}
    body = (
        both["client"]
        .get(
            "/api/3/action/datastore_search", query_string={"resource_id": both["our_id"], **params}
        )
        .json["result"]
    )
    assert [r["ID"] for r in body["records"]] == ["004", "001"] and body["total"] == 2


def test_q_matches_japanese_inside_words_where_ckan_needs_whole_tokens(both):
    """The documented difference: CKAN's english full-text search finds 「柏」 nowhere."""
    _, theirs = both["theirs"]("datastore_search", resource_id=both["their_id"], q="柏")
    _, ours = both["ours"]("datastore_search", resource_id=both["our_id"], q="柏")
    assert theirs["result"]["total"] == 0
    assert ours["result"]["total"] == 3
    assert [r["rank"] for r in ours["result"]["records"]] == [1.0, 1.0, 1.0]


def test_tag_list_answers_as_ckan_does(both):
    for params in ({"query": both["suffix"]}, {"query": both["suffix"], "all_fields": True}):
        _, theirs = both["theirs"]("tag_list", **params)
        _, ours = both["ours"]("tag_list", **params)
        names = [t if isinstance(t, str) else t["name"] for t in ours["result"]]
        assert names == [f"tag-{both['suffix']}"]
        if params.get("all_fields"):
            assert set(ours["result"][0]) == set(theirs["result"][0])
        else:
            assert ours["result"] == theirs["result"]
    _, ours = both["ours"]("tag_list")
    assert ours["result"] == sorted(["防災", f"tag-{both['suffix']}"])
