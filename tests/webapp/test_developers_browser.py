"""The interactive API reference in headless Chromium: Swagger UI from the app's own static
files renders every operation of /api/openapi.json under the page's strict CSP, and a
"Try it out" call reaches the served API. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, browser, demo_site, new_page

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
__all__ = ["browser", "demo_site"]  # fixtures used by the tests below


def test_reference_renders_every_operation_under_the_csp(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser, timeout_ms=20_000) as page:
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
        page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        response = page.goto(f"{base}/developers/reference")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator("#swagger-ui[data-loaded=true]")).to_be_attached()
        spec = page.request.get(f"{base}/api/openapi.json").json()
        operations = sum(
            1 for item in spec["paths"].values() for method in item if method in ("get", "post")
        )
        expect(page.locator(".opblock")).to_have_count(operations)
        rows = page.locator("#operations-rows-getRows")
        rows.locator(".opblock-summary").click()
        rows.get_by_role("button", name="Try it out").click()
        rows.locator('input[placeholder="dataset_id"]').fill("kashiwa-events")
        rows.get_by_role("button", name="Execute").click()
        expect(rows.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
            "200"
        )
        assert page.evaluate("window.__csp") == []
        assert outside == []
