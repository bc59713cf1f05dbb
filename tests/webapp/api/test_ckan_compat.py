"""The CKAN Action API through the Flask test client: envelope, fields, search, errors."""

from __future__ import annotations

import json

import pytest

from tests.webapp.conftest import _file, _meta
from tsunagu.catalogue.base import PublishRequest

HELP = "http://localhost/api/3/action/help_show?name="
PACKAGE_KEYS = {
    "author", "author_email", "creator_user_id", "extras", "groups", "id", "isopen",
    "license_id", "license_title", "license_url", "maintainer", "maintainer_email",
    "metadata_created", "metadata_modified", "name", "notes", "num_resources", "num_tags",
    "organization", "owner_org", "private", "relationships_as_object",
    "relationships_as_subject", "resources", "state", "tags", "title", "type", "url", "version",
}  # fmt: skip
RESOURCE_KEYS = {
    "cache_last_updated", "cache_url", "created", "datastore_active", "description", "format",
    "hash", "id",
    "last_modified", "metadata_modified", "mimetype", "mimetype_inner", "name", "package_id",
    "position", "resource_type", "size", "state", "tsunagu_key", "url", "url_type",
}  # fmt: skip


def result(client, action: str, **params):
    response = client.get(f"/api/3/action/{action}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["help"] == HELP + action and body["success"] is True
    return body["result"]


def failure(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["success"] is False
    assert response.json["error"]["__type"] == kind
    return response.json["error"]


def test_status_show_names_the_ckan_version_mirrored(client):
    status = result(client, "status_show")
    assert status["ckan_version"] == "2.12.0" and status["site_url"] == "http://localhost"
    assert status["site_title"] == "柏市オープンデータ"


def test_package_list_is_sorted_names(client):
    assert result(client, "package_list") == ["hostile", "kashiwa-aed", "kashiwa-population"]
    assert result(client, "package_list", limit=1, offset=1) == ["kashiwa-aed"]


def test_package_show_has_ckan_fields_and_mapping_values(client):
    package = result(client, "package_show", id="kashiwa-aed")
    assert set(package) == PACKAGE_KEYS
    assert package["name"] == package["id"] == "kashiwa-aed"
    assert package["title"] == "柏市AED設置箇所一覧"
    assert package["notes"] == "市の施設に設置したAEDの一覧\n\n---\n\nAEDs in city facilities"
    assert package["license_id"] == "cc-by" and package["isopen"] is True
    assert package["license_title"] == "Creative Commons Attribution"
    assert package["type"] == "dataset" and package["state"] == "active"
    assert package["owner_org"] == "kenko" and package["organization"]["title"] == "健康政策課"
    assert [t["name"] for t in package["tags"]] == ["AED", "防災"] and package["num_tags"] == 2
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["standard"] == "aed-installations" and extras["municipality_code"] == "122173"
    assert json.loads(extras["tsunagu_meta"])["title_en"] == "Kashiwa AED locations"
    assert package["num_resources"] == 2


def test_resources_have_absolute_download_urls_that_work(client):
    package = result(client, "package_show", id="kashiwa-aed")
    csv = next(r for r in package["resources"] if r["tsunagu_key"] == "csv")
    assert set(csv) == RESOURCE_KEYS
    assert [r["datastore_active"] for r in package["resources"]] == [
        r["format"] == "CSV" for r in package["resources"]
    ]
    assert csv["url"] == "http://localhost/datasets/kashiwa-aed/resources/csv/aed.csv"
    assert csv["url_type"] == "upload" and csv["package_id"] == "kashiwa-aed"
    assert csv["format"] == "CSV" and csv["mimetype"] == "text/csv" and len(csv["hash"]) == 64
    assert [r["position"] for r in package["resources"]] == [0, 1]
    download = client.get(csv["url"].removeprefix("http://localhost"))
    assert download.status_code == 200 and download.data.startswith("ID,名称".encode())


def test_resource_times_follow_the_version_history(client, published, tmp_path):
    before = result(client, "package_show", id="kashiwa-aed")
    folder = tmp_path / "v2"
    folder.mkdir()
    csv = _file(folder, "csv", "aed.csv", "ID,名称\r\n1,新しい\r\n", "CSV", "text/csv")
    old_report = published.open_file("kashiwa-aed", "report-html")[0]
    report = _file(
        folder, "report-html", "aed-report.html", old_report.read_text(), "HTML", "text/html"
    )
    published.publish(PublishRequest(_meta("kashiwa-aed"), (csv, report)))
    after = result(client, "package_show", id="kashiwa-aed")
    old = {r["tsunagu_key"]: r for r in before["resources"]}
    new = {r["tsunagu_key"]: r for r in after["resources"]}
    assert new["csv"]["hash"] != old["csv"]["hash"] and new["csv"]["id"] == old["csv"]["id"]
    assert new["csv"]["created"] == old["csv"]["created"]
    assert new["report-html"]["last_modified"] == old["report-html"]["last_modified"]
    assert new["csv"]["last_modified"] == after["metadata_modified"]


def test_package_search_fq_on_organization_tags_and_format(client):
    def names(**params):
        return sorted(p["name"] for p in result(client, "package_search", **params)["results"])

    assert names(fq="organization:kenko") == ["hostile", "kashiwa-aed"]
    assert names(fq='organization:"kenko" tags:"防災"') == ["kashiwa-aed"]
    assert names(fq="+organization:kenko +tags:AED") == ["kashiwa-aed"]
    assert names(fq="tags:AED tags:人口") == []  # several terms are ANDed
    assert names(fq="tags:(AED OR 人口)") == ["kashiwa-aed", "kashiwa-population"]
    assert names(fq="res_format:HTML") == ["kashiwa-aed"]
    assert names(fq="-organization:kenko") == ["kashiwa-population"]
    assert names(q="人口") == ["kashiwa-population"]
    assert names(q="*:*", fq="+dataset_type:dataset") == [
        "hostile",
        "kashiwa-aed",
        "kashiwa-population",
    ]


def test_package_search_paging_sort_and_facets(client):
    found = result(
        client,
        "package_search",
        sort="name asc",
        rows=2,
        start=1,
        **{"facet.field": '["organization","tags","res_format"]'},
    )
    assert found["count"] == 3 and found["sort"] == "name asc"
    assert [p["name"] for p in found["results"]] == ["kashiwa-aed", "kashiwa-population"]
    assert found["facets"]["organization"] == {"kenko": 2, "shimin": 1}
    assert found["facets"]["res_format"] == {"CSV": 3, "HTML": 1}
    items = found["search_facets"]["organization"]["items"]
    assert items[0] == {"name": "kenko", "display_name": "健康政策課", "count": 2}
    titles = result(client, "package_search", sort="title_string asc")["results"]
    assert [p["title"] for p in titles] == sorted(p["title"] for p in titles)
    default = result(client, "package_search")
    assert default["facets"] == {} and default["sort"] == "score desc, metadata_modified desc"


def test_post_with_a_json_body_works_like_get(client):
    response = client.post(
        "/api/3/action/package_search", json={"fq": "organization:shimin", "rows": 5}
    )
    assert response.json["success"] is True
    assert [p["name"] for p in response.json["result"]["results"]] == ["kashiwa-population"]
    shown = client.post("/api/action/package_show", json={"id": "kashiwa-population"})
    assert shown.json["result"]["title"] == "柏市人口統計"


def test_organization_list_and_show(client):
    assert result(client, "organization_list") == ["kenko", "shimin"]
    full = result(client, "organization_list", all_fields="true")
    assert [(o["name"], o["package_count"], o["title"]) for o in full] == [
        ("kenko", 2, "健康政策課"),
        ("shimin", 1, "市民課"),
    ]
    org = result(client, "organization_show", id="shimin")
    assert org["title"] == "市民課" and "packages" not in org
    with_sets = result(client, "organization_show", id="shimin", include_datasets="true")
    assert [p["name"] for p in with_sets["packages"]] == ["kashiwa-population"]


def test_resource_show_finds_a_resource_by_id(client):
    package = result(client, "package_show", id="kashiwa-population")
    resource = result(client, "resource_show", id=package["resources"][0]["id"])
    assert resource == package["resources"][0]


def test_not_found_is_ckans_404(client):
    for action in ("package_show", "organization_show", "resource_show"):
        error = failure(client.get(f"/api/3/action/{action}?id=nope"), 404, "Not Found Error")
        assert error["message"] == "Not found"
    assert client.get("/api/3/action/package_show?id=nope").json["help"] == HELP + "package_show"


def test_missing_id_is_a_validation_error(client):
    error = failure(client.get("/api/3/action/package_show"), 409, "Validation Error")
    assert error["name_or_id"] == ["Missing value"]


def test_unknown_action_is_a_bare_400_string_as_ckan_does(client):
    response = client.get("/api/3/action/package_create")
    assert response.status_code == 400
    assert response.json == "Bad request: Action name not known: package_create"


def test_bad_json_body_is_a_400_not_a_500(client):
    response = client.post(
        "/api/3/action/package_show", data="{nope", content_type="application/json"
    )
    assert response.status_code == 400 and response.json.startswith("Bad request: JSON Error")
    listed = client.post("/api/3/action/package_show", json=["kashiwa-aed"])
    assert listed.status_code == 400


@pytest.mark.parametrize(
    ("params", "status", "kind", "field", "messages"),
    [
        ({"rows": "-1"}, 409, "Validation Error", "rows", ["Must be a natural number"]),
        ({"start": "-2"}, 409, "Validation Error", "start", ["Must be a natural number"]),
        (
            {"rows": "abc"},
            409,
            "Validation Error",
            "rows",
            ["Invalid integer", "Please enter an integer value"],
        ),
        (
            {"facet.field": "organization"},
            409,
            "Validation Error",
            "facet.field",
            ["Could not parse as valid JSON", "Not a list"],
        ),
        ({"facet.field": '{"a": 1}'}, 409, "Validation Error", "facet.field", ["Not a list"]),
        ({"sort": "bogus"}, 400, "Search Query Error", None, None),
        ({"sort": "popularity desc"}, 400, "Search Query Error", None, None),
        ({"fq": "secret_field:x"}, 400, "Search Query Error", None, None),
    ],
)
def test_bad_search_parameters_get_ckans_errors(client, params, status, kind, field, messages):
    error = failure(client.get("/api/3/action/package_search", query_string=params), status, kind)
    if field:
        assert error[field] == messages
    else:
        assert error["message"].startswith("Search Query is invalid")


def test_rows_over_the_maximum_are_clamped_as_ckan_does(client):
    found = result(client, "package_search", rows=5000)
    assert found["count"] == 3 and len(found["results"]) == 3


def test_private_dataset_is_refused_like_ckan_does_for_anonymous(client, published):
    from sqlalchemy import update

    from tsunagu.catalogue import local_schema

    with published.engine.begin() as conn:
        conn.execute(
            update(local_schema.datasets)
            .where(local_schema.datasets.c.id == "kashiwa-aed")
            .values(private=True)
        )
    failure(client.get("/api/3/action/package_show?id=kashiwa-aed"), 403, "Authorization Error")
    assert "kashiwa-aed" not in result(client, "package_list")


def test_hostile_text_is_data_not_markup(client):
    from tests.webapp.conftest import XSS

    response = client.get("/api/3/action/package_show?id=hostile")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.json["result"]["title"] == XSS


ODD_PARAMS = [
    {"q": 'tags:"unterminated'},
    {"fq": "tags:(a OR"},
    {"fq": "organization:"},
    {"fq": "+-organization:x"},
    {"q": "a:b:c"},
    {"q": "\x00"},
    {"rows": "1e3"},
    {"start": " "},
    {"sort": "name asc,"},
    {"facet.limit": "x"},
    {"facet.field": "[1,2]"},
    {"id": ""},
    {"all_fields": "maybe"},
    {"sort": "package_count"},
    {"limit": "-3"},
]
ODD_BODIES = [
    {"rows": [1]},
    {"rows": None},
    {"fq": 5},
    {"q": {"a": 1}},
    {"facet.field": [1, {"x": 2}]},
    {"facet.limit": [1]},
    {"id": ["a"]},
    {"sort": 3},
    {"include_datasets": [1], "id": "kenko"},
]


def test_odd_input_never_causes_a_server_error(app, client):
    app.config["TSUNAGU_API_RATE"] = "100000/minute"
    actions = ("package_search", "package_list", "package_show", "organization_list")
    actions += ("organization_show", "resource_show", "help_show")
    for action in actions:
        for params in ODD_PARAMS:
            response = client.get(f"/api/3/action/{action}", query_string=params)
            assert response.status_code in (200, 400, 404, 409), (action, params)
        for body in ODD_BODIES:
            response = client.post(f"/api/3/action/{action}", json=body)
            assert response.status_code in (200, 400, 404, 409), (action, body)
