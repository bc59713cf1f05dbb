"""The CKAN publisher's guarantees under faults, through a fault proxy in front of the real CKAN.

Every test reads the resulting state from CKAN directly (``ckan_direct``), never through the
proxy, so what is asserted is what a reader of the portal would see.
"""

from __future__ import annotations

import time

import pytest

from tests.catalogue.fault_proxy import Rule
from tsunagu.errors import (
    CatalogueConflict,
    CatalogueUnavailable,
    DatasetNotFound,
    PermissionDenied,
    PublishError,
)

pytestmark = pytest.mark.ckan
CSV1 = "ID,名称\n1,柏市役所\n"


def three_files(variant: str) -> dict[str, str]:
    return {f"part{i}-csv": f"ID,名称\n{i},施設{variant}{i}\n" for i in (1, 2, 3)}


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


def keys_and_hashes(package: dict) -> dict[str, tuple[str, str]]:
    return {r["tsunagu_key"]: (r["id"], r["hash"]) for r in package["resources"]}


def count_by_name(ckan_direct, dataset_id: str) -> int:
    body = ckan_direct.action("package_search", fq=f"name:{dataset_id}", include_private=True)
    return body["result"]["count"]


def test_5xx_twice_then_ok_succeeds_with_backoff(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan()
    fault_proxy.add(Rule("status", "package_create", status=503))
    fault_proxy.add(Rule("status", "package_create", skip=1, status=500))
    result = catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    assert result.action == "create"
    assert [s.outcome for s in fault_proxy.calls("package_create")] == ["503", "500", "200"]
    first, second = catalogue.retry.delays
    assert 0.45 <= first <= 0.55 and 0.9 <= second <= 1.1
    package = ckan_direct.package(unique_id)
    assert package is not None and not package["private"] and len(package["resources"]) == 1
    assert count_by_name(ckan_direct, unique_id) == 1


def test_validation_error_is_not_retried_and_lists_field_errors(
    proxied_ckan, fault_proxy, make_request, org
):
    catalogue = proxied_ckan()
    with pytest.raises(CatalogueConflict) as info:
        catalogue.publish(make_request("Bad Name!", {"csv": CSV1}))
    assert len(fault_proxy.calls("package_create")) == 1
    assert fault_proxy.calls("package_create")[0].outcome == "409"
    assert "name: Must be purely lowercase alphanumeric" in info.value.message_en
    assert catalogue.retry.delays == []


def test_bad_token_fails_once_naming_the_organisation(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, org
):
    catalogue = proxied_ckan(token="not-a-valid-token")
    with pytest.raises(PermissionDenied) as info:
        catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    assert 'organisation "kenko"' in info.value.message_en
    assert "組織「kenko」" in info.value.message_ja
    assert [s.outcome for s in fault_proxy.writes()] == ["403"]
    assert ckan_direct.package(unique_id) is None


def test_check_with_bad_token_fails_before_any_write(proxied_ckan, fault_proxy):
    with pytest.raises(PermissionDenied) as info:
        proxied_ckan(token="not-a-valid-token").check()
    assert "token" in info.value.message_en
    assert fault_proxy.writes() == []
    assert [s.action for s in fault_proxy.seen] == ["status_show", "user_show"]
    proxied_ckan().check()  # the real token passes


def test_timeout_ends_in_unavailable_after_retries_in_bounded_time(
    proxied_ckan, fault_proxy, make_request, unique_id
):
    catalogue = proxied_ckan(timeout=1, attempts=3)
    fault_proxy.add(Rule("delay", "package_show", times=None, delay=10))
    started = time.monotonic()
    with pytest.raises(CatalogueUnavailable):
        catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    assert time.monotonic() - started < 6
    assert len(fault_proxy.calls("package_show")) == 3
    assert len(catalogue.retry.delays) == 2


@pytest.mark.parametrize("k", [1, 2, 3])
def test_drop_at_upload_k_of_new_dataset_never_shows_it_and_retry_completes(
    k, proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan(attempts=2)
    request = make_request(unique_id, three_files("a"))
    fault_proxy.add(Rule("drop", "resource_create", skip=k - 1, times=None))
    with pytest.raises(CatalogueUnavailable):
        catalogue.publish(request)
    assert ckan_direct.package(unique_id) is None  # purged
    fault_proxy.clear()
    assert catalogue.publish(request).action == "create"
    package = ckan_direct.package(unique_id, anonymous=True)
    assert package is not None and not package["private"]
    assert {key: sha for key, (_, sha) in keys_and_hashes(package).items()} == {
        r.key: r.sha256 for r in request.resources
    }


def test_failed_create_whose_cleanup_fails_stays_private_and_is_resumed(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan(attempts=2)
    request = make_request(unique_id, three_files("a"))
    fault_proxy.add(Rule("drop", "resource_create", skip=1, times=None))
    fault_proxy.add(Rule("drop", "dataset_purge", times=None))
    fault_proxy.add(Rule("drop", "package_delete", times=None))
    with pytest.raises(CatalogueUnavailable):
        catalogue.publish(request)
    assert ckan_direct.package(unique_id, anonymous=True) is None  # not public
    assert ckan_direct.package(unique_id)["private"] is True
    with pytest.raises(DatasetNotFound):  # half-filled: does not exist for readers either
        catalogue.get_dataset(unique_id)
    fault_proxy.clear()
    result = catalogue.publish(request)
    assert result.action == "create"
    package = ckan_direct.package(unique_id, anonymous=True)
    assert package is not None and len(package["resources"]) == 3
    assert "tsunagu_staging" not in {e["key"] for e in package["extras"]}


@pytest.mark.parametrize("k", [1, 2, 3])
def test_drop_at_upload_k_of_update_rolls_back_then_retry_updates(
    k, proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan(attempts=2)
    catalogue.publish(make_request(unique_id, three_files("a")))
    before = keys_and_hashes(ckan_direct.package(unique_id))
    update = make_request(unique_id, three_files("b"))
    fault_proxy.add(Rule("drop", "resource_patch", skip=k - 1, times=2))
    with pytest.raises(PublishError) as info:
        catalogue.publish(update)
    assert info.value.code == "catalogue-unavailable"
    package = ckan_direct.package(unique_id, anonymous=True)
    assert keys_and_hashes(package) == before and not package["private"]
    fault_proxy.clear()
    result = catalogue.publish(update)
    assert (result.action, result.uploads) == ("update", 3)
    after = keys_and_hashes(ckan_direct.package(unique_id))
    assert {k: rid for k, (rid, _) in after.items()} == {k: rid for k, (rid, _) in before.items()}
    assert {k: sha for k, (_, sha) in after.items()} == {r.key: r.sha256 for r in update.resources}


@pytest.mark.parametrize("attempts", [3, 1])
@pytest.mark.parametrize("action", ["package_create", "resource_create"])
def test_commit_then_drop_leaves_no_duplicates(
    action, attempts, proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id,
    purge_after, org,
):  # fmt: skip
    purge_after.append(unique_id)
    catalogue = proxied_ckan(attempts=attempts)
    request = make_request(unique_id, {"csv": CSV1, "geojson": '{"type":"FeatureCollection"}'})
    fault_proxy.add(Rule("commit-drop", action))
    if attempts == 1:  # no retry inside: the publish fails, and publishing again resumes
        with pytest.raises(CatalogueUnavailable):
            catalogue.publish(request)
    assert catalogue.publish(request).action == "create" or attempts == 3
    assert fault_proxy.calls(action)[0].outcome == "commit-dropped"
    assert count_by_name(ckan_direct, unique_id) == 1
    package = ckan_direct.package(unique_id, anonymous=True)
    keys = sorted(r["tsunagu_key"] for r in package["resources"])
    assert keys == ["csv", "geojson"]


def test_delete_leaves_no_trace_and_publish_recreates(
    proxied_ckan, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan()
    catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    catalogue.delete_dataset(unique_id)
    assert ckan_direct.package(unique_id) is None
    with pytest.raises(DatasetNotFound):
        catalogue.delete_dataset(unique_id)
    assert catalogue.publish(make_request(unique_id, {"csv": CSV1})).action == "create"


def test_without_purge_rights_delete_then_publish_revives(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan()
    catalogue.publish(make_request(unique_id, {"csv": CSV1, "geojson": "{}"}))
    fault_proxy.add(Rule("status", "dataset_purge", times=None, status=403))
    catalogue.delete_dataset(unique_id)
    assert ckan_direct.package(unique_id)["state"] == "deleted"
    with pytest.raises(DatasetNotFound):
        catalogue.get_dataset(unique_id)
    plan = catalogue.publish(make_request(unique_id, {"csv": CSV1}), dry_run=True)
    assert plan.action == "create" and ckan_direct.package(unique_id)["state"] == "deleted"
    result = catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    assert result.action == "create"
    package = ckan_direct.package(unique_id, anonymous=True)
    assert package["state"] == "active" and not package["private"]
    assert [r["tsunagu_key"] for r in package["resources"]] == ["csv"]


def test_token_read_from_a_file_with_its_newline_still_works(proxied_ckan, ckan_direct):
    proxied_ckan(token=f"{ckan_direct.token}\n").check()


def test_dataset_published_meanwhile_by_another_run_is_never_purged(
    proxied_ckan, fault_proxy, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan()
    catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    before = keys_and_hashes(ckan_direct.package(unique_id))
    fault_proxy.clear()
    fault_proxy.add(Rule("status", "package_show", status=404))  # "not there yet" on first look
    with pytest.raises(CatalogueConflict) as info:
        catalogue.publish(make_request(unique_id, {"csv": "ID,名称\n9,別の内容\n"}))
    assert "another run" in info.value.message_en
    assert fault_proxy.calls("package_create") == []
    package = ckan_direct.package(unique_id, anonymous=True)
    assert package is not None and keys_and_hashes(package) == before


def test_update_spares_resources_added_by_hand(
    proxied_ckan, ckan_direct, make_request, unique_id, purge_after, org
):
    purge_after.append(unique_id)
    catalogue = proxied_ckan()
    catalogue.publish(make_request(unique_id, {"csv": CSV1, "geojson": "{}"}))
    package = ckan_direct.package(unique_id)
    ckan_direct.action(
        "resource_create", package_id=package["id"], name="市のページ", url="https://example.jp/"
    )
    result = catalogue.publish(make_request(unique_id, {"csv": CSV1}))
    assert [(c.key, c.action) for c in result.resources] == [
        ("csv", "unchanged"),
        ("geojson", "remove"),
    ]
    names = sorted(r["name"] for r in ckan_direct.package(unique_id)["resources"])
    assert names == sorted([f"{unique_id}-csv.csv", "市のページ"])
