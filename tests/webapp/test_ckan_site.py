"""The whole site on a real CKAN: two Kashiwa samples published with the real CLI
(``tsunagu publish --catalogue ckan``), then ``tsunagu serve`` started as a child process with
``TSUNAGU_CATALOGUE=ckan``, as a city running CKAN would. Pages, downloads, the map page, rows,
features, OGC and the CKAN-compatible API all read the resources CKAN holds; CKAN's own
``datastore_search`` serves the same rows as our rows API; a republished, changed file is read
again. Marker ``ckan``: needs ../shared/ckan-local (CKAN_URL, CKAN_API_TOKEN_FILE)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.catalogue.conftest import ckan_credentials
from tests.servers import free_port, running, wait_for_port

pytestmark = pytest.mark.ckan
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "datasets" / "kashiwa"
PICKED = ("kenko/aed-installations", "koen/public-toilets")
START_TIMEOUT = 30


def _copy_samples(target: Path, suffix: str) -> dict[str, Path]:
    """Two samples under ids of their own (a shared CKAN never sees two runs collide)."""
    shutil.copyfile(SAMPLES / "municipality.yaml", target / "municipality.yaml")
    folders = {}
    for picked in PICKED:
        folder = target / picked
        shutil.copytree(SAMPLES / picked, folder)
        manifest = folder / "dataset.yaml"
        text = manifest.read_text(encoding="utf-8")
        dataset_id = re.search(r"^id: (\S+)", text, re.M)[1] + f"-{suffix}"  # type: ignore[index]
        manifest.write_text(re.sub(r"^id: \S+", f"id: {dataset_id}", text, flags=re.M), "utf-8")
        folders[dataset_id] = folder
    return folders


def _env(data_dir: Path, url: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    return {
        **env,
        "TSUNAGU_CATALOGUE": "ckan",
        "TSUNAGU_CKAN_URL": url,
        "TSUNAGU_CKAN_TOKEN": token,
        "TSUNAGU_DATA_DIR": str(data_dir),
    }


def _publish(env: dict[str, str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "tsunagu", "publish", str(folder), "--catalogue", "ckan"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, Any]]:
    creds = ckan_credentials()
    if creds is None:
        pytest.skip("CKAN_URL and CKAN_API_TOKEN(_FILE) not set: start ../shared/ckan-local/up.sh")
    root = tmp_path_factory.mktemp("ckan-site")
    (root / "datasets").mkdir()
    suffix = uuid.uuid4().hex[:8]
    folders = _copy_samples(root / "datasets", suffix)
    env = _env(root / "instance", *creds)
    ckan = requests.Session()
    ckan.headers["Authorization"] = creds[1]
    try:
        published = _publish(env, root / "datasets")
        assert published.returncode == 0, published.stdout + published.stderr
        port = free_port()
        log = root / "serve.log"
        command = [sys.executable, "-m", "tsunagu", "serve", "--port", str(port)]
        with running(command, log, cwd=REPO, env=env, stop_timeout=10) as server:
            wait_for_port(server, port, START_TIMEOUT, log)
            base = f"http://127.0.0.1:{port}"
            yield {
                "base": base,
                "ckan_url": creds[0],
                "ckan": ckan,
                "env": env,
                "root": root,
                "folders": folders,
                "log": log,
            }
    finally:
        for dataset_id in folders:
            ckan.post(f"{creds[0]}/api/3/action/dataset_purge", json={"id": dataset_id}, timeout=30)
        ckan.close()


def ckan_action(site: dict[str, Any], action: str, **data: Any) -> Any:
    response = site["ckan"].post(f"{site['ckan_url']}/api/3/action/{action}", json=data, timeout=30)
    body = response.json()
    assert body["success"], body
    return body["result"]


def get(site: dict[str, Any], path: str, **params: Any) -> requests.Response:
    response = requests.get(site["base"] + path, params=params, timeout=60)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response


def _same(ours: str, theirs: Any, kind: str) -> bool:
    """Our rows API gives the file's text; CKAN's DataStore the typed value of the same cell."""
    if theirs is None:
        return ours in ("", None)
    if kind in ("int8", "int4", "numeric"):
        return Decimal(ours) == Decimal(str(theirs))
    if kind == "time":
        return clock.fromisoformat(ours) == clock.fromisoformat(theirs)
    if kind == "bool":
        return ours.lower() in ("true", "1") if theirs else ours.lower() in ("false", "0")
    return ours == str(theirs)


def test_the_catalogue_pages_list_and_show_the_ckan_datasets(site):
    listing = get(site, "/datasets").text
    for dataset_id in site["folders"]:
        assert f"/datasets/{dataset_id}" in listing
        page = get(site, f"/datasets/{dataset_id}").text
        assert "<table" in page  # the preview, read from the CSV CKAN holds
    viewer = get(site, "/map")
    assert viewer.headers["Content-Type"].startswith("text/html")
    for dataset_id in site["folders"]:
        assert dataset_id in viewer.text  # each is a layer of the map viewer


def test_every_download_is_the_file_ckan_holds(site):
    for dataset_id in site["folders"]:
        package = ckan_action(site, "package_show", id=dataset_id)
        assert package["resources"], dataset_id
        for resource in package["resources"]:
            key, name = resource["tsunagu_key"], resource["name"]
            ours = get(site, f"/datasets/{dataset_id}/resources/{key}/{name}").content
            assert hashlib.sha256(ours).hexdigest() == resource["hash"], (dataset_id, key)
            theirs = site["ckan"].get(resource["url"], timeout=30).content
            assert ours == theirs


def test_rows_api_and_ckan_datastore_serve_the_same_rows(site):
    for dataset_id in site["folders"]:
        package = ckan_action(site, "package_show", id=dataset_id)
        csv = next(r for r in package["resources"] if r["tsunagu_key"] == "csv")
        assert csv["datastore_active"] is True
        theirs = ckan_action(
            site, "datastore_search", resource_id=csv["id"], limit=1000, sort="_id"
        )
        kinds = {f["id"]: f["type"] for f in theirs["fields"]}
        assert set(kinds.values()) - {"int", "text"}, "the schema's types reach the DataStore"
        # raw=1: the file's text form (the default answer is typed per the schema)
        ours = get(site, f"/api/v1/datasets/{dataset_id}/rows", limit=1000, raw=1).json()
        assert ours["total"] == theirs["total"] > 0
        assert ours["fields"] == [f["id"] for f in theirs["fields"] if f["id"] != "_id"]
        for our_row, their_row in zip(ours["rows"], theirs["records"], strict=True):
            for name, value in our_row.items():
                assert _same(value, their_row[name], kinds[name]), (name, value, their_row[name])


def test_features_ogc_and_ckan_api_read_the_ckan_resources(site):
    listed = {d["id"] for d in get(site, "/api/v1/datasets", limit=100).json()["results"]}
    collections = {c["id"] for c in get(site, "/ogc/collections", f="json").json()["collections"]}
    for dataset_id in site["folders"]:
        assert dataset_id in listed and dataset_id in collections
        assert get(site, f"/api/v1/datasets/{dataset_id}").json()["id"] == dataset_id
        assert get(site, f"/datasets/{dataset_id}", lang="en").status_code == 200
        rows = get(site, f"/api/v1/datasets/{dataset_id}/rows", limit=1).json()["total"]
        features = get(site, f"/api/v1/datasets/{dataset_id}/features", limit=1000).json()
        assert features["type"] == "FeatureCollection" and len(features["features"]) == rows
        items = get(site, f"/ogc/collections/{dataset_id}/items", f="json", limit=5).json()
        assert items["numberMatched"] == rows and len(items["features"]) == min(rows, 5)
        mirrored = get(site, "/api/3/action/package_show", id=dataset_id).json()["result"]
        real = ckan_action(site, "package_show", id=dataset_id)
        assert [(r["name"], r["hash"], r["datastore_active"]) for r in mirrored["resources"]] == [
            (r["name"], r["hash"], r["datastore_active"]) for r in real["resources"]
        ]


def test_a_changed_file_is_published_to_the_datastore_and_read_again(site):
    dataset_id, folder = next(iter(site["folders"].items()))
    before = get(site, f"/api/v1/datasets/{dataset_id}/rows", limit=1000).json()
    source = next(p for p in folder.iterdir() if p.suffix == ".csv")
    raw = source.read_bytes()
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    lines = raw.rstrip(newline).split(newline)
    source.write_bytes(newline.join(lines[:-1]) + newline)  # the last row is gone
    published = _publish(site["env"], folder)
    assert published.returncode == 0, published.stdout + published.stderr
    after = get(site, f"/api/v1/datasets/{dataset_id}/rows", limit=1000).json()
    assert after["total"] == before["total"] - 1
    assert after["rows"] == before["rows"][:-1]
    package = ckan_action(site, "package_show", id=dataset_id)
    csv = next(r for r in package["resources"] if r["tsunagu_key"] == "csv")
    held = ckan_action(site, "datastore_search", resource_id=csv["id"], limit=0)
    assert held["total"] == after["total"]
    features = get(site, f"/api/v1/datasets/{dataset_id}/features", limit=1000).json()
    assert len(features["features"]) == after["total"]


def test_our_datastore_search_over_ckan_answers_as_ckan_itself(site):
    """The CKAN-compatible API of a site running on CKAN serves the same records as that CKAN."""
    for dataset_id in site["folders"]:
        real = ckan_action(site, "package_show", id=dataset_id)
        csv = next(r for r in real["resources"] if r["tsunagu_key"] == "csv")
        params = {"resource_id": csv["id"], "limit": 1000, "sort": "_id"}
        theirs = ckan_action(site, "datastore_search", **params)
        ours = get(site, "/api/3/action/datastore_search", **params).json()["result"]
        assert ours["fields"] == theirs["fields"]
        assert ours["records"] == theirs["records"] and ours["total"] == theirs["total"]


def test_the_kind_facet_reads_the_kind_each_dataset_travelled_with(site):
    """An own-schema dataset published to CKAN carries its kind as an extra; the site on
    catalogue=ckan facets and filters on it (issue 15)."""
    folder = site["root"] / "own-schema"
    shutil.copytree(
        SAMPLES / "haikibutsu" / "garbage-collection-calendar",
        folder / "haikibutsu" / "garbage-collection-calendar",
    )
    shutil.copyfile(SAMPLES / "municipality.yaml", folder / "municipality.yaml")
    manifest = folder / "haikibutsu" / "garbage-collection-calendar" / "dataset.yaml"
    dataset_id = f"kashiwa-garbage-collection-calendar-{uuid.uuid4().hex[:8]}"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r"^id: \S+", f"id: {dataset_id}", text, flags=re.M), "utf-8")
    try:
        published = _publish(site["env"], folder)
        assert published.returncode == 0, published.stdout + published.stderr
        package = ckan_action(site, "package_show", id=dataset_id)
        assert {e["key"]: e["value"] for e in package["extras"]}["kind"] == "own-schema"
        [table] = [r for r in package["resources"] if r.get("tsunagu_key") == "csv"]
        fields = [f["name"] for f in json.loads(table["schema"])["fields"]]
        assert fields[:3] == ["区域", "主な町名", "品目"]  # the contract travels with the table
        own = get(site, "/api/v1/datasets", kind="own-schema", limit=100).json()
        assert dataset_id in {d["id"] for d in own["results"]}
        assert set(own["facets"]["kind"]) == {"own-schema"}
        standard = get(site, "/api/v1/datasets", kind="standard", limit=100).json()
        assert dataset_id not in {d["id"] for d in standard["results"]}
        page = get(site, "/datasets").text
        assert "独自スキーマ" in page and "kind=own-schema" in page  # the 種類 facet
        assert f"/datasets/{dataset_id}" in get(site, "/datasets", kind="own-schema").text
    finally:
        site["ckan"].post(
            f"{site['ckan_url']}/api/3/action/dataset_purge", json={"id": dataset_id}, timeout=30
        )
