"""全角/半角: the width rules of the 自治体標準オープンデータセット, as pure string functions.

The standard wants digits, Latin letters and ASCII symbols half-width, and katakana full-width.
Departments type the opposite all the time (ＩＭＥ left in 全角 mode, old systems exporting
ﾊﾝｶｸ ｶﾅ). We do *not* use NFKC: it would also fold 機種依存文字 such as ①, ㈱ and ㋿ into
"1", "(株)" and "令和" without anyone noticing, and those are reported by a validator check so the
department decides what they meant.
"""

from __future__ import annotations

import re

import jaconv

# U+FF01..U+FF5E are the full-width forms of U+0021..U+007E, at a fixed offset (Unicode's
# Halfwidth and Fullwidth Forms block). jaconv.z2h would also turn U+3000 into a space
# everywhere; the ideographic space is handled separately (see collapse_padding).
_FULLWIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

# Dashes and minus signs departments use between digits (postal codes, phones, numbers).
# "ー" (long vowel mark) is included because IMEs produce it in 04ー7167ー1111.
DASHES = "‐‑‒–—―−ー－ｰ﹣"
_DASH_TABLE = str.maketrans(dict.fromkeys(DASHES, "-"))

# Whitespace as the standard sees it: ASCII space, tab, NBSP and the ideographic space.
SPACES = " \t\u00a0\u3000"
_PADDING_RUN = re.compile(f"[{SPACES}]{{2,}}")


_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")


def to_halfwidth_ascii(s: str) -> str:
    """Full-width digits, Latin letters and ASCII symbols → half-width; nothing else changes."""
    return s.translate(_FULLWIDTH_ASCII)


def to_fullwidth_kana(s: str) -> str:
    """Half-width katakana → full-width, composing voiced marks (ｶﾞ → ガ, ﾊﾟ → パ).

    jaconv composes the dakuten/handakuten pairs; ASCII and digits are left alone. Text without
    a half-width kana (U+FF61..U+FF9F, the only characters jaconv changes here) is returned as it
    is: jaconv walks every character (5 s per 100k names, issue 17).
    """
    if _HALF_WIDTH_KANA.search(s) is None:
        return s
    return jaconv.h2z(s, kana=True, ascii=False, digit=False)


def normalize_dashes(s: str) -> str:
    """Every dash-like character → ASCII hyphen-minus; for codes and numbers, never free text."""
    return s.translate(_DASH_TABLE)


def strip_padding(s: str) -> str:
    """Remove surrounding whitespace, the ideographic space included (str.strip covers U+3000)."""
    return s.strip()


def collapse_padding(s: str) -> str:
    """Runs of two or more spaces (any width) inside a text → one ASCII space.

    Such runs are alignment padding from fixed-width exports. A *single* ideographic space
    between words is kept: in 山田　太郎 or 柏市役所　本庁舎 it is the separator the department
    chose, not padding.
    """
    return _PADDING_RUN.sub(" ", s)


def normalize_text(s: str) -> str:
    """Free text to the standard's width rules: trim padding, ASCII half-width, kana full-width."""
    return to_fullwidth_kana(to_halfwidth_ascii(collapse_padding(strip_padding(s))))
