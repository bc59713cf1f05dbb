"""The column-wise text helpers give Python's own answers (issue 17: same answers, faster)."""

from __future__ import annotations

import re
import sys
import unicodedata

import numpy as np
import pandas as pd
import pytest

from tsunagu.validators.check import SPACES, blank_texts, nfkc_texts, text_matches
from tsunagu.validators.checks import machine_readability as mr

# Texts that tell the dialects apart: Unicode spaces and digits, line breaks, full-width forms.
TRICKY = [
    "", " ", "\u3000", "\x1c", "\x85", "\u2028", "a", " a", "a ", "a\u3000", "\u3000a",
    "a\nb", "a\n", "\nb", "a\rb", "\r", "\t", "０", "٣", "12", "1,234", "1,234.5", "12人",
    "12 人", "-5", "+3.5km", "3.5\u3000m", "٣km", "月・水", "月曜日、水曜日", "月 / 金", "月",
    "土\u00a0・\u00a0日", "04-7167-1111", "04-7167-1111、04-7167-2222", "047-167-1111\n0471671111",
    "0٣-1234-5678 03-1234-5678", "2024/4/1、2024/5/1", "2024/4/1", "ＡＢＣ", "㈱", "①",
    "\u1e030", "x\u200ay", "\ufeff", "柏市役所 ", " 柏市役所",
]  # fmt: skip


def all_chars(end: int = sys.maxunicode + 1) -> list[str]:
    return [chr(i) for i in range(end) if not 0xD800 <= i < 0xE000]


def test_spaces_are_exactly_pythons_whitespace():
    text = "".join(all_chars())
    python = set(filter(str.isspace, text))
    assert set(re.findall(f"[{SPACES}]", text)) == python
    assert set(re.findall(r"\s", text)) == python


def test_blank_texts_is_strip_equals_empty():
    texts = pd.Series([*all_chars(0x3100), *TRICKY], dtype=str)  # every space is below U+3100
    assert (blank_texts(texts) == (texts.str.strip() == "").to_numpy()).all()


def test_nfkc_texts_is_pythons_nfkc_even_where_arrow_knows_a_newer_unicode():
    # Up to U+2FFFF: the CJK compatibility ideographs and the characters newer than Python's
    # tables (U+1CCD6 …) on which Arrow's utf8proc and ``unicodedata`` disagree.
    texts = pd.Series([*all_chars(0x30000), *TRICKY], dtype=str)
    expected = [unicodedata.normalize("NFKC", t) for t in texts]
    assert nfkc_texts(texts).tolist() == expected


@pytest.mark.parametrize("pattern", list(mr.CANDIDATES))
def test_candidates_narrow_down_without_changing_pythons_answer(pattern):
    texts = pd.Series(TRICKY + [t + u for t in TRICKY[:20] for u in TRICKY[20:]], dtype=str)
    expected = texts.str.fullmatch(pattern, na=False).to_numpy()
    got = text_matches(texts, pattern, full=True, candidates=mr.CANDIDATES[pattern])
    assert (got == expected).all()
    assert expected.any()  # the corpus exercises the pattern


def test_contains_with_candidates():
    texts = pd.Series(TRICKY, dtype=str)
    for pattern in (mr.LINE_BREAK, mr.TWO_PHONES):
        candidates = mr.LINE_BREAK if pattern == mr.LINE_BREAK else mr.CANDIDATES[pattern]
        expected = texts.str.contains(pattern, na=False).to_numpy()
        assert (text_matches(texts, pattern, candidates=candidates) == expected).all()
        assert expected.any()


def test_text_matches_without_candidates_and_on_nothing():
    texts = pd.Series(["a1", "b"], dtype=str)
    assert text_matches(texts, r"\d").tolist() == [True, False]
    assert text_matches(pd.Series([], dtype=str), r"\d", candidates="x").dtype == np.bool_
