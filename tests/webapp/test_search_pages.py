"""The catalogue search as people use it, on the Kashiwa samples published by the real CLI:
synonyms and variants, the sort control, the note for a blocked dataset, the placeholder's
examples, plurals in English (issue 13)."""

from __future__ import annotations

import re

import pytest

from tests.webapp.browser_support import demo_app, demo_data_dir

TITLES = re.compile(r'<li class="card">\s*<h3><a href="/datasets/([^"]+)"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir, code, output = demo_data_dir(tmp_path_factory)
    assert code == 1, output  # the documented blocked sample
    return demo_app(data_dir)


def _ids(demo, url: str) -> list[str]:
    response = demo.test_client().get(url)
    assert response.status_code == 200
    return TITLES.findall(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("避難所", "kashiwa-designated-emergency-evacuation-sites"),
        ("wifi", "kashiwa-public-wireless-lan"),
        ("Wi-Fi", "kashiwa-public-wireless-lan"),
        ("無線LAN", "kashiwa-public-wireless-lan"),
        ("便所", "kashiwa-public-toilets"),
        ("といれ", "kashiwa-public-toilets"),
        ("ＡＥＤ", "kashiwa-aed-installations"),  # full-width
        ("保育園", "kashiwa-child-care-facilities"),
    ],
)
def test_search_finds_what_people_type(demo, query, expected):
    assert expected in _ids(demo, f"/datasets?q={query}")


def test_every_placeholder_example_finds_something(demo):
    page = demo.test_client().get("/datasets").get_data(as_text=True)
    placeholder = re.search(r'id="q"[^>]*placeholder="([^"]+)"', page).group(1)
    examples = re.split(r"[、,]\s*", placeholder.split(":", 1)[1].strip())
    assert len(examples) >= 3
    for example in examples:
        assert _ids(demo, f"/datasets?q={example}"), example


def test_sort_by_name_updated_and_relevance(demo):
    by_name = _ids(demo, "/datasets?sort=name&lang=en")
    client = demo.test_client()
    titles = re.findall(
        r'<h3><a href="/datasets/[^"]+">([^<]+)</a>',
        client.get("/datasets?sort=name&lang=en").get_data(as_text=True),
    )
    # 9 standard samples and the 4 of issue 15
    assert titles == sorted(titles, key=str.lower) and len(by_name) == 13
    page = client.get("/datasets?q=避難所&lang=ja").get_data(as_text=True)
    assert 'aria-current="true" data-sort="relevance"' in page  # a query sorts by relevance
    assert 'data-sort="name"' in page and 'data-sort="updated"' in page
    first = _ids(demo, "/datasets?q=トイレ 公園&sort=relevance")
    assert first[0] == "kashiwa-public-toilets"
    plain = client.get("/datasets").get_data(as_text=True)
    assert 'data-sort="relevance"' not in plain  # nothing to be relevant to


def test_blocked_dataset_is_noted_with_its_reason(demo):
    client = demo.test_client()
    page = client.get("/datasets?q=文化財").get_data(as_text=True)
    note = page[page.index('class="notice blocked-note"') :]
    assert 'data-blocked="kashiwa-cultural-properties"' in note
    assert "指定文化財一覧" in note and "8行目" in note  # title from the manifest, the reason
    assert "blocked-note" not in client.get("/datasets").get_data(as_text=True)
    assert "blocked-note" not in client.get("/datasets?q=AED").get_data(as_text=True)


def test_result_count_plural_in_english(demo):
    client = demo.test_client()
    one = client.get("/datasets?q=AED&lang=en").get_data(as_text=True)
    assert '<h2 id="results">1 dataset</h2>' in one
    many = client.get("/datasets?lang=en").get_data(as_text=True)
    assert '<h2 id="results">13 datasets</h2>' in many
