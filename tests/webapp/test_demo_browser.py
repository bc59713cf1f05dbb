"""What ``make demo`` promises, in headless Chromium: every Kashiwa sample published with the real
CLI (one deliberately blocked), then the served site lists them, maps every geo dataset with its
markers, and never shows the blocked one."""

from __future__ import annotations

import re

import pytest

from tests.webapp.browser_support import BROWSER_MARKS, browser, demo_data_dir, demo_site, new_page
from tsunagu.catalogue import open_catalogue
from tsunagu.config import load_settings

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = BROWSER_MARKS
__all__ = ["browser", "demo_site"]  # fixtures used by the tests below

_NONZERO = re.compile(r"^[1-9][0-9]*$")
BLOCKED_ID = "kashiwa-cultural-properties"
BLOCKED_TITLE = "指定文化財一覧"
# Colour-matched markers of one layer: pins and cluster badges carry the layer's colour inline.
LAYER_MARKERS_JS = """(id) => {
  const probe = document.createElement('span');
  probe.style.color = window.tsunaguMap.layers[id].layer.colour;
  document.body.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return [...document.querySelectorAll(
      '.leaflet-marker-pane .map-pin-dot, .leaflet-marker-pane .map-cluster-count')]
    .filter((n) => n.style.backgroundColor === colour || n.style.borderColor === colour).length;
}"""


@pytest.fixture(scope="module")
def demo_records(tmp_path_factory):
    """The published records, read back from the demo instance's own catalogue."""
    data_dir, _, _ = demo_data_dir(tmp_path_factory)
    catalogue = open_catalogue(load_settings({"data_dir": data_dir}, env={}))
    return catalogue.search("", rows=100).results


def _geo_ids(records) -> set[str]:
    return {r.meta.id for r in records if any(res.key == "geojson" for res in r.resources)}


def test_publish_exits_1_for_the_one_blocked_sample(demo_site, demo_records):
    _, code, output = demo_site
    assert code == 1, output
    ids = {r.meta.id for r in demo_records}
    assert BLOCKED_ID not in ids
    assert {"kashiwa-aed-installations", "kashiwa-designated-emergency-evacuation-sites"} <= ids
    assert len(ids) >= 9


def test_home_and_datasets_list_everything_published_but_the_blocked(
    demo_site, demo_records, browser
):
    base, _, _ = demo_site
    with new_page(browser) as page:
        page.goto(f"{base}/")
        departments = page.locator("section[aria-labelledby=by-org] li a")
        orgs = {r.meta.organisation_title_ja for r in demo_records}
        expect(departments).to_have_count(len(orgs))
        assert set(departments.all_inner_texts()) == orgs
        assert BLOCKED_TITLE not in page.locator("main").inner_text()
        page.goto(f"{base}/datasets")
        cards = page.locator("main .cards .card h3 a")
        expect(cards).to_have_count(len(demo_records))
        assert set(cards.all_inner_texts()) == {r.meta.title_ja for r in demo_records}
        assert BLOCKED_TITLE not in page.locator("main").inner_text()
        assert page.goto(f"{base}/datasets/{BLOCKED_ID}").status == 404


def test_map_shows_every_geo_dataset_and_a_layer_switches_off(demo_site, demo_records, browser):
    base, _, _ = demo_site
    geo = _geo_ids(demo_records)
    assert {"kashiwa-aed-installations", "evacuation-sites-gis"} <= geo
    with new_page(browser, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"{base}/map")
        items = page.locator("#map-layers > li")
        expect(items).to_have_count(len(geo))
        ids = items.evaluate_all("(nodes) => nodes.map((n) => n.dataset.layer)")
        assert set(ids) == geo and BLOCKED_ID not in ids
        container = page.locator(".leaflet-container")
        for index in range(len(ids)):  # every layer's features request has answered
            expect(container).to_have_attribute(f"data-loaded-{index}", _NONZERO)
        for layer_id in ("kashiwa-aed-installations", "evacuation-sites-gis"):
            assert page.evaluate(LAYER_MARKERS_JS, layer_id) > 0, layer_id
        aed = ids.index("kashiwa-aed-installations")
        others = page.evaluate(LAYER_MARKERS_JS, "evacuation-sites-gis")
        page.locator(f"#map-layer-{aed}").uncheck()
        page.wait_for_function(
            f"() => ({LAYER_MARKERS_JS})('kashiwa-aed-installations') === 0", polling=100
        )
        assert page.evaluate(LAYER_MARKERS_JS, "evacuation-sites-gis") == others
        expect(page.locator(f"#map-table-{aed}")).to_be_hidden()
        assert "kashiwa-aed-installations" not in page.url.split("layers=")[1].split("&")[0]


def test_geo_dataset_page_shows_its_small_map(demo_site, browser):
    base, _, _ = demo_site
    with new_page(browser) as page:
        page.goto(f"{base}/datasets/kashiwa-designated-emergency-evacuation-sites")
        expect(page.locator("h1")).to_have_text("指定緊急避難場所一覧")
        frame = page.locator(".dataset-map .map-frame .leaflet-container")
        expect(frame).to_have_attribute("data-loaded-0", _NONZERO)
        expect(page.locator(".dataset-map .leaflet-marker-pane > *").first).to_be_visible()
        rows = page.locator('table[data-layer="kashiwa-designated-emergency-evacuation-sites"]')
        expect(rows.locator("tbody tr").first).to_be_visible()
