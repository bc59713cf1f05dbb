"""The change feeds: Atom 1.0 and JSON Feed 1.1, one entry per published version, newest first."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.webapp.conftest import XSS, _file, _meta
from tsunagu.catalogue.base import PublishRequest

NS = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def republished(published, tmp_path):
    """kashiwa-aed gets a version 2 with a changed CSV and the report removed."""
    import time

    time.sleep(1.05)  # version stamps have second resolution; v2 must be strictly newer
    folder = tmp_path / "v2"
    folder.mkdir()
    csv = _file(folder, "csv", "aed.csv", "ID,名称\r\n1,柏市役所\r\n9,新設\r\n", "CSV", "text/csv")
    published.publish(PublishRequest(_meta("kashiwa-aed"), (csv,)))
    return published


def test_atom_feed_is_atom_with_versions_newest_first(client, republished):
    response = client.get("/api/v1/changes.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314  # our own output, parsed to check it
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert root.find(required, NS) is not None, required
    entries = root.findall("a:entry", NS)
    assert len(entries) == 4  # aed v1 + v2, population v1, hostile v1
    newest = entries[0]
    assert newest.find("a:id", NS).text == "http://localhost/datasets/kashiwa-aed#version-2"
    assert newest.find("a:title", NS).text == "柏市AED設置箇所一覧（第2版）"
    assert newest.find("a:summary", NS).text == "変更：標準CSV／削除：検証レポート（HTML）"
    assert root.find("a:updated", NS).text == newest.find("a:updated", NS).text
    links = {(li.get("rel"), li.get("href")) for li in newest.findall("a:link", NS)}
    assert ("alternate", "http://localhost/datasets/kashiwa-aed") in links
    assert ("enclosure", "http://localhost/datasets/kashiwa-aed/versions/2/csv/aed.csv") in links
    stamps = [e.find("a:updated", NS).text for e in entries]
    assert stamps == sorted(stamps, reverse=True)


def test_feed_links_to_each_versions_own_files(client, republished):
    entries = client.get("/api/v1/changes.json").json["items"]
    v1 = next(i for i in entries if i["id"].endswith("kashiwa-aed#version-1"))
    urls = sorted(a["url"] for a in v1["attachments"])
    assert urls == [
        "http://localhost/datasets/kashiwa-aed/versions/1/csv/aed.csv",
        "http://localhost/datasets/kashiwa-aed/versions/1/report-html/aed-report.html",
    ]
    old = client.get(urls[0].removeprefix("http://localhost"))
    assert old.status_code == 200 and b"=HYPERLINK" in old.data  # still the version-1 bytes


def test_json_feed_is_version_1_1(client, republished):
    response = client.get("/api/v1/changes.json")
    assert response.mimetype == "application/feed+json"
    feed = response.json
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "http://localhost/api/v1/changes.json"
    first = feed["items"][0]
    assert first["_tsunagu"] == {
        "dataset_id": "kashiwa-aed",
        "version": 2,
        "changes": {"added": [], "changed": ["csv"], "removed": ["report-html"]},
    }
    assert first["authors"] == [{"name": "健康政策課"}]
    assert {"id", "url", "title", "content_text", "date_published"} <= set(first)


def test_hostile_text_is_escaped_by_the_xml_serialiser(client):
    response = client.get("/api/v1/changes.atom")
    assert XSS.encode() not in response.data
    root = ET.fromstring(response.data)  # noqa: S314  # our own output, parsed to check it
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert f"{XSS}（第1版）" in titles


def test_feeds_answer_if_modified_since_with_304(client):
    first = client.get("/api/v1/changes.atom")
    assert first.last_modified is not None
    again = client.get(
        "/api/v1/changes.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_english_feed_is_english_throughout(client, republished):
    root = ET.fromstring(client.get("/api/v1/changes.atom?lang=en").data)  # noqa: S314
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.find("a:title", NS).text.endswith(": updates")
    newest = root.findall("a:entry", NS)[0]
    assert newest.find("a:title", NS).text == "Kashiwa AED locations (version 2)"
    assert newest.find("a:summary", NS).text == (
        "changed: standard CSV; removed: validation report (HTML)"
    )
    assert newest.find("a:author/a:name", NS).text == "Health Policy Division"
    feed = client.get("/api/v1/changes.json?lang=en").json
    assert feed["language"] == "en" and feed["feed_url"].endswith("changes.json?lang=en")
    assert feed["items"][0]["title"] == "Kashiwa AED locations (version 2)"
    assert all(
        not any("\u3040" <= ch <= "\u30ff" for ch in i["content_text"]) for i in feed["items"]
    )


def test_dataset_feed_has_only_that_datasets_versions(client, republished):
    feed = client.get("/api/v1/changes.json?dataset=kashiwa-aed").json
    assert [i["_tsunagu"]["version"] for i in feed["items"]] == [2, 1]
    assert {i["_tsunagu"]["dataset_id"] for i in feed["items"]} == {"kashiwa-aed"}
    assert feed["home_page_url"] == "http://localhost/datasets/kashiwa-aed"
    assert feed["title"] == "柏市AED設置箇所一覧 更新情報"
    root = ET.fromstring(client.get("/api/v1/changes.atom?dataset=kashiwa-aed").data)  # noqa: S314
    assert len(root.findall("a:entry", NS)) == 2
    assert client.get("/api/v1/changes.atom?dataset=nope").status_code == 404
