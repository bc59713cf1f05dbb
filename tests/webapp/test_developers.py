"""The developer portal on the Kashiwa samples published by the real CLI and served on
127.0.0.1: linked from every page, the examples it gives run as they are (requests, ckanapi,
OWSLib against the served site), rate limit and licence from the settings."""

from __future__ import annotations

import html
import re

import pytest
import requests

from tests.webapp.browser_support import demo_site

__all__ = ["demo_site"]  # fixture used below

CODE = re.compile(
    r'<section class="example"[^>]*data-example="([^"]+)".*?<code[^>]*>(.*?)</code>', re.S
)


def _examples(base: str, dataset: str) -> dict[str, str]:
    page = requests.get(f"{base}/developers", params={"dataset": dataset}, timeout=30)
    assert page.status_code == 200
    return {key: html.unescape(code) for key, code in CODE.findall(page.text)}


@pytest.mark.parametrize(
    "path", ["/", "/datasets", "/datasets/kashiwa-public-toilets", "/map", "/developers", "/terms"]
)
def test_every_page_links_the_portal_in_its_footer(demo_site, path):
    base, _, _ = demo_site
    text = requests.get(base + path, timeout=30).text
    footer = text[text.index('<footer class="site">') :]
    assert 'href="/developers"' in footer and 'href="/about"' in footer
    assert 'href="/terms"' in footer


def test_dataset_page_links_its_examples(demo_site):
    base, _, _ = demo_site
    text = requests.get(f"{base}/datasets/kashiwa-events", timeout=30).text
    assert 'href="/developers?dataset=kashiwa-events#examples"' in text


def test_portal_explains_every_api(demo_site):
    base, _, _ = demo_site
    text = requests.get(f"{base}/developers", timeout=30).text
    for anchor in ("api-json", "api-geojson", "api-ogc", "api-ckan", "api-dcat", "api-feeds"):
        assert f'id="{anchor}"' in text
    assert "600/minute" in text and "429" in text and "Retry-After" in text
    assert 'href="/developers/reference"' in text and 'href="/api/openapi.json"' in text


def test_examples_run_as_they_are(demo_site):
    """The Python examples, exactly as shown, against the served site."""
    base, _, _ = demo_site
    examples = _examples(base, "kashiwa-public-toilets")
    assert {"curl", "python-requests", "python-ckanapi", "javascript-fetch", "python-owslib",
            "geojson"} <= set(examples)  # fmt: skip
    for key in ("python-requests", "python-ckanapi", "python-owslib"):
        assert base in examples[key]
        scope: dict = {}
        exec(compile(examples[key], key, "exec"), scope)  # noqa: S102  # our page's own example
    requests_scope: dict = {}
    exec(examples["python-requests"], requests_scope)  # noqa: S102
    assert len(requests_scope["rows"]) == 15  # every row, through the next links
    owslib_scope: dict = {}
    exec(examples["python-owslib"], owslib_scope)  # noqa: S102
    assert len(owslib_scope["items"]["features"]) == 15
    for line in examples["curl"].splitlines():
        url = re.search(r'"(http[^"]+)"\s*(#.*)?$', line)
        assert url and requests.get(url.group(1), timeout=30).status_code == 200


def test_table_only_dataset_gets_no_map_examples(demo_site):
    base, _, _ = demo_site
    examples = _examples(base, "kashiwa-population-by-area-and-age")
    assert "python-owslib" not in examples and "python-requests" in examples
    text = requests.get(f"{base}/developers?dataset=kashiwa-population-by-area-and-age", timeout=30)
    assert 'data-example="qgis"' not in text.text


def test_credit_line_and_licence_link(demo_site):
    base, _, _ = demo_site
    text = requests.get(f"{base}/developers?dataset=kashiwa-events", timeout=30).text
    assert 'rel="license"' in text and "creativecommons.org/licenses/by/4.0/deed.ja" in text
    assert f"出典：柏市オープンデータ「イベント一覧」（{base}/datasets/kashiwa-events）" in text
    english = requests.get(f"{base}/developers?dataset=kashiwa-events&lang=en", timeout=30).text
    assert "Source: " in english and "deed.en" in english


def test_unknown_dataset_is_a_404_page(demo_site):
    base, _, _ = demo_site
    response = requests.get(f"{base}/developers?dataset=nope", timeout=30)
    assert response.status_code == 404 and "<html" in response.text
