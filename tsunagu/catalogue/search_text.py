"""Text folding for Japanese search: one form for the catalogue's index and the user's query.

NFKC makes full-width and half-width the same (ＡＢＣ１２３ = ABC123, ｶﾀｶﾅ = カタカナ); hiragana
is folded to katakana; the small ヶ/ヵ written in place names fold to ケ/カ (霞ヶ関 = 霞ケ関).
Matching is by substring per term, so a query for 人口 finds 人口統計 — Japanese has no spaces
between words, so token matching (what Solr does with CKAN's default schema) cannot. A term
also matches its synonyms and 旧字体/新字体 forms (避難所 finds 避難場所, 櫻 finds 桜).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from tsunagu.catalogue.synonyms import SYNONYM_GROUPS, new_forms

if TYPE_CHECKING:
    import polars as pl

_SMALL = str.maketrans({"ヶ": "ケ", "ヵ": "カ"})
_HIRAGANA = range(ord("ぁ"), ord("ゖ") + 1)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(chr(ord(c) + 0x60) if ord(c) in _HIRAGANA else c for c in text)
    return " ".join(text.translate(_SMALL).split())


#: What ``str.split()`` splits on: Unicode White_Space (the regex ``\s``) and the four
#: information separators Python also counts as space.
_PY_SPACE = r"[\s\x1c-\x1f]+"


def fold_series(texts: pl.Series) -> pl.Series:
    """:func:`fold` of every text, column-wise: a 1M-row table folded one Python call per row
    took over a minute, past a web worker's timeout. Tested equal to :func:`fold`."""
    hiragana = [chr(c) for c in _HIRAGANA]
    katakana = [chr(ord(c) + 0x60).translate(_SMALL) for c in hiragana]  # ゖ → ヶ → ケ
    return (
        texts.fill_null("")
        .str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_many([*hiragana, "ヶ", "ヵ"], [*katakana, "ケ", "カ"])
        .str.replace_all(_PY_SPACE, " ")
        .str.strip_chars(" ")
    )


#: Written between search words as people type them (避難所、AED) — the same as a space.
_SEPARATORS = str.maketrans({"、": " ", ",": " ", "，": " ", "・": " "})


def query_terms(query: str) -> list[str]:
    """The folded terms of a query (spaces, 、 and commas separate them)."""
    return fold(query.translate(_SEPARATORS)).split()


@cache
def _synonym_index() -> dict[str, tuple[str, ...]]:
    """Each folded synonym → its folded group (built on first use)."""
    index: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        folded = tuple(dict.fromkeys(new_forms(fold(word)) for word in group))
        for word in folded:
            index[word] = folded
    return index


def variants(term: str) -> tuple[str, ...]:
    """The folded spellings a folded ``term`` may match: itself (新字体) and its synonyms."""
    term = new_forms(term)
    return _synonym_index().get(term, (term,))


def matches(query: str, folded_text: str) -> bool:
    """Every term of ``query`` occurs in the folded text — as typed, or as one of its synonyms
    or 旧字体/新字体 variants (:mod:`tsunagu.catalogue.synonyms`)."""
    text = new_forms(folded_text)
    return all(any(variant in text for variant in variants(term)) for term in query_terms(query))
