"""Text folding for Japanese search: one form for the catalogue's index and the user's query.

NFKC makes full-width and half-width the same (ＡＢＣ１２３ = ABC123, ｶﾀｶﾅ = カタカナ); hiragana
is folded to katakana; the small ヶ/ヵ written in place names fold to ケ/カ (霞ヶ関 = 霞ケ関).
Matching is by substring per term, so a query for 人口 finds 人口統計 — Japanese has no spaces
between words, so token matching (what Solr does with CKAN's default schema) cannot.
"""

from __future__ import annotations

import unicodedata

_SMALL = str.maketrans({"ヶ": "ケ", "ヵ": "カ"})
_HIRAGANA = range(ord("ぁ"), ord("ゖ") + 1)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(chr(ord(c) + 0x60) if ord(c) in _HIRAGANA else c for c in text)
    return " ".join(text.translate(_SMALL).split())


def matches(query: str, folded_text: str) -> bool:
    """Every whitespace-separated term of ``query`` occurs in the folded text."""
    return all(term in folded_text for term in fold(query).split())
