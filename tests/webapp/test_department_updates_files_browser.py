"""A dataset of two files updated in headless Chromium (issue 14): the department picks the new
south file on the page, the north file stays as published, and removing a file is refused until
the removal is confirmed."""

from __future__ import annotations

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, chromium, new_page, serve
from tests.webapp.test_department_updates_files import DATASET, _checksums, _site

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
JOB = 90_000  # the background job; the page polls and reloads itself when it is done


def test_one_file_chosen_on_the_page_the_other_kept_and_removal_confirmed(tmp_path):
    app, token, folder = _site(tmp_path)
    before = _checksums(app)
    south = tmp_path / "南部（令和7年度）.csv"
    south.write_bytes(b"".join((folder / "南部.csv").read_bytes().splitlines(True)[:-1]))
    with serve(app) as base, chromium() as browser, new_page(browser, timeout_ms=30_000) as page:
        page.goto(f"{base}/upload/mine")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.click(f'a[data-update="{DATASET}"]')
        files = page.locator("#dataset-files")
        expect(files.locator("tr[data-source]")).to_have_count(2)
        expect(files).to_contain_text("北部.csv")
        page.set_input_files("#file-1", str(south))  # chosen for 南部.csv: the name differs
        page.click("button[type=submit]:has-text('登録して検証する')")
        expect(page.locator("#upload-state")).to_have_attribute("data-state", "valid", timeout=JOB)
        expect(page.locator('#upload-sources li[data-source="main"]')).to_contain_text(
            "公開中の内容のまま"
        )
        expect(page.locator('#upload-sources li[data-source="south"]')).to_contain_text(
            "南部（令和7年度）.csv"
        )
        page.click("#publish")
        expect(page.locator("#upload-state")).to_have_attribute(
            "data-state", "published", timeout=JOB
        )
        after = _checksums(app)
        assert after["csv"] == before["csv"] and after["south-csv"] != before["south-csv"]

        page.goto(f"{base}/upload?update={DATASET}")
        page.set_input_files("#file", str(folder / "北部.csv"))  # matched by its name
        page.check("#remove-1")
        page.click("button[type=submit]:has-text('登録して検証する')")  # not confirmed
        expect(page.locator("#file-error")).to_contain_text("確認のチェック")
        expect(page.locator("#remove-1")).to_be_checked()
        assert set(_checksums(app)) == set(before)  # nothing stored, nothing dropped
