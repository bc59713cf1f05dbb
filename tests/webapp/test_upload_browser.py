"""Uploads in headless Chromium (Playwright, Debian's /usr/bin/chromium): sign in, a bad file and
its report, a good file published and then listed (and mapped). Nothing leaves 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, chromium, new_page, serve
from tsunagu.config import load_settings
from tsunagu.services.tokens import TokenStore
from tsunagu.webapp import create_app

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS


@pytest.fixture
def site(tmp_path, published):
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings, catalogue=published)
    token = TokenStore(settings.database).create("kenko").token
    with serve(app) as url:
        yield url, token, app


@pytest.fixture
def page():
    with chromium() as browser, new_page(browser, timeout_ms=30_000) as page:
        yield page


def _upload(page, base: str, path: Path, dataset_id: str) -> None:
    page.goto(f"{base}/upload")
    page.set_input_files("#file", str(path))
    page.fill("#dataset_id", dataset_id)
    page.fill("#title_ja", "AED設置場所一覧（登録テスト）")
    page.fill("#title_en", "AED installations (upload test)")
    page.select_option("#standard", "aed-installations")
    page.select_option("#update_frequency", "yearly")
    page.click("button[type=submit]:has-text('登録して検証する')")


#: The job runs in the background; the page polls and reloads itself when it is done.
JOB = 90_000


def test_sign_in_upload_bad_then_good_and_publish(site, page, data_path):
    base, token, app = site
    page.goto(f"{base}/upload")
    expect(page.locator("h1")).to_have_text("職員サインイン")
    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("データ登録")

    _upload(page, base, data_path("webapp/aed_missing_name.csv"), "kashiwa-aed-browser")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "invalid", timeout=JOB)
    expect(page.locator('tr[data-code="required-column-missing"]')).to_have_count(1)
    expect(page.locator("#publish")).to_have_count(0)

    _upload(page, base, data_path("webapp/aed_good.csv"), "kashiwa-aed-browser")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid", timeout=JOB)
    page.click("#publish")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "published", timeout=JOB)

    page.goto(f"{base}/datasets")
    expect(page.locator("a", has_text="AED設置場所一覧（登録テスト）")).to_have_count(1)
    page.locator("a", has_text="AED設置場所一覧（登録テスト）").click()
    expect(page.locator("table.preview")).to_contain_text("柏市役所本庁舎")

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    if "maps.viewer" in endpoints:
        page.goto(f"{base}/map?c=35.8676,139.9757&z=16&layers=kashiwa-aed-browser")
        rows = page.locator('table[data-layer="kashiwa-aed-browser"] tbody tr')
        expect(rows.first).to_contain_text("柏市役所本庁舎")
