"""``url``: one well-formed http(s) URL per cell; script and bare-host values refused."""

from __future__ import annotations

import pytest

from tests.validators.conftest import draft_of, frame, triples
from tsunagu.validators.checks.url import UrlCheck


@pytest.mark.parametrize(
    "url",
    [
        "https://www.city.kashiwa.lg.jp/",
        "http://www.city.kashiwa.lg.jp/soshiki/020400/p001234.html?lang=ja#top",
        "https://example.jp:8443/施設/一覧",
        "https://柏市.jp/",
        "",
    ],
)
def test_good_urls_and_empty_cells_pass(run_check, url):
    assert run_check(UrlCheck, draft_of(frame([{"URL": url}]))) == []


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("JavaScript://%0aalert(1)", "javascript"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("ftp://ftp.city.kashiwa.lg.jp/", "ftp"),
        ("www.city.kashiwa.lg.jp", ""),
        ("https://www.city.kashiwa.lg.jp/a b", "https"),
        ("https://a.jp/ https://b.jp/", "https"),
        ("https://", "https"),
        ('https://a.jp/"onmouseover="x', "https"),
    ],
)
def test_bad_urls_are_errors(run_check, url, scheme):
    table = frame([{"URL": "https://www.city.kashiwa.lg.jp/"}, {"URL": url}])
    problems = run_check(UrlCheck, draft_of(table, column_origin={"URL": "ホームページ"}))
    assert triples(problems) == [(3, "ホームページ", "url-invalid", "error")]
    assert problems[0].params["scheme"] == scheme
