"""The map in headless Chromium (Playwright, Debian's /usr/bin/chromium): layers, popups,
filters, tables, and the payload dataset with ``alert`` hooked. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.maps.catalogue import add_map_layers
from tests.webapp.browser_support import BROWSER_MARKS, chromium, new_page, serve

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS


@pytest.fixture
def server(app, published, tmp_path):
    add_map_layers(published, tmp_path / "geo")
    with serve(app) as url:
        yield url


@pytest.fixture
def page():
    with chromium() as browser, new_page(browser) as page:
        page.context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        yield page


def _rows(page, layer: str):
    return page.locator(f'table[data-layer="{layer}"] tbody tr')


def test_layers_popup_filter_and_table(server, page):
    page.goto(f"{server}/map?c=35.8676,139.9757&z=17&layers=kashiwa-aed-map")
    pin = page.locator('.leaflet-marker-icon[title="柏市役所"]')
    pin.wait_for()
    page.locator("#map-layer-0").uncheck()  # the AED layer (layers are ordered by id)
    pin.wait_for(state="detached")
    page.locator("#map-layer-0").check()
    pin.wait_for()
    pin.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "柏市役所" in popup.inner_text()
    assert "本庁舎1階正面玄関" in popup.inner_text()
    assert "layers=kashiwa-aed-map" in page.url and "z=17" in page.url  # permalink
    page.goto(f"{server}/map?c=35.865,139.965&z=13&layers=kashiwa-aed-map")
    rows = _rows(page, "kashiwa-aed-map")
    expect(rows).to_have_count(4)
    page.locator("#map-filter-0").fill("近隣")
    expect(rows).to_have_count(2)
    assert "近隣センター" in rows.first.inner_text()
    assert "q.kashiwa-aed-map=" in page.url
    assert page.evaluate("window.__csp") == []  # everything ran under the app's CSP


def test_dataset_page_small_map_shows_its_features(server, page):
    page.goto(f"{server}/datasets/kashiwa-aed-map")
    expect(_rows(page, "kashiwa-aed-map")).to_have_count(4)
    expect(page.locator(".map-frame .leaflet-container")).to_have_attribute(
        "aria-label", "地図：柏市AED地図"
    )
    assert page.evaluate("window.__csp") == []


def test_payload_dataset_runs_no_script(server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(
        "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"
    )
    page.goto(f"{server}/map?c=35.86,139.968&z=16&layers=payloads")
    expect(_rows(page, "payloads")).to_have_count(5)
    pins = page.locator(".leaflet-marker-pane .map-pin")
    expect(pins).to_have_count(5)
    texts = []
    for index in range(pins.count()):
        pins.nth(index).dispatch_event("click")  # popups may cover the next pin
        texts.append(page.locator(".leaflet-popup-content").last.inner_text())
    assert any("<img src=x onerror=alert(1)>" in text for text in texts)
    assert any("${alert(1)}" in text for text in texts)
    table = page.locator('table[data-layer="payloads"]').inner_text()
    assert "</script><script>alert(1)</script>" in table
    assert "<img src=x onerror=alert(5)>" in page.locator("#map-layers").inner_text()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__alerts") == []
    assert dialogs == []
