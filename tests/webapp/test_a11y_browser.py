"""Accessibility of the public pages and the staff pages in headless Chromium, in Japanese and
English, on the demo instance: landmarks, names, keyboard reachability with a visible focus,
WCAG contrast computed in the page, the map's keyboard controls, and a phone viewport."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.webapp.browser_support import (
    BROWSER_MARKS,
    PHONE,
    browser,
    demo_data_dir,
    demo_site,
    new_page,
)
from tsunagu.config import load_settings
from tsunagu.services.tokens import TokenStore

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = BROWSER_MARKS
__all__ = ["browser", "demo_site"]  # fixtures used by the tests below

SHOTS = Path("/tmp/tsunagu-shots")
DATASET = "/datasets/kashiwa-aed-installations"
PUBLIC = ["/", "/datasets", DATASET, "/map"]
PAGES = [*PUBLIC, "/upload/signin", "/upload"]
# In-page checks, evaluated as ``({CHECKS}).name()``; state between calls lives on window.
CHECKS = """{
  structure() {
    const visible = (n) => n.type !== 'hidden' && n.getClientRects().length > 0;
    const named = (n) => (n.labels && [...n.labels].some((l) => l.textContent.trim()))
      || (n.getAttribute('aria-label') || '').trim()
      || (n.getAttribute('aria-labelledby') || '').split(' ').some(
        (id) => id && document.getElementById(id)?.textContent.trim())
      || (n.tagName === 'BUTTON' && n.textContent.trim());
    const controls = [...document.querySelectorAll('input, select, textarea, button')];
    const count = (s) => document.querySelectorAll(s).length;
    return {
      lang: document.documentElement.lang,
      main: count('main, [role=main]'), h1: count('h1'),
      header: count('header'), nav: count('nav'), footer: count('footer'),
      unnamed: controls.filter(visible).filter((n) => !named(n)).map((n) => n.outerHTML),
      no_alt: [...document.images].filter((i) => !i.hasAttribute('alt')).map((i) => i.src),
    };
  },
  contrast() {
    const rgba = (s) => (s.match(/[0-9.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => {
        c /= 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (n) => {
      for (; n; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { return c.slice(0, 3); }
      }
      return [255, 255, 255];
    };
    const failures = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const n = t.parentElement;
      if (!t.textContent.trim() || seen.has(n) || !n.getClientRects().length) { continue; }
      seen.add(n);
      const style = getComputedStyle(n);
      if (style.visibility === 'hidden' || n.closest('[aria-hidden=true], script, style')) {
        continue;
      }
      const [a, b] = [lum(rgba(style.color)), lum(background(n))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        failures.push(`${n.tagName}.${n.className} "${t.textContent.trim().slice(0, 30)}" `
          + `${style.color} on ${background(n)}: ${ratio.toFixed(2)}`);
      }
    }
    return failures;
  },
  tagFocusables() {
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]';
    const look = (n) => { const s = getComputedStyle(n); return [s.outlineStyle, s.outlineWidth,
      s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join('|'); };
    const nodes = [...document.querySelectorAll(selector)].filter((n) => !n.disabled
      && n.tabIndex >= 0 && n.getClientRects().length && getComputedStyle(n).visibility !== 'hidden'
      && !n.closest('.leaflet-marker-pane, .leaflet-popup-pane'));  // redrawn as the map moves
    window.__a11y = { nodes, looks: nodes.map(look), look };
    return nodes.length;
  },
  focusStep() {
    const n = document.activeElement;
    const state = window.__a11y;
    const index = state.nodes.indexOf(n);
    if (!n || n === document.body) { return { index: null, indicated: true, what: 'body' }; }
    const before = index >= 0 ? state.looks[index] : null;
    const s = getComputedStyle(n);
    const drawn = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    return { index: index >= 0 ? index : null, what: n.outerHTML.slice(0, 120),
      indicated: drawn || (before !== null && before !== state.look(n)) };
  },
  describe(reached) {
    return window.__a11y.nodes.filter((n, i) => !reached.includes(i))
      .map((n) => n.outerHTML.slice(0, 120));
  },
  overflowing() {
    return [...document.querySelectorAll('body *')]
      .filter((n) => n.getBoundingClientRect().right > 376
        && !n.closest('.scroll, .leaflet-container'))
      .slice(0, 5).map((n) => n.outerHTML.slice(0, 120));
  },
}"""


@pytest.fixture(scope="module")
def token(tmp_path_factory) -> str:
    data_dir, _, _ = demo_data_dir(tmp_path_factory)
    return TokenStore(load_settings({"data_dir": data_dir}, env={}).database).create("kenko").token


def _open(page, base: str, path: str, lang: str, token: str) -> None:
    page.goto(f"{base}{path}?lang={lang}")
    if path == "/upload":  # staff only: sign in first, then come back
        page.fill("#token", token)
        page.click("button[type=submit]")
        expect(page.locator("#file")).to_be_visible()
    if path in ("/map", DATASET):  # wait until map.js has drawn the layer list
        expect(page.locator("#map-layers > li").first).to_be_visible()


def _check(page, name: str):
    return page.evaluate(f"({CHECKS})[{name!r}]()")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_landmarks_names_and_contrast(demo_site, browser, token, path, lang):
    base, _, _ = demo_site
    with new_page(browser) as page:
        _open(page, base, path, lang, token)
        structure = _check(page, "structure")
        assert structure["lang"] == lang
        assert structure["main"] == 1 and structure["h1"] == 1
        assert structure["header"] >= 1 and structure["nav"] >= 1 and structure["footer"] >= 1
        assert structure["unnamed"] == []
        assert structure["no_alt"] == []
        assert _check(page, "contrast") == []


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_skip_link_reach_and_focus_indicator(demo_site, browser, token, path):
    base, _, _ = demo_site
    with new_page(browser, viewport={"width": 1280, "height": 900}) as page:
        _open(page, base, path, "ja", token)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.evaluate("document.activeElement.blur()")
        total = _check(page, "tagFocusables")
        # Map markers are focusable but not tagged (redrawn as the map moves): each takes a Tab
        # press of its own, and how many are in view depends on the layers the demo publishes.
        markers = page.locator(".leaflet-marker-pane [tabindex]").count()
        reached: set[int] = set()
        no_indicator: list[str] = []
        for _ in range(total + markers + 40):
            page.keyboard.press("Tab")
            step = _check(page, "focusStep")
            if step["index"] is not None:
                reached.add(step["index"])
            if not step["indicated"]:
                no_indicator.append(step["what"])
            if len(reached) == total:
                break
        missed = page.evaluate(f"({CHECKS}).describe({sorted(reached)!r})")
        assert missed == []
        assert no_indicator == []


def test_map_controls_work_from_the_keyboard(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"{base}/map?c=35.8676,139.9757&z=13&layers=kashiwa-aed-installations")
        item = page.locator('#map-layers > li[data-layer="kashiwa-aed-installations"]')
        switch = item.locator("input[type=checkbox]")
        table = page.locator('table[data-layer="kashiwa-aed-installations"]')
        expect(table.locator("caption")).not_to_be_empty()
        count = table.locator("tbody tr").count()
        assert count > 1
        switch.focus()
        page.keyboard.press("Space")
        expect(switch).not_to_be_checked()
        expect(table).to_be_hidden()
        page.keyboard.press("Space")
        expect(switch).to_be_checked()
        page.keyboard.press("Tab")
        filter_input = item.locator("input[type=search]")
        expect(filter_input).to_be_focused()
        page.keyboard.type("柏市役所")
        expect(table.locator("tbody tr")).to_have_count(1)
        assert "q.kashiwa-aed-installations=" in page.url


@pytest.mark.parametrize("path", PUBLIC)
def test_phone_viewport_has_no_horizontal_scroll(demo_site, browser, token, path):
    base, _, _ = demo_site
    with new_page(browser, **PHONE) as page:
        _open(page, base, path, "ja", token)
        # A mobile layout viewport widens to fit overflowing content, so compare with 375 too.
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= page.evaluate("window.innerWidth"), _check(page, "overflowing")
        assert page.evaluate("window.innerWidth") == 375, _check(page, "overflowing")
        narrowest = page.evaluate(  # wide tables scroll in their own box, never one char a line
            "Math.min(...[...document.querySelectorAll('.map-table th')].map("
            "(n) => n.getBoundingClientRect().width))"
        )
        assert narrowest >= 60
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=True)
