"""The embedded CKAN API against a real CKAN 2.12: one dataset published to both, compared key by
key (marker ``ckan``; needs ../shared/ckan-local, skipped with the reason without CKAN_URL)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from tests.catalogue.conftest import ckan_credentials
from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import load_settings
from tsunagu.webapp import create_app

pytestmark = pytest.mark.ckan

# Keys whose values differ on purpose, and why.
ALLOWED = {
    "package": {
        "id": "CKAN makes a UUID; the embedded catalogue's stable id is the name",
        "owner_org": "CKAN points at the organisation's UUID; ours at its name (its id)",
        "creator_user_id": "the embedded catalogue has no CKAN user accounts (null)",
        "metadata_created": "publish time, different on each system",
        "metadata_modified": "publish time, different on each system",
    },
    "organization": {
        "id": "UUID in CKAN, the name in ours",
        "created": "creation time, different on each system",
    },
    "resource": {
        "id": "each system makes its own resource UUID",
        "package_id": "the package's id (UUID in CKAN, name in ours)",
        "url": "each system serves the file from its own address",
        "created": "upload time, different on each system",
        "last_modified": "upload time, different on each system",
        "metadata_modified": "upload time, different on each system",
    },
    "tag": {"id": "CKAN's tag UUID; ours is a UUID5 of the tag name"},
}


def _request(folder: Path, dataset_id: str, organisation: str) -> PublishRequest:
    files = []
    for key, name, text, fmt, mediatype in (
        (
            "csv",
            "aed.csv",
            "ID,名称,緯度,経度\r\n1,柏市役所,35.8676,139.9757\r\n",
            "CSV",
            "text/csv",
        ),
        (
            "geojson",
            "aed.geojson",
            '{"type":"FeatureCollection","features":[]}',
            "GeoJSON",
            "application/geo+json",
        ),
    ):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        files.append(ResourceFile(key, path, name, fmt, mediatype, digest, len(data)))
    meta = DatasetMeta(
        id=dataset_id,
        title_ja="柏市AED設置箇所一覧",
        title_en="Kashiwa AED locations",
        description_ja="市の施設に設置したAEDの一覧",
        description_en="AEDs in city facilities",
        organisation=organisation,
        organisation_title_ja="健康政策課",
        organisation_title_en="Health Policy Division",
        standard="aed-installations",
        standard_title="AED設置箇所一覧",
        licence="CC-BY-4.0",
        update_frequency="yearly",
        tags=("防災", "AED"),
        municipality_code="122173",
        municipality_name="千葉県柏市",
        spatial={
            "type": "Polygon",
            "coordinates": [
                [[139.9, 35.8], [140.0, 35.8], [140.0, 35.9], [139.9, 35.9], [139.9, 35.8]]
            ],
        },
    )
    return PublishRequest(meta, tuple(files), {"summary": {"error": 0}})


@pytest.fixture
def both(tmp_path):
    """(real CKAN package_show result, embedded package_show result) of the same publish."""
    import ckanapi

    from tsunagu.catalogue.ckan import CkanCatalogue

    creds = ckan_credentials()
    if creds is None:
        pytest.skip("CKAN_URL and CKAN_API_TOKEN(_FILE) not set: start ../shared/ckan-local/up.sh")
    suffix = uuid.uuid4().hex[:10]
    request = _request(tmp_path, f"t-parity-{suffix}", f"t-org-{suffix}")
    real = CkanCatalogue(creds[0], creds[1], timeout=20)
    local = LocalCatalogue(f"sqlite:///{tmp_path / 'cat.sqlite3'}", tmp_path / "storage")
    real.publish(request)
    local.publish(request)
    direct = ckanapi.RemoteCKAN(creds[0], apikey=creds[1])
    try:
        theirs = direct.call_action("package_show", {"id": request.meta.id})
        their_orgs = direct.call_action(
            "organization_list", {"all_fields": True, "organizations": [request.meta.organisation]}
        )
        app = create_app(
            load_settings({"data_dir": tmp_path / "instance"}, env={}), catalogue=local
        )
        client = app.test_client()
        ours = client.get(f"/api/3/action/package_show?id={request.meta.id}").json["result"]
        our_orgs = client.get("/api/3/action/organization_list?all_fields=true").json["result"]
        yield theirs, ours, their_orgs, our_orgs
    finally:
        direct.call_action("dataset_purge", {"id": request.meta.id})
        direct.call_action("organization_purge", {"id": request.meta.organisation})
        direct.close()


def _compare(theirs: dict, ours: dict, allowed: dict[str, str], where: str) -> None:
    assert set(ours) == set(theirs), f"{where}: keys differ: {set(ours) ^ set(theirs)}"
    for key in theirs:
        if key not in allowed and not isinstance(theirs[key], dict | list):
            assert ours[key] == theirs[key], f"{where}.{key}: {ours[key]!r} != {theirs[key]!r}"


def test_package_show_matches_real_ckan_key_by_key(both):
    theirs, ours, _, _ = both
    _compare(theirs, ours, ALLOWED["package"], "package")
    _compare(theirs["organization"], ours["organization"], ALLOWED["organization"], "org")
    assert ours["extras"] == theirs["extras"]
    assert [t["name"] for t in ours["tags"]] == [t["name"] for t in theirs["tags"]]
    for their_tag, our_tag in zip(theirs["tags"], ours["tags"], strict=True):
        _compare(their_tag, our_tag, ALLOWED["tag"], "tag")
    assert len(ours["resources"]) == len(theirs["resources"]) == 2
    # the publish filled CKAN's DataStore for the CSV (not the GeoJSON); ours says the same
    assert [r["datastore_active"] for r in theirs["resources"]] == [True, False]
    assert [r["datastore_active"] for r in ours["resources"]] == [True, False]
    for their_res, our_res in zip(theirs["resources"], ours["resources"], strict=True):
        _compare(their_res, our_res, ALLOWED["resource"], f"resource {their_res['name']}")


def test_the_values_clients_read_are_the_same(both):
    theirs, ours, _, _ = both
    for key in ("name", "title", "notes", "license_id", "license_title", "license_url", "isopen"):
        assert ours[key] == theirs[key], key
    assert ours["organization"]["name"] == theirs["organization"]["name"]
    assert ours["organization"]["description"] == theirs["organization"]["description"]

    def files(package):
        return [(r["name"], r["format"], r["hash"], r["size"]) for r in package["resources"]]

    assert files(ours) == files(theirs)


def test_organization_list_all_fields_has_the_same_keys(both):
    _, _, their_orgs, our_orgs = both
    assert len(their_orgs) == len(our_orgs) == 1
    _compare(their_orgs[0], our_orgs[0], ALLOWED["organization"], "organization_list")
