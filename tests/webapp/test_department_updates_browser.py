"""A department keeping its dataset up to date in headless Chromium (issue 14): sign in → my
datasets → update with the usual file → mapping screen for new columns → value mapping →
preview with the change summary and map → a version losing a column and most rows refused
until confirmed → publish; and the bad paths (another department's id, a tampered form, a file
that is not a table). The dataset is first published by the CLI from a copy of its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, chromium, new_page, serve, sign_in
from tests.webapp.test_department_updates import department_site

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS

UPDATES = Path(__file__).parents[1] / "data" / "webapp" / "updates"
USUAL = Path(__file__).parents[2] / "datasets/kashiwa/kenko/aed-installations/AED設置場所一覧.csv"
JOB = 90_000  # the background job; the page polls and reloads itself when it is done


@pytest.fixture
def site(tmp_path):
    app, tokens = department_site(tmp_path)
    with serve(app) as url:
        yield url, tokens, app


@pytest.fixture
def page():
    with chromium() as browser, new_page(browser, timeout_ms=30_000) as page:
        yield page


def _update(page, path: Path) -> None:
    """From "My datasets": the Update button, the pre-filled form, only the file chosen."""
    page.goto(page.url.split("/upload")[0] + "/upload/mine")
    page.click('a[data-update="kashiwa-aed-installations"]')
    expect(page.locator("#update-notice")).to_be_visible()
    expect(page.locator("#title_ja")).to_have_value("AED設置場所一覧")
    expect(page.locator("#description_ja")).to_have_value(
        "柏市の公共施設に設置している自動体外式除細動器（AED）の設置場所と利用可能な時間です。"
    )
    expect(page.locator("#update_frequency")).to_have_value("yearly")
    page.set_input_files("#file", str(path))
    page.click("button[type=submit]:has-text('登録して検証する')")


def test_department_updates_maps_previews_and_confirms_a_loss(site, page):
    base, tokens, app = site
    sign_in(page, f"{base}/upload/mine", tokens["kenko"])
    expect(page.locator("h1")).to_have_text("自分の部署のデータセット")
    row = page.locator('tr[data-dataset="kashiwa-aed-installations"]')
    expect(row).to_contain_text("公開中")
    expect(row).to_contain_text("毎年")

    _update(page, USUAL)  # the usual file: the saved mapping is used, nothing changes
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid", timeout=JOB)
    expect(page.locator("#changes")).to_contain_text("内容は公開中の版と同じです")
    expect(page.locator("#upload-map")).to_have_attribute("data-features", "19")
    expect(page.locator("table.preview-rows")).to_contain_text("柏市役所本庁舎")

    _update(page, UPDATES / "aed_new_columns.csv")  # two new columns, ○/× for 有/無
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "invalid", timeout=JOB)
    expect(page.locator("#needs-mapping")).to_be_visible()
    expect(page.locator("dd", has_text="aed_new_columns.csv")).to_have_count(1)  # real name
    page.click("#mapping-link a")
    expect(page.locator("h1")).to_contain_text("列対応表")
    english = page.locator('tr[data-column="英語名"]')
    expect(english.locator(".badge")).to_have_text("未対応")
    english.locator("select").select_option("名称_英語")
    pad = page.locator('tr[data-column="小児用パッド"]')
    pad.locator('select[data-value="○"]').select_option("有")
    pad.locator('select[data-value="×"]').select_option("無")
    page.click("#save-mapping")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid", timeout=JOB)
    expect(page.locator("#changes")).to_contain_text("19 → 19")
    expect(page.locator("table.preview-rows")).to_contain_text("Facility 1")
    page.click("#publish")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "published", timeout=JOB)

    page.click("#again")  # 「別のファイルを登録する」 keeps the form
    expect(page.locator("#dataset_id")).to_have_value("kashiwa-aed-installations")
    expect(page.locator("#title_ja")).to_have_value("AED設置場所一覧")

    _update(page, UPDATES / "aed_fewer.csv")  # 5 of 19 rows, without the new columns
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid", timeout=JOB)
    expect(page.locator("#changes")).to_have_attribute("data-needs-confirmation", "yes")
    expect(page.locator("#confirm-loss")).to_contain_text("19 → 5")
    page.click("#publish")  # not confirmed: refused by the server, the list shown again
    expect(page.locator("#loss-refused")).to_be_visible()
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid")
    assert len(app.extensions["tsunagu"].catalogue.list_versions("kashiwa-aed-installations")) == 2
    page.check("#confirm_loss")
    page.click("#publish")
    expect(page.locator("#upload-state")).to_have_attribute("data-state", "published", timeout=JOB)
    assert len(app.extensions["tsunagu"].catalogue.list_versions("kashiwa-aed-installations")) == 3


def test_bad_paths_other_department_tampered_form_and_not_a_table(site, page, tmp_path):
    base, tokens, _app = site
    sign_in(page, f"{base}/upload/mine", tokens["bousai"])
    expect(page.locator('tr[data-dataset="kashiwa-aed-installations"]')).to_have_count(0)
    page.goto(f"{base}/upload")
    options = page.locator("#own-datasets option")
    expect(options).to_have_count(0)  # the form offers only the department's own datasets
    # A tampered form: the id of another department's dataset typed in (or edited in devtools).
    page.set_input_files("#file", str(USUAL))
    page.fill("#dataset_id", "kashiwa-aed-installations")
    page.fill("#title_ja", "乗っ取り")
    page.select_option("#standard", "aed-installations")
    page.click("button[type=submit]:has-text('登録して検証する')")
    expect(page.locator("#dataset_id-error")).to_contain_text("他の部署のもの")
    page.goto(f"{base}/upload?update=kashiwa-aed-installations&lang=en")
    expect(page.locator("#dataset_id-error")).to_contain_text("belongs to another department")

    picture = tmp_path / "名簿.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    page.goto(f"{base}/upload?lang=ja")
    page.set_input_files("#file", str(picture))
    page.fill("#dataset_id", "bousai-new-list")
    page.fill("#title_ja", "新しい一覧")
    page.select_option("#standard", "aed-installations")
    page.click("button[type=submit]:has-text('登録して検証する')")
    state = page.locator("#upload-state")
    expect(state).to_have_attribute("data-state", "invalid", timeout=JOB)
    expect(page.locator("main")).to_contain_text("名簿.csv")
    expect(page.locator("main")).not_to_contain_text("Traceback")
