"""全角/半角 rules: ASCII half-width, kana full-width, 機種依存文字 untouched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.normalize.width import (
    collapse_padding,
    normalize_dashes,
    normalize_text,
    to_fullwidth_kana,
    to_halfwidth_ascii,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("０４－７１６７－１１１１", "04-7167-1111"),
        ("ＪＲ柏駅東口", "JR柏駅東口"),
        (
            "ｈｔｔｐｓ：／／ｗｗｗ．ｃｉｔｙ．ｋａｓｈｉｗａ．ｌｇ．ｊｐ／",
            "https://www.city.kashiwa.lg.jp/",
        ),
        ("（株）", "(株)"),
        ("柏市役所　本庁舎", "柏市役所　本庁舎"),  # the ideographic space is not ASCII
        ("ｶｼﾜ", "ｶｼﾜ"),  # half-width kana is not this function's business
    ],
)
def test_to_halfwidth_ascii(text, expected):
    assert to_halfwidth_ascii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｶｼﾜｼﾔｸｼｮ", "カシワシヤクショ"),
        ("ｶﾞｰﾃﾞﾝﾊﾟｰｸ", "ガーデンパーク"),  # voiced marks compose, ｰ becomes ー
        ("ｳﾞｨﾗ", "ヴィラ"),
        ("ﾃﾞｲｻｰﾋﾞｽ 123 ABC", "デイサービス 123 ABC"),  # ASCII stays half-width
    ],
)
def test_to_fullwidth_kana(text, expected):
    assert to_fullwidth_kana(text) == expected


@pytest.mark.parametrize("text", ["①", "㈱柏商事", "㋿6年", "㍻31年", "Ⅲ期", "㎡"])
def test_machine_dependent_characters_are_not_folded(text):
    assert normalize_text(text) == text


def test_normalize_text_mixed_width_and_padding():
    assert normalize_text("　ＡＥＤ設置施設　　ｶｼﾜ ｽﾎﾟｰﾂ ｾﾝﾀｰ（２Ｆ）　") == (
        "AED設置施設 カシワ スポーツ センター(2F)"
    )


def test_single_ideographic_space_between_words_is_kept():
    assert normalize_text("山田　太郎") == "山田　太郎"


def test_collapse_padding_mixed_runs():
    assert collapse_padding("柏市 　　旭町") == "柏市 旭町"


def test_normalize_dashes_between_digits():
    assert normalize_dashes("277‐0005 04ー7167−1111 ０４－") == "277-0005 04-7167-1111 ０４-"


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFEF), max_size=30))
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_fullwidth_kana_changes_only_text_with_half_width_kana():
    """The shortcut for text without half-width kana gives jaconv's answer on every character."""
    import jaconv

    from tsunagu.normalize.width import to_fullwidth_kana

    for code in range(0x20, 0x10000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        assert to_fullwidth_kana(c + "ﾞ") == jaconv.h2z(c + "ﾞ", kana=True, ascii=False, digit=False)
        assert to_fullwidth_kana(c) == jaconv.h2z(c, kana=True, ascii=False, digit=False)
