"""Issue 15's schema decisions in headless Chromium (Playwright, Debian's /usr/bin/chromium):
a new dataset's inferred schema shown and confirmed before anything is published, and the
"accept the new schema" button after a drifted re-upload (blocked → accepted → published).
Nothing leaves 127.0.0.1."""

from __future__ import annotations

import shutil

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, chromium, new_page, serve, sign_in
from tests.webapp.department_support import published_site
from tests.webapp.test_a11y_browser import CHECKS
from tests.webapp.test_upload_new_schema import calendar_file
from tests.webapp.test_upload_schema_drift import CALENDAR, DATASET, _drifted
from tsunagu.config import load_settings
from tsunagu.services.tokens import TokenStore
from tsunagu.webapp import create_app

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
JOB = 90_000  # the background job; the page polls and reloads itself when it is done


@pytest.fixture
def page():
    with chromium() as browser, new_page(browser, timeout_ms=30_000) as page:
        yield page


def _sign_in(page, base: str, token: str) -> None:
    sign_in(page, f"{base}/upload", token)
    expect(page.locator("h1")).to_have_text("データ登録")


def test_new_dataset_schema_shown_confirmed_then_published(tmp_path, page):
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings)
    token = TokenStore(settings.database).create("seiso").token
    with serve(app) as base:
        _sign_in(page, base, token)
        page.set_input_files("#file", str(calendar_file(tmp_path)))
        page.fill("#dataset_id", "kashiwa-gomi-browser")
        page.fill("#title_ja", "ごみ収集日程（ブラウザー）")
        page.select_option("#standard", "own:new")
        page.click("button[type=submit]:has-text('登録して検証する')")
        state = page.locator("#upload-state")
        expect(state).to_have_attribute("data-state", "proposed", timeout=JOB)

        proposal = page.locator("#proposal")
        expect(proposal.locator('tr[data-field="開始日"] td[data-type="date"]')).to_have_count(1)
        expect(proposal.locator('tr[data-field="回数（回）"]')).to_contain_text("回")
        expect(proposal.locator('tr[data-field="品目"]')).to_contain_text("可燃ごみ、資源品")
        expect(page.locator("#publish")).to_have_count(0)  # nothing to publish yet
        structure = page.evaluate(f"({CHECKS}).structure()")  # the same bar as every page
        assert structure["unnamed"] == [] and structure["h1"] == 1
        assert page.evaluate(f"({CHECKS}).contrast()") == []

        page.click("#confirm-schema-button")  # the box left unticked: refused, nothing written
        expect(page.locator("#confirm-refused")).to_be_visible()
        assert not list((settings.data_dir / "uploads").glob("seiso/*/schema.json"))

        page.check("#confirm_new_schema")
        page.click("#confirm-schema-button")
        expect(state).to_have_attribute("data-state", "valid", timeout=JOB)
        expect(page.locator("#schema-confirmed")).to_be_visible()
        expect(page.locator("#proposal")).to_have_count(0)
        page.click("#publish")
        expect(state).to_have_attribute("data-state", "published", timeout=JOB)
        page.click("text=データセットのページを見る")
        expect(page.locator("h1")).to_contain_text("ごみ収集日程（ブラウザー）")
        expect(page.locator("table.preview")).to_contain_text("2024-04-02")


def test_drifted_reupload_blocked_then_accepted_and_published(tmp_path, page):
    datasets = tmp_path / "datasets"
    shutil.copytree(CALENDAR, datasets / "haikibutsu" / "garbage-collection-calendar")
    app, settings = published_site(tmp_path)
    token = TokenStore(settings.database).create("haikibutsu").token
    with serve(app) as base:
        _sign_in(page, base, token)
        page.goto(f"{base}/upload?update={DATASET}")
        expect(page.locator("#standard")).to_have_value("")  # its own schema, kept
        page.set_input_files("#file", str(_drifted(tmp_path)))
        page.click("button[type=submit]:has-text('登録して検証する')")
        state = page.locator("#upload-state")
        expect(state).to_have_attribute("data-state", "invalid", timeout=JOB)
        expect(page.locator('tr[data-code="schema-drift-added"]')).to_contain_text("担当")
        expect(page.locator("#publish")).to_have_count(0)  # blocked

        page.click("#accept-schema-button")  # unticked: refused
        expect(page.locator("#schema-refused")).to_be_visible()
        page.check("#confirm_schema")
        page.click("#accept-schema-button")
        expect(state).to_have_attribute("data-state", "valid", timeout=JOB)
        expect(page.locator("#schema-accepted")).to_be_visible()
        expect(page.locator("#accept-schema")).to_have_count(0)
        page.click("#publish")
        expect(state).to_have_attribute("data-state", "published", timeout=JOB)
        page.click("text=データセットのページを見る")
        expect(page.locator("table.preview")).to_contain_text("清掃事業課")
