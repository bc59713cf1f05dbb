"""The dashboard and the dataset-page charts in Debian's headless Chromium, on the demo site
(every Kashiwa sample published): Chart.js is served by the app, charts are drawn from the
tables beside them under the strict CSP, and the page's own chart controls redraw them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, PHONE, browser, demo_site, new_page

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = BROWSER_MARKS
__all__ = ["browser", "demo_site"]  # fixtures used by the tests below
AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _watch(page) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"errors": [], "outside": [], "csp": []}
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on(
        "console",
        lambda msg: seen["csp"].append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on(
        "request",
        lambda req: (
            seen["outside"].append(req.url) if urlsplit(req.url).hostname != "127.0.0.1" else None
        ),
    )
    return seen


def _painted(page, selector: str) -> bool:
    """Whether the chart's canvas has any non-transparent pixel (Chart.js really drew)."""
    return page.eval_on_selector(
        selector,
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; }
                  return false; }""",
    )


def test_dashboard_charts_are_drawn_from_their_tables(browser, demo_site):
    base, _code, _output = demo_site
    with new_page(browser, user_agent=AGENT) as page:
        seen = _watch(page)
        page.goto(f"{base}/dashboard")
        use = page.locator("figure[data-chart='line'][data-drawn]").filter(
            has=page.locator("#chart-use-caption")
        )
        use.wait_for()
        assert use.get_attribute("data-drawn") == "line:3:30"  # 3 series over the 30 days
        assert _painted(page, "figure:has(#chart-use-caption) canvas")
        quality = page.locator("figure:has(#chart-quality-caption)")
        assert quality.get_attribute("data-drawn").startswith("line:1:")
        rows = page.locator("figure:has(#chart-use-caption) table tbody tr")
        assert rows.count() == 30  # the table beside it holds the same 30 days
        grid = page.locator("table.coverage tbody tr")
        assert grid.count() == 13
        assert page.locator("table.coverage tr.status-blocked").count() == 1  # 文化財一覧
        page.select_option("select[name=department]", "kenko")
        page.click("button[type=submit]")
        page.wait_for_url("**department=kenko**")
        assert "健康政策課" in page.locator("h1").inner_text()
        page.locator("figure:has(#chart-use-caption)[data-drawn]").wait_for()
    assert seen == {"errors": [], "outside": [], "csp": []}


def test_population_page_pyramid_and_a_chosen_chart(browser, demo_site):
    base, _code, _output = demo_site
    with new_page(browser, user_agent=AGENT, **PHONE) as page:
        seen = _watch(page)
        page.goto(f"{base}/datasets/kashiwa-population-by-area-and-age?lang=en")
        pyramid = page.locator("figure[data-chart='pyramid'][data-drawn]")
        pyramid.wait_for()
        assert pyramid.get_attribute("data-drawn") == "pyramid:2:18"  # male/female, 18 ages
        assert _painted(page, "figure[data-chart='pyramid'] canvas")
        assert "Population pyramid" in pyramid.locator("figcaption").inner_text()
        choice = page.locator("figure[data-chart='choice']")
        assert choice.get_attribute("data-drawn").startswith("bar:1:")
        choice.locator("select[data-type]").select_option("line")
        page.wait_for_function(
            "document.querySelector(\"figure[data-chart='choice']\")"
            ".getAttribute('data-drawn').startsWith('line:1:')"
        )
    assert seen == {"errors": [], "outside": [], "csp": []}
