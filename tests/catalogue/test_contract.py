"""One contract, every implementation: idempotent, in-place updates, stable ids, clean removal."""

from __future__ import annotations

import contextlib

import pytest

from tsunagu.errors import DatasetNotFound

CSV1 = "ID,名称\n1,柏市役所\n"
CSV2 = "ID,名称\n1,柏市役所\n2,沼南支所\n"
GEO = '{"type":"FeatureCollection","features":[]}'


@pytest.fixture
def cleanup(catalogue):
    created: list[str] = []
    yield created
    for dataset_id in created:
        with contextlib.suppress(DatasetNotFound):
            catalogue.delete_dataset(dataset_id)


def test_publish_creates_then_uploads_nothing_when_unchanged(
    catalogue, make_request, unique_id, cleanup
):
    cleanup.append(unique_id)
    first = catalogue.publish(make_request(unique_id, {"csv": CSV1, "geojson": GEO}))
    assert (first.action, first.uploads) == ("create", 2)
    again = catalogue.publish(make_request(unique_id, {"csv": CSV1, "geojson": GEO}))
    assert (again.action, again.uploads) == ("unchanged", 0)
    assert {c.action for c in again.resources} == {"unchanged"}


def test_changed_file_updates_in_place_and_keeps_resource_ids(
    catalogue, make_request, unique_id, cleanup
):
    cleanup.append(unique_id)
    catalogue.publish(make_request(unique_id, {"csv": CSV1, "geojson": GEO}))
    before = {r.key: r.id for r in catalogue.get_dataset(unique_id).resources}
    result = catalogue.publish(make_request(unique_id, {"csv": CSV2, "geojson": GEO}))
    assert result.action == "update" and result.uploads == 1
    after = catalogue.get_dataset(unique_id)
    assert {r.key: r.id for r in after.resources} == before
    assert len(after.resources) == 2


def test_disappeared_resource_is_removed(catalogue, make_request, unique_id, cleanup):
    cleanup.append(unique_id)
    catalogue.publish(make_request(unique_id, {"csv": CSV1, "geojson": GEO}))
    result = catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    assert [(c.key, c.action) for c in result.resources] == [
        ("csv", "unchanged"),
        ("geojson", "remove"),
    ]
    assert [r.key for r in catalogue.get_dataset(unique_id).resources] == ["csv"]


def test_metadata_change_alone_is_an_update_without_uploads(
    catalogue, make_request, unique_id, cleanup
):
    cleanup.append(unique_id)
    catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    result = catalogue.publish(make_request(unique_id, {"csv": CSV1}, title_en="Kashiwa AED list"))
    assert (result.action, result.uploads, result.metadata_changed) == ("update", 0, True)
    assert catalogue.get_dataset(unique_id).meta.title_en == "Kashiwa AED list"


def test_dry_run_reports_the_diff_and_changes_nothing(catalogue, make_request, unique_id, cleanup):
    cleanup.append(unique_id)
    plan = catalogue.publish(make_request(unique_id, {"csv": CSV1}), dry_run=True)
    assert plan.dry_run and plan.action == "create"
    with pytest.raises(DatasetNotFound):
        catalogue.get_dataset(unique_id)
    catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    plan = catalogue.publish(make_request(unique_id, {"csv": CSV2}), dry_run=True)
    assert [(c.key, c.action) for c in plan.resources] == [("csv", "update")]
    sha = catalogue.get_dataset(unique_id).resources[0].sha256
    assert sha == make_request(unique_id, {"csv": CSV1}).resources[0].sha256


def test_metadata_round_trips(catalogue, make_request, unique_id, cleanup):
    cleanup.append(unique_id)
    spatial = {
        "type": "Polygon",
        "coordinates": [
            [[139.9, 35.8], [140.0, 35.8], [140.0, 35.9], [139.9, 35.9], [139.9, 35.8]]
        ],
    }
    catalogue.publish(make_request(unique_id, {"csv": CSV1}, spatial=spatial))
    meta = catalogue.get_dataset(unique_id).meta
    assert (meta.title_ja, meta.organisation, meta.standard, meta.municipality_code) == (
        "柏市AED設置箇所一覧",
        "kenko",
        "aed-installations",
        "122173",
    )
    assert meta.spatial == spatial and set(meta.tags) == {"防災", "AED"}


def test_search_filters_by_organisation(catalogue, make_request, unique_id, cleanup):
    cleanup.append(unique_id)
    catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    page = catalogue.search("", {"organization": "kenko"}, rows=1000)
    assert unique_id in [d.meta.id for d in page.results]
    assert catalogue.search("", {"organization": "no-such-org"}).count == 0


def test_unknown_dataset_is_not_found(catalogue):
    with pytest.raises(DatasetNotFound):
        catalogue.get_dataset("t-does-not-exist-anywhere")


def test_versions_list_checksums(catalogue, make_request, unique_id, cleanup):
    cleanup.append(unique_id)
    catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    catalogue.publish(make_request(unique_id, {"csv": CSV2}))
    latest = catalogue.list_versions(unique_id)[0]
    assert latest.checksums["csv"] == make_request(unique_id, {"csv": CSV2}).resources[0].sha256


def test_kind_is_a_facet_and_a_filter(catalogue, make_request, unique_id, cleanup):
    own, standard = f"{unique_id}-own", f"{unique_id}-std"
    cleanup.extend([own, standard])
    catalogue.publish(make_request(own, {"csv": CSV1}, kind="own-schema", standard=""))
    catalogue.publish(make_request(standard, {"csv": CSV1}))
    assert catalogue.get_dataset(own).meta.kind == "own-schema"
    found = [d.meta.id for d in catalogue.search("", {"kind": "own-schema"}, rows=1000).results]
    assert own in found and standard not in found
    page = catalogue.search("", {"kind": "standard"}, rows=1000)
    assert standard in [d.meta.id for d in page.results] and own not in [
        d.meta.id for d in page.results
    ]
    assert set(page.facets["kind"]) == {"standard"} and page.facets["kind"]["standard"] >= 1
    assert catalogue.search("").facets["kind"]["own-schema"] >= 1
