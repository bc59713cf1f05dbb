"""Catalogue pages through the Flask test client: status, content, escaping, headers, downloads."""

from __future__ import annotations

from tests.webapp.conftest import XSS


def test_home_shows_counts_recent_and_facets(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="ja"' in html and "柏市AED設置箇所一覧" in html
    assert "健康政策課" in html and "地域・年齢別人口" in html


def test_search_finds_japanese_substrings_and_width_variants(client):
    assert "柏市人口統計" in client.get("/datasets?q=人口").get_data(as_text=True)
    assert "柏市AED設置箇所一覧" in client.get("/datasets?q=ＡＥＤ").get_data(as_text=True)
    assert "柏市人口統計" not in client.get("/datasets?q=AED").get_data(as_text=True)


def test_facets_filter_by_department(client):
    html = client.get("/datasets?organization=shimin").get_data(as_text=True)
    assert "柏市人口統計" in html and "柏市AED設置箇所一覧" not in html


def test_dataset_page_has_downloads_preview_history_and_api_links(client):
    html = client.get("/datasets/kashiwa-aed").get_data(as_text=True)
    assert "/datasets/kashiwa-aed/resources/csv/aed.csv" in html
    assert "for=excel" in html and "柏市役所" in html  # preview
    assert "/datasets/kashiwa-aed/versions/1/csv/aed.csv" in html
    assert "package_show?id=kashiwa-aed" in html


def test_data_is_escaped_everywhere(client):
    for url in ("/", "/datasets", "/datasets/hostile", "/organisations/kenko"):
        html = client.get(url).get_data(as_text=True)
        assert XSS not in html, url
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/datasets/hostile").get_data(
        as_text=True
    )


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # A page with no inline script gets no nonce: scripts only from the app's own files.
    assert "<script>" not in response.text and "nonce" not in response.text
    assert "script-src 'self';" in csp and "'nonce-" not in csp
    names = [name.lower() for name, _ in response.headers]
    assert len(names) == len(set(names)), names


def test_download_is_byte_exact_attachment(client, published):
    response = client.get("/datasets/kashiwa-aed/resources/csv/aed.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith("ID,名称".encode())
    assert b"=HYPERLINK" in response.data  # canonical open data stays byte-exact


def test_excel_download_has_bom_and_neutralised_formulas(client):
    response = client.get("/datasets/kashiwa-aed/resources/csv/aed.csv?for=excel")
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff") and "\r\n" in body
    assert "\"'=HYPERLINK" in body or ",'=HYPERLINK" in body
    assert ",35.8676," in body  # numbers untouched


def test_unknown_dataset_is_a_404_page_and_json_for_api_clients(client):
    assert client.get("/datasets/nope").status_code == 404
    response = client.get("/datasets/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["ok"] is False and response.json["code"] == "dataset-not-found"


def test_english_is_switchable_and_remembered(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html and "Health Policy Division" in html
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # cookie


def test_bad_page_number_is_a_400(client):
    assert client.get("/datasets?page=abc").status_code == 400


def test_language_switch_keeps_the_search(client):
    html = client.get("/datasets?q=AED&organization=kenko").get_data(as_text=True)
    assert 'href="?q=AED&amp;organization=kenko&amp;lang=en"' in html
