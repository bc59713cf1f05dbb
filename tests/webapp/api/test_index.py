"""/api and /api/v1 answer a small index of the APIs (not 404), and every URL in it works."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v1", "/api/v1/"])
def test_index_answers_and_lists_every_api(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    names = {api["name"] for api in body["apis"]}
    assert {"datasets", "rows", "features", "ogc", "ckan", "changes_atom", "openapi"} <= names
    assert body["documentation"] == "http://localhost/developers"
    assert body["openapi"] == "http://localhost/api/openapi.json"


def test_every_url_in_the_index_answers(client):
    body = client.get("/api/v1?lang=en").get_json()
    for api in body["apis"]:
        url = api["url"].removeprefix("http://localhost").replace("{dataset_id}", "kashiwa-aed")
        url = url.replace("{action}", "package_list")
        if api["name"] == "features":
            continue  # kashiwa-aed of the shared fixture has no GeoJSON (tested in test_features)
        status = client.get(url).status_code
        assert status == 200, (url, status)
        assert not any("\u3040" <= ch <= "\u30ff" for ch in api["description"])
