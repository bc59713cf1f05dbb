"""The real ckanapi client against the app served on 127.0.0.1: CKAN clients work unchanged."""

from __future__ import annotations

import ckanapi
import pytest


@pytest.fixture
def ckan(live_url):
    with ckanapi.RemoteCKAN(live_url, user_agent="tsunagu-tests") as remote:
        yield remote


def test_package_search_by_organization(ckan):
    found = ckan.action.package_search(fq="organization:kenko", sort="name asc")
    assert found["count"] == 2
    assert [p["name"] for p in found["results"]] == ["hostile", "kashiwa-aed"]


def test_package_show_and_download_url(ckan, live_url):
    package = ckan.action.package_show(id="kashiwa-aed")
    assert package["title"] == "柏市AED設置箇所一覧" and package["organization"]["name"] == "kenko"
    urls = {r["tsunagu_key"]: r["url"] for r in package["resources"]}
    assert urls["csv"] == f"{live_url}/datasets/kashiwa-aed/resources/csv/aed.csv"


def test_organization_list_and_show(ckan):
    assert ckan.action.organization_list() == ["kenko", "shimin"]
    full = ckan.action.organization_list(all_fields=True)
    assert {o["name"]: o["package_count"] for o in full} == {"kenko": 2, "shimin": 1}
    org = ckan.action.organization_show(id="shimin", include_datasets=True)
    assert [p["name"] for p in org["packages"]] == ["kashiwa-population"]


def test_get_only_client_uses_query_parameters(live_url):
    with ckanapi.RemoteCKAN(live_url, get_only=True) as remote:
        found = remote.action.package_search(fq='tags:"人口"', rows=1)
    assert [p["name"] for p in found["results"]] == ["kashiwa-population"]


def test_not_found_raises_ckanapi_not_found(ckan):
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.resource_show(id="no-such-resource")


def test_bad_parameters_raise_ckanapi_validation_error(ckan):
    with pytest.raises(ckanapi.ValidationError) as raised:
        ckan.action.package_search(rows=-1)
    assert raised.value.error_dict["rows"] == ["Must be a natural number"]
    with pytest.raises(ckanapi.ValidationError) as missing:
        ckan.action.package_show()
    assert missing.value.error_dict["name_or_id"] == ["Missing value"]


def test_bad_sort_raises_ckanapi_search_query_error(ckan):
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(sort="popularity desc")


def test_unknown_action_is_an_error_not_a_result(ckan):
    with pytest.raises(ckanapi.CKANAPIError, match="Action name not known: package_create"):
        ckan.action.package_create(name="x")
