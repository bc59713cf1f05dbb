"""Solr-ish query parsing for package_search, without a catalogue."""

from __future__ import annotations

import pytest

from tsunagu.services.ckan.search import Term, parse_sort, split_terms


def test_split_terms_separates_fields_from_free_text():
    text, terms = split_terms('人口 organization:"shimin" +tags:(防災 OR AED) -res_format:HTML')
    assert text == "人口"
    assert terms == (
        Term("organization", ("shimin",)),
        Term("tags", ("防災", "AED")),
        Term("res_format", ("HTML",), negate=True),
    )


def test_match_all_and_text_field():
    assert split_terms("*:*") == ("", ())
    assert split_terms("text:避難所") == ("避難所", ())


def test_unknown_field_is_refused():
    with pytest.raises(ValueError, match="undefined field capacityx"):
        split_terms("capacityx:public")


@pytest.mark.parametrize("bad", ["bogus", "name", "name up", "score desc,", "views desc"])
def test_bad_sort_is_refused(bad):
    with pytest.raises(ValueError, match='Invalid "sort" parameter'):
        parse_sort(bad)


def test_sort_keys_in_order():
    assert parse_sort("metadata_modified desc, name asc") == (
        ("metadata_modified", True),
        ("name", False),
    )
