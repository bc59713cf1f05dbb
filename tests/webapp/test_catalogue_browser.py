"""The catalogue pages in headless Chromium: search (also in full-width), facets on and off, the
language switch, the Excel-friendly CSV download, and a hostile title that must stay text."""

from __future__ import annotations

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, browser, new_page, serve

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = BROWSER_MARKS
__all__ = ["browser"]  # fixture used by the tests below
XSS = "<img src=x onerror=alert(1)>"  # the title of the "hostile" dataset in conftest.py


@pytest.fixture
def base(app):
    with serve(app) as url:
        yield url


def _titles(page):
    return page.locator("main .cards .card h3 a")


def _search(page, base: str, words: str) -> None:
    page.goto(f"{base}/")
    page.fill("#q", words)
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets?q=*")


def test_search_finds_by_japanese_and_full_width_words(base, browser):
    with new_page(browser) as page:
        _search(page, base, "人口")
        expect(_titles(page)).to_have_text(["柏市人口統計"])
        _search(page, base, "ＡＥＤ")  # full-width, as typed on a Japanese IME
        expect(_titles(page)).to_contain_text(["柏市AED設置箇所一覧"])
        assert "柏市人口統計" not in _titles(page).all_inner_texts()


def test_facet_filters_and_clears(base, browser):
    with new_page(browser) as page:
        page.goto(f"{base}/datasets")
        expect(_titles(page)).to_have_count(3)
        page.locator(".facet a", has_text="市民課").click()
        expect(_titles(page)).to_have_text(["柏市人口統計"])
        assert "organization=shimin" in page.url
        page.locator(".facet a[aria-label^='解除']").click()
        expect(_titles(page)).to_have_count(3)
        assert "organization" not in page.url


def test_language_switch_keeps_the_page(base, browser):
    with new_page(browser) as page:
        page.goto(f"{base}/datasets/kashiwa-population")
        expect(page.locator("h1")).to_have_text("柏市人口統計")
        page.locator("nav.lang a").click()
        expect(page.locator("h1")).to_have_text("Population statistics")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert page.url.startswith(f"{base}/datasets/kashiwa-population")
        page.goto(f"{base}/datasets/kashiwa-population")  # the choice is remembered
        expect(page.locator("h1")).to_have_text("Population statistics")
        page.locator("nav.lang a").click()
        expect(page.locator("h1")).to_have_text("柏市人口統計")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        assert page.url.startswith(f"{base}/datasets/kashiwa-population")


def test_excel_link_returns_a_bom_prefixed_csv(base, browser):
    with new_page(browser) as page:
        page.goto(f"{base}/datasets/kashiwa-aed")
        link = page.locator("a", has_text="Excel 用（BOM付き UTF-8）")
        expect(link).to_have_count(1)
        response = page.request.get(base + link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/csv")
        body = response.body()
        assert body.startswith(b"\xef\xbb\xbf")
        assert body[3:].decode("utf-8").splitlines()[1].startswith("1,柏市役所,")


@pytest.mark.parametrize("path", ["/", "/datasets", "/datasets/hostile"])
def test_hostile_title_is_shown_as_text(base, browser, path):
    with new_page(browser) as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.add_init_script(
            "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"
        )
        page.goto(f"{base}{path}")
        expect(page.locator("main")).to_contain_text(XSS)
        expect(page.locator("main img")).to_have_count(0)
        page.wait_for_timeout(200)  # a broken image's onerror would have fired by now
        assert page.evaluate("window.__alerts") == []
        assert dialogs == []
