import pytest
CASES = [
    {"q": 'tags:"unterminated'}, {"fq": 'tags:"unterminated'}, {"fq": "tags:(a OR"}, {"rows": "1e3"},
    {"start": " "}, {"sort": "name asc,"}, {"facet.limit": "x"}, {"facet.field": "[1,2]"},
    {"facet.field": '["organization"]', "facet.limit": "-1"}, {"q": ":"}, {"q": "a:b:c"}, {"fq": "organization:"},
    {"id": ""}, {"all_fields": "maybe"}, {"sort": "package_count"}, {"limit": "-3"}, {"fq": "+-organization:x"},
    {"q": "\x00"}, {"fq": "organization:kenko OR tags:x"}, {"q": "NOT x"},
]
@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("action", ["package_search", "organization_list", "package_list", "organization_show", "resource_show", "package_show", "help_show"])
def test_probe(client, params, action):
    r = client.get(f"/api/3/action/{action}", query_string=params)
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
@pytest.mark.parametrize("body", [{"rows": [1]}, {"rows": None}, {"fq": 5}, {"facet.field": "organization"}, {"q": {"a": 1}}, {"facet.field": [1, {"x": 2}]}, {"id": ["a"]}, {"sort": 3}, {"all_fields": None}, {"include_datasets": [1], "id": "kenko"}, {"facet.limit": [1]}])
@pytest.mark.parametrize("action", ["package_search", "organization_list", "package_list", "organization_show", "resource_show", "package_show"])
def test_probe_post(client, body, action):
    r = client.post(f"/api/3/action/{action}", json=body)
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
@pytest.mark.parametrize("q", ["limit=1&offset=99999999999999999999999", "q=" + "x"*5000, "organization=%00", "format=xml", "tags=a&tags=b"])
def test_probe_v1(client, q):
    for url in ["/api/v1/datasets?" + q, "/api/v1/datasets/kashiwa-aed?" + q, "/api/v1/changes.json?" + q]:
        r = client.get(url)
        assert r.status_code < 500, (url, r.status_code, r.get_data(as_text=True)[:300])
