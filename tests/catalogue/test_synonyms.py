"""Search finds what people type: synonyms, kana, width and 旧字体/新字体 (issue 13)."""

from __future__ import annotations

import pytest

from tsunagu.catalogue.search_text import fold, matches, query_terms, variants


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("避難所", "指定緊急避難場所一覧"),
        ("避難場所", "指定避難所一覧"),
        ("wifi", "公衆無線LANアクセスポイント一覧"),
        ("Wi-Fi", "公衆無線LANアクセスポイント一覧"),
        ("ＷｉＦｉ", "公衆無線LANアクセスポイント一覧"),
        ("無線LAN", "フリーWi-Fiスポット"),
        ("トイレ", "公衆便所の一覧"),
        ("便所", "公衆トイレ一覧"),
        ("といれ", "公衆トイレ一覧"),  # ひらがな → カタカナ
        ("櫻", "桜の名所"),  # 旧字体 in the query
        ("桜", "櫻木町の公園"),  # 旧字体 in the text
        ("髙島", "高島屋"),
        ("避難所、AED", "避難場所とAEDの一覧"),  # 、 separates terms
    ],
)
def test_query_finds_the_variant(query, text):
    assert matches(query, fold(text))


@pytest.mark.parametrize(("query", "text"), [("避難所", "AED設置箇所"), ("便所", "公園一覧")])
def test_unrelated_text_is_not_found(query, text):
    assert not matches(query, fold(text))


def test_every_term_must_match_somehow():
    assert not matches("トイレ AED", fold("公衆トイレ一覧"))
    assert query_terms("避難所、AED,人口") == ["避難所", "aed", "人口"]
    assert "避難場所" in variants("避難所")
