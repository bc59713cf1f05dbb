"""Error pages in the site's language and design, never werkzeug's English developer text; a
missing dataset page says when the dataset exists but is blocked (issue 13)."""

from __future__ import annotations

import pytest

from tests.webapp.browser_support import demo_app, demo_data_dir


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data_dir, code, output = demo_data_dir(tmp_path_factory)
    assert code == 1, output
    return demo_app(data_dir)


def test_unknown_page_in_japanese_with_the_sites_header_and_search(app):
    response = app.test_client().get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "<h1>ページが見つかりません</h1>" in page
    assert "requested URL" not in page
    assert '<header class="site">' in page and '<footer class="site">' in page
    assert 'role="search"' in page


def test_unknown_page_in_english(app):
    page = app.test_client().get("/no-such-page?lang=en").get_data(as_text=True)
    assert "<h1>Page not found</h1>" in page and 'lang="en"' in page
    assert "ページが見つかりません" not in page


def test_blocked_dataset_page_says_why(app):
    response = app.test_client().get("/datasets/kashiwa-cultural-properties?lang=ja")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "blocked-note" in page and "指定文化財一覧" in page and "8行目" in page
    other = app.test_client().get("/datasets/never-existed?lang=ja").get_data(as_text=True)
    assert "blocked-note" not in other


def test_api_errors_stay_json(app):
    response = app.test_client().get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["ok"] is False


def test_bad_page_number_is_a_400_page_in_the_language(app):
    response = app.test_client().get("/datasets?page=x&lang=ja")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<h1>リクエストの内容に誤りがあります</h1>" in page
