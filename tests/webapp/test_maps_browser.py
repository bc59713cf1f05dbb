"""The map in headless Chromium (Playwright, Debian's /usr/bin/chromium): layers, popups,
filters, tables, and the payload dataset with ``alert`` hooked. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.maps.catalogue import add_map_layers

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
def server(app, published, tmp_path):
    from werkzeug.serving import make_server

    add_map_layers(published, tmp_path / "geo")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(tmp_path):
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        context.route("**/*", _local_only)
        context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()


def _local_only(route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()  # tiles and anything else: nothing leaves the machine


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
