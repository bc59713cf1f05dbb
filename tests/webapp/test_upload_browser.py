"""Uploads in headless Chromium (Playwright, Debian's /usr/bin/chromium): sign in, a bad file and
its report, a good file published and then listed (and mapped). Nothing leaves 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tsunagu.config import load_settings
from tsunagu.webapp import create_app
from tsunagu.webapp.auth import TokenStore

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
sync_playwright = playwright_api.sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def site(tmp_path, published):
    from werkzeug.serving import make_server

    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings, catalogue=published)
    token = TokenStore(settings.database).create("kenko").token
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", token, app
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(tmp_path):
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        context.route("**/*", _local_only)
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()


def _local_only(route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def _upload(page, base: str, path: Path, dataset_id: str) -> None:
    page.goto(f"{base}/upload")
    page.set_input_files("#file", str(path))
    page.fill("#dataset_id", dataset_id)
    page.fill("#title_ja", "AED設置場所一覧（登録テスト）")
    page.fill("#title_en", "AED installations (upload test)")
    page.select_option("#standard", "aed-installations")
    page.select_option("#update_frequency", "yearly")
    page.click("button[type=submit]:has-text('登録して検証する')")


def test_sign_in_upload_bad_then_good_and_publish(site, page, data_path):
    base, token, app = site
    page.goto(f"{base}/upload")
    expect(page.locator("h1")).to_have_text("職員サインイン")
    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("データ登録")

    _upload(page, base, data_path("webapp/aed_missing_name.csv"), "kashiwa-aed-browser")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "invalid")
    expect(page.locator('tr[data-code="required-column-missing"]')).to_have_count(1)
    expect(page.locator("#publish")).to_have_count(0)

    _upload(page, base, data_path("webapp/aed_good.csv"), "kashiwa-aed-browser")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid")
    page.click("#publish")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "published")

    page.goto(f"{base}/datasets")
    expect(page.locator("a", has_text="AED設置場所一覧（登録テスト）")).to_have_count(1)
    page.locator("a", has_text="AED設置場所一覧（登録テスト）").click()
    expect(page.locator("table.preview")).to_contain_text("柏市役所本庁舎")

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    if "maps.viewer" in endpoints:
        page.goto(f"{base}/map?c=35.8676,139.9757&z=16&layers=kashiwa-aed-browser")
        rows = page.locator('table[data-layer="kashiwa-aed-browser"] tbody tr')
        expect(rows.first).to_contain_text("柏市役所本庁舎")
