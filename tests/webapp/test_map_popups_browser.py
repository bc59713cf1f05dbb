"""The map viewer as people use it, in headless Chromium on the published Kashiwa samples.

Issue 13: popups closed by themselves about half a second after a click (the popup's auto-pan
fired ``moveend``, which reloaded the layer and cleared its markers). These tests open a popup
on a pin at the very edge of the map, so Leaflet must pan, and check it is still open three
seconds later, on a desktop window and on a 390 px phone; then the keyboard path, the cluster
names, the Japanese control labels, the legend, "current location" and the embed dialog.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, PHONE, browser, demo_site, new_page
from tsunagu.maps.popups import MACHINE_FIELDS

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
__all__ = ["browser", "demo_site"]  # fixtures used by the tests below

TOILETS = "kashiwa-public-toilets"
PHONE_390 = {**PHONE, "viewport": {"width": 390, "height": 844}}
VIEWPORTS = {"desktop": {"viewport": {"width": 1280, "height": 800}}, "phone": PHONE_390}


def _features_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/features?" in r.url else None)
    return seen


def _open_map(page: Any, base: str, layers: str = TOILETS, zoom: int = 16) -> None:
    page.goto(f"{base}/map?c=35.8624,139.9727&z={zoom}&layers={layers}")  # 柏駅東口公衆トイレ
    first = layers.split(",")[0]
    count = page.locator(f'.map-layer[data-layer="{first}"] .map-layer-count')
    expect(count).to_contain_text(re.compile(r"\d"))


def _pin_to_corner(page: Any) -> str:
    """Pan (without animation) so the first drawn pin sits 12 px from the map's top-right
    corner; wait for that view's data; return the pin's title."""
    title = page.evaluate(
        """() => {
          const m = window.tsunaguMap.map;
          let pin = null;
          m.eachLayer((l) => { if (!pin && l.getElement && l.options && l.options.icon
                                  && l.options.icon.options.className === 'map-pin') pin = l; });
          const p = m.latLngToContainerPoint(pin.getLatLng());
          m.panBy([p.x - (m.getSize().x - 12), p.y - 12], {animate: false});
          return pin.options.title;
        }"""
    )
    page.wait_for_load_state("networkidle")
    return title


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_popup_at_the_edge_stays_open(demo_site, browser, device):
    base, _, _ = demo_site
    with new_page(browser, **VIEWPORTS[device]) as page:
        _open_map(page, base)
        title = _pin_to_corner(page)
        pin = page.locator(f'.map-pin[title="{title}"]')
        box = pin.bounding_box()
        assert box is not None
        centre_before = page.evaluate("window.tsunaguMap.map.getCenter()")
        requests = _features_requests(page)
        pin.click()
        popup = page.locator(".leaflet-popup")
        expect(popup).to_be_visible()
        page.wait_for_timeout(3000)
        expect(popup).to_be_visible()
        assert title in popup.inner_text()
        centre_after = page.evaluate("window.tsunaguMap.map.getCenter()")
        assert centre_after != centre_before  # Leaflet did pan to fit the popup …
        assert requests == []  # … and that pan reloaded nothing
        # Moving the map by hand reloads the data but keeps the popup and its marker.
        page.evaluate("window.tsunaguMap.map.panBy([-40, 30], {animate: false})")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        assert requests, "a real move reloads the layer"
        expect(popup).to_be_visible()
        # Closing the popup lets the layer draw the answer it held back.
        page.locator(".leaflet-popup-close-button").dispatch_event("click")  # may be clipped
        expect(popup).to_have_count(0)
        expect(page.locator(f'.map-pin[title="{title}"]')).to_have_count(1)


def test_keyboard_enter_opens_escape_closes_and_returns_focus(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        _open_map(page, base)
        pin = page.locator(".map-pin").first
        title = pin.get_attribute("title")
        pin.focus()
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup")
        expect(popup).to_be_visible()
        focused = page.evaluate("document.activeElement.className")
        assert "map-popup-title" in focused
        assert page.evaluate("document.activeElement.textContent") == title
        expect(page.locator(".leaflet-popup-close-button")).to_have_attribute(
            "aria-label", "閉じる"
        )
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)
        assert page.evaluate("document.activeElement.getAttribute('title')") == title


def test_popup_and_table_show_peoples_fields_first(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        _open_map(page, base)
        page.locator(".map-pin").first.click()
        terms = page.locator(".leaflet-popup .map-popup-fields dt").all_inner_texts()
        assert terms[0] == "所在地_連結表記"
        for machine in ("全国地方公共団体コード", "ID", "地方公共団体名", "緯度", "経度"):
            assert machine not in terms
        headers = page.locator(f'table[data-layer="{TOILETS}"] th').all_inner_texts()
        assert headers[:2] == ["名称", "所在地_連結表記"]
        machine = [i for i, h in enumerate(headers) if h in MACHINE_FIELDS]
        others = [i for i, h in enumerate(headers) if h not in MACHINE_FIELDS]
        assert len(machine) >= 5 and min(machine) > max(others)  # codes and ids last


def test_polygons_have_a_title(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        page.goto(f"{base}/map?c=35.8676,139.9757&z=13&layers=population-areas")
        shapes = page.locator("path.leaflet-interactive[aria-label]")
        expect(shapes.first).to_be_attached()
        label = shapes.first.get_attribute("aria-label")
        assert label
        shapes.first.dispatch_event("click")
        heading = page.locator(".leaflet-popup .map-popup-title")
        expect(heading).to_have_text(label)


def test_clusters_are_named_with_layer_and_count(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        _open_map(page, base, zoom=12)
        cluster = page.locator(".map-cluster").first
        expect(cluster).to_have_attribute("title", re.compile(r"^公衆トイレ一覧 \d+件$"))
        assert cluster.get_attribute("role") == "button"
        assert cluster.get_attribute("tabindex") == "0"


@pytest.mark.parametrize(
    ("lang", "zoom_in", "legend"), [("ja", "拡大", "凡例"), ("en", "Zoom in", "Legend")]
)
def test_controls_and_legend_in_the_page_language(demo_site, browser, lang, zoom_in, legend):
    base, _, _ = demo_site
    with new_page(browser) as page:
        page.goto(f"{base}/map?lang={lang}&z=12&layers={TOILETS},kashiwa-events")
        expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", zoom_in)
        box = page.locator(".map-legend")
        expect(box.locator("h2")).to_have_text(legend)
        expect(box.locator("li")).to_have_count(2)
        page.locator(f'.map-layer[data-layer="{TOILETS}"] input[type=checkbox]').uncheck()
        expect(box.locator("li")).to_have_count(1)
        expect(box.locator(f'li[data-layer="{TOILETS}"]')).to_have_count(0)


def test_current_location_with_and_without_permission(demo_site, browser):
    base, _, _ = demo_site
    with new_page(
        browser,
        geolocation={"latitude": 35.8617, "longitude": 139.9711},
        permissions=["geolocation"],
    ) as page:
        _open_map(page, base, zoom=12)
        page.locator(".map-locate-button").click()
        expect(page.locator("#map-status")).to_have_text("現在地を表示しました")
        centre = page.evaluate("window.tsunaguMap.map.getCenter()")
        assert abs(centre["lat"] - 35.8617) < 1e-3 and abs(centre["lng"] - 139.9711) < 1e-3
    with new_page(browser) as page:  # no permission given: the map stays and says why
        _open_map(page, base, zoom=12)
        before = page.evaluate("window.tsunaguMap.map.getCenter()")
        page.locator(".map-locate-button").click()
        expect(page.locator("#map-status")).to_contain_text("現在地を")
        assert "表示しました" not in page.locator("#map-status").inner_text()
        assert page.evaluate("window.tsunaguMap.map.getCenter()") == before


def test_embed_dialog_gives_working_iframe_code(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        _open_map(page, base, zoom=14)
        page.locator("#map-embed-open").click()
        dialog = page.locator("#map-embed-dialog")
        expect(dialog).to_be_visible()
        code = page.locator("#map-embed-code").input_value()
        match = re.fullmatch(r'<iframe src="([^"]+)" title="地図" [^>]*></iframe>', code)
        assert match, code
        src = match.group(1).replace("&amp;", "&")
        assert src.startswith(f"{base}/map/embed?") and f"layers={TOILETS}" in src
        page.locator("#map-embed-close").click()
        expect(dialog).to_be_hidden()
        assert page.evaluate("document.activeElement.id") == "map-embed-open"
        page.set_content(code)  # the snippet itself, pasted into a page of its own
        frame = page.frame_locator("iframe")
        expect(frame.locator(".map-pin").first).to_be_attached(timeout=10_000)


def test_list_sits_beside_the_map_on_wide_screens(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser, viewport={"width": 1600, "height": 900}) as page:
        _open_map(page, base)
        frame = page.locator(".map-frame").bounding_box()
        tables = page.locator(".map-tables").bounding_box()
        assert frame and tables
        assert tables["x"] >= frame["x"] + frame["width"]  # to the right …
        assert tables["y"] < frame["y"] + frame["height"]  # … not below
    with new_page(browser, **PHONE_390) as page:
        _open_map(page, base)
        frame = page.locator(".map-frame").bounding_box()
        tables = page.locator(".map-tables").bounding_box()
        assert frame and tables and tables["y"] >= frame["y"] + frame["height"]
