"""LocalCatalogue guarantees: concurrent publishes serialise, failures change nothing, and every
version's files stay retrievable. SQLite always; PostgreSQL when TSUNAGU_TEST_PG_URL is set."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from tests.catalogue.conftest import make_local
from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
from tsunagu.errors import PublishError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cat.sqlite3'}"
    url = os.environ.get("TSUNAGU_TEST_PG_URL")
    if not url:
        pytest.skip("TSUNAGU_TEST_PG_URL not set (a PostgreSQL database for tests)")
    return url


def write_request(folder: Path, dataset_id: str, variant: str) -> PublishRequest:
    """A two-file request whose contents all carry ``variant``, so a mix is detectable."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for key in ("csv", "geojson"):
        path = folder / f"{dataset_id}-{variant}.{key}"
        data = f"ID,名称\n1,柏市役所 {variant} {key}\n".encode()
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        resources.append(ResourceFile(key, path, path.name, key.upper(), "text/plain", digest, 40))
    meta = DatasetMeta(
        dataset_id, "柏市AED", "AED", "", "", "kenko", "健康政策課", "Health", "aed", "AED",
        "CC-BY-4.0", "yearly",
    )  # fmt: skip
    return PublishRequest(meta, tuple(resources), {"summary": {"error": 0}}, actor=variant)


def publish_in_child(db: str, storage: str, folder: str, dataset_id: str, variant: str) -> None:
    from tsunagu.catalogue.local import LocalCatalogue

    catalogue = LocalCatalogue(db, Path(storage))
    catalogue.publish(write_request(Path(folder), dataset_id, variant))


def assert_one_consistent_state(catalogue, dataset_id: str, variants: list[str], folder: Path):
    record = catalogue.get_dataset(dataset_id)
    current = {r.key: r.sha256 for r in record.resources}
    requests = {v: write_request(folder, dataset_id, v) for v in variants}
    wanted = {v: {r.key: r.sha256 for r in req.resources} for v, req in requests.items()}
    assert current in wanted.values()  # all resources from one request, never a mix
    versions = catalogue.list_versions(dataset_id)
    assert sorted(v.number for v in versions) == list(range(1, len(variants) + 1))
    assert versions[0].checksums == current
    assert sorted(v.actor for v in versions) == sorted(variants)
    hits = catalogue.search("", rows=10_000).results
    assert [d.meta.id for d in hits].count(dataset_id) == 1


def test_concurrent_thread_publishes_end_consistent(db_url, tmp_path, unique_id):
    catalogue = make_local(tmp_path, db_url)
    variants = ["a", "b", "c", "d"]
    requests = [write_request(tmp_path / "in", unique_id, v) for v in variants]
    barrier = threading.Barrier(len(requests))
    errors: list[BaseException] = []

    def run(request: PublishRequest) -> None:
        barrier.wait()
        try:
            catalogue.publish(request)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert_one_consistent_state(catalogue, unique_id, variants, tmp_path / "in")


def test_concurrent_process_publishes_end_consistent(db_url, tmp_path, unique_id):
    make_local(tmp_path, db_url)  # create the tables once
    context = multiprocessing.get_context("fork")
    variants = ["p", "q"]
    args = [
        (db_url, str(tmp_path / "storage"), str(tmp_path / "in"), unique_id, v) for v in variants
    ]
    processes = [context.Process(target=publish_in_child, args=a) for a in args]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0, 0]
    assert_one_consistent_state(make_local(tmp_path, db_url), unique_id, variants, tmp_path / "in")


def snapshot(catalogue, dataset_id: str):
    record = catalogue.get_dataset(dataset_id)
    return record, catalogue.list_versions(dataset_id)


def real_blob_names(storage: Path) -> set[str]:
    return {p.name for p in storage.rglob("*") if p.is_file() and not p.name.startswith(".")}


@pytest.mark.parametrize("fault", ["changed", "vanished"])
def test_file_changed_or_vanished_after_hashing_changes_nothing(db_url, tmp_path, fault, unique_id):
    catalogue = make_local(tmp_path, db_url)
    catalogue.publish(write_request(tmp_path / "v1", unique_id, "one"))
    before = snapshot(catalogue, unique_id)
    blobs_before = real_blob_names(tmp_path / "storage")
    request = write_request(tmp_path / "v2", unique_id, "two")
    victim = request.resources[1].path
    if fault == "changed":
        victim.write_text("ID,名称\n1,書き換え\n", encoding="utf-8")
    else:
        victim.unlink()
    with pytest.raises(PublishError) as info:
        catalogue.publish(request)
    assert info.value.code == "publish-file-changed"
    assert snapshot(catalogue, unique_id) == before
    after = real_blob_names(tmp_path / "storage")
    # the first file may be stored (content-addressed, unreferenced); never the broken one
    assert after - blobs_before <= {request.resources[0].sha256}
    assert request.resources[1].sha256 not in after
    assert not list((tmp_path / "storage").rglob(".incoming-*"))


def test_every_version_stays_retrievable_with_stable_urls(db_url, tmp_path, unique_id):
    catalogue = make_local(tmp_path, db_url)
    requests = [write_request(tmp_path / f"v{n}", unique_id, f"v{n}") for n in (1, 2, 3)]
    for request in requests:
        catalogue.publish(request)
    latest_urls = set()
    version_urls = set()
    for number, request in enumerate(requests, start=1):
        for resource in request.resources:
            path, info = catalogue.open_file(unique_id, resource.key, number)
            assert path.read_bytes() == resource.path.read_bytes()
            assert info["sha256"] == resource.sha256
            version_urls.add(catalogue.resource_url(unique_id, resource.key, number))
        latest_urls.add(catalogue.resource_url(unique_id, "csv"))
    path, _ = catalogue.open_file(unique_id, "csv")
    assert path.read_bytes() == requests[-1].resources[0].path.read_bytes()
    assert len(latest_urls) == 1  # the latest URL never changes
    assert len(version_urls) == 6  # one per version and key
    url = catalogue.resource_url(unique_id, "csv", 2)
    assert url == f"/datasets/{unique_id}/versions/2/csv/{unique_id}-v2.csv"


def test_concurrent_first_datasets_of_a_new_organisation(db_url, tmp_path, unique_id):
    """Different datasets take different locks; the organisation row they share must not race."""
    catalogue = make_local(tmp_path, db_url)
    organisation = f"org-{unique_id}"
    requests = []
    for n in range(4):
        request = write_request(tmp_path / f"in{n}", f"{unique_id}-{n}", f"v{n}")
        meta = DatasetMeta(**{**request.meta.__dict__, "organisation": organisation})
        requests.append(PublishRequest(meta, request.resources, request.report))
    barrier = threading.Barrier(len(requests))
    errors: list[BaseException] = []

    def run(request: PublishRequest) -> None:
        barrier.wait()
        try:
            catalogue.publish(request)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert catalogue.search("", {"organization": organisation}).count == 4
