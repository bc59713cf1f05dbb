"""The dataset page as people read it, on the Kashiwa samples published by the real CLI: codes
in words, 次回更新予定, licence link and a ready credit line, feeds, Open Graph, related
datasets, English names (issue 13)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.webapp.browser_support import demo_app, demo_data_dir
from tsunagu.webapp.dataset_facts import scheduled_update


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data_dir, code, output = demo_data_dir(tmp_path_factory)
    assert code == 1, output
    return demo_app(data_dir).test_client()


def _meta(page: str) -> str:
    block = page[page.index('<dl class="meta-list">') : page.index("</dl>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def test_codes_are_words_and_next_update_is_shown(client):
    page = client.get("/datasets/kashiwa-public-toilets?lang=ja").get_data(as_text=True)
    meta = _meta(page)
    assert "毎年" in meta and "yearly" not in meta
    assert "公衆トイレ一覧" in meta and "public-toilets" not in meta
    due = re.search(r"次回更新予定 (\d{4}-\d{2}-\d{2})", meta).group(1)
    assert date.fromisoformat(due).year == date.today().year + 1
    english = _meta(client.get("/datasets/kashiwa-events?lang=en").get_data(as_text=True))
    assert "Monthly" in english and "Events" in english and "Kashiwa City, Chiba" in english
    assert "Tourism" in english and "観光" not in english


def test_scheduled_update_is_one_period_after_the_last_publish():
    assert scheduled_update("yearly", "2024-04-01T00:00:00+00:00") == date(2025, 4, 2)
    assert scheduled_update("monthly", "2024-04-01T00:00:00+00:00") == date(2024, 5, 2)
    assert scheduled_update("irregular", "2024-04-01T00:00:00+00:00") is None


def test_licence_link_and_credit_line(client):
    page = client.get("/datasets/kashiwa-aed-installations?lang=ja").get_data(as_text=True)
    assert re.search(
        r'<a href="https://creativecommons.org/licenses/by/4.0/deed.ja" rel="license">'
        r"クリエイティブ・コモンズ 表示 4.0 国際",
        page,
    )
    credit = re.search(r'<textarea id="credit"[^>]*>([^<]+)</textarea>', page).group(1)
    assert credit.startswith("出典：柏市オープンデータ「")
    assert "http://localhost/datasets/kashiwa-aed-installations" in credit
    english = client.get("/datasets/kashiwa-aed-installations?lang=en").get_data(as_text=True)
    credit_en = re.search(r'<textarea id="credit"[^>]*>([^<]+)</textarea>', english).group(1)
    assert credit_en.startswith("Source: Kashiwa City Open Data, ")


def test_feeds_and_open_graph_in_the_head(client):
    page = client.get("/datasets/kashiwa-events?lang=ja").get_data(as_text=True)
    head = page[: page.index("</head>")]
    assert 'href="/api/v1/changes.atom?dataset=kashiwa-events"' in head
    assert 'href="/api/v1/changes.json?dataset=kashiwa-events"' in head
    assert 'href="/api/v1/changes.atom"' in head  # the site's feed too
    assert '<meta property="og:title" content="イベント一覧">' in head
    assert '<meta property="og:type" content="article">' in head
    assert '<meta name="twitter:card" content="summary">' in head
    assert 'rel="icon"' in head
    feed = client.get("/api/v1/changes.atom?dataset=kashiwa-events")
    assert feed.status_code == 200


def test_site_pages_have_feed_links_and_favicon(client):
    for path in ("/", "/datasets", "/about", "/terms", "/developers"):
        head = client.get(path).get_data(as_text=True).split("</head>")[0]
        assert 'type="application/atom+xml"' in head and 'rel="icon"' in head, path
    icon = client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_related_datasets(client):
    page = client.get("/datasets/kashiwa-designated-emergency-evacuation-sites").get_data(
        as_text=True
    )
    related = re.findall(r'data-related="([^"]+)"', page)
    assert related[0] == "evacuation-sites-gis"  # same standard, department and tags
    assert "kashiwa-designated-emergency-evacuation-sites" not in related


def test_terms_page_says_what_the_site_records(client):
    page = client.get("/terms").get_data(as_text=True)
    for anchor in ('id="licence"', 'id="disclaimer"', 'id="privacy"'):
        assert anchor in page
    assert "lang" in page and "600/minute" in page
    # What the privacy section promises is what the shipped access log does: path, no query.
    conf = (Path(__file__).resolve().parents[2] / "gunicorn.conf.py").read_text(encoding="utf-8")
    log_format = re.search(r"access_log_format = '([^']+)'", conf).group(1)
    assert "%(U)s" in log_format and "%(q)s" not in log_format and "%(r)s" not in log_format


def test_english_list_names_standards_and_tags_in_english(client):
    page = client.get("/datasets?lang=en").get_data(as_text=True)
    cards = " ".join(re.findall(r'<p class="meta">(.*?)</p>', page, re.S))
    assert "Public toilets" in cards and "公衆トイレ一覧" not in cards
    facets = page[page.index("<aside") : page.index("</aside>")]
    assert "Disaster prevention" in facets and "防災" not in facets


def test_data_as_of_from_an_excel_title_row(client):
    """The sample sheet's row 1 「柏市指定緊急避難場所一覧（令和6年4月1日現在）」 (issue 13)."""
    dataset = "/datasets/kashiwa-designated-emergency-evacuation-sites"
    ja = _meta(client.get(f"{dataset}?lang=ja").get_data(as_text=True))
    assert "データ時点 令和6年4月1日現在" in ja
    assert "Data as of 2024-04-01" in _meta(client.get(f"{dataset}?lang=en").get_data(as_text=True))
    # a file whose title states no day shows none, rather than a guess
    assert "データ時点" not in _meta(client.get("/datasets/kashiwa-events").get_data(as_text=True))
