"""Folding column-wise gives exactly what folding one text gives (the rows store folds a whole
table at once; the query side folds one text)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.catalogue.search_text import fold, fold_series

#: Width variants, kana of both kinds and sizes, spaces Python and Unicode disagree on,
#: compatibility characters (㍻, ①), case with special mappings (İ, final Σ), the row separator.
TRICKY = "ＡａAｶﾀｶﾅﾞﾟかがゖゔヶヵカ漢 　\t\n\x1c\x1f\x85\xa0\u2028\u200b①㍻İΣς０－\x00"


#: Characters Python's Unicode tables know (polars may know newer ones, and case them); never
#: surrogates, which decoded text cannot hold.
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(TRICKY) | st.characters(exclude_categories=("Cs", "Cn")),
            max_size=20,
        )
    )
)
def test_fold_series_is_fold_of_each(texts):
    assert fold_series(pl.Series(texts, dtype=pl.String)).to_list() == [fold(t) for t in texts]


def test_missing_cells_fold_to_empty():
    assert fold_series(pl.Series([None, "ａ"], dtype=pl.String)).to_list() == ["", "a"]
