"""The dataset page's preview as a real table, in headless Chromium on the samples published
by the real CLI: every row reachable by paging, sorting by a column (numbers as numbers), a
filter, types respected (issue 13). All through the rows API; nothing leaves 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, browser, demo_site, new_page

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
__all__ = ["browser", "demo_site"]  # fixtures used by the tests below

POPULATION = "kashiwa-population-by-area-and-age"


def _column(page, name: str) -> list[str]:
    headers = page.locator("table.preview thead th").all_inner_texts()
    index = [h.strip(" ▲▼") for h in headers].index(name)
    return page.locator(f"table.preview tbody tr td:nth-child({index + 1})").all_inner_texts()


def _ready(page) -> None:
    expect(page.locator(".preview-section")).to_have_attribute("data-state", "ready")


def test_page_through_every_row(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        api = page.request.get(f"{base}/api/v1/datasets/{POPULATION}/rows?limit=1000&raw=1")
        every = [row["地域名"] for row in api.json()["rows"]]
        assert len(every) == 24
        page.goto(f"{base}/datasets/{POPULATION}")
        _ready(page)
        expect(page.locator("#preview")).to_contain_text("24")
        seen = _column(page, "地域名")
        assert len(seen) == 20
        expect(page.locator(".preview-status")).to_contain_text("1〜20")
        page.get_by_role("button", name="次へ").click()
        _ready(page)
        expect(page.locator(".preview-status")).to_contain_text("21〜24")
        seen += _column(page, "地域名")
        assert seen == every
        assert page.get_by_role("button", name="次へ").is_disabled()


def test_sort_numbers_as_numbers_and_filter(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        page.goto(f"{base}/datasets/{POPULATION}")
        _ready(page)
        sort = page.locator('button.preview-sort[data-field="総人口"]')
        sort.click()
        _ready(page)
        sort.click()  # again: descending
        _ready(page)
        expect(page.locator('th[aria-sort="descending"]')).to_have_count(1)
        values = [int(v) for v in _column(page, "総人口")]
        assert values == sorted(values, reverse=True) and len(values) == 20
        cell = page.locator("table.preview tbody tr td.num").first
        assert cell.evaluate("(n) => getComputedStyle(n).textAlign") == "right"
        focused = page.evaluate("document.activeElement.getAttribute('data-field')")
        assert focused == "総人口"  # focus stays on the header that was used
        name = _column(page, "地域名")[0]
        page.locator("#preview-filter").fill(name)
        expect(page.locator("table.preview tbody tr")).to_have_count(1)
        assert _column(page, "地域名") == [name]
        page.locator("#preview-filter").fill("存在しない地域")
        expect(page.locator("table.preview tbody")).to_contain_text("該当する行はありません")


def test_empty_cells_are_empty_and_english_labels(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        page.goto(f"{base}/datasets/kashiwa-public-toilets?lang=en")
        _ready(page)
        expect(page.locator(".preview-status")).to_have_text("Rows 1–15 of 15")
        images = _column(page, "画像")
        assert "" in images and "None" not in images and "null" not in images
        assert page.get_by_role("button", name="Next").is_disabled()
