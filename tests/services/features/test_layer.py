"""Per-feature JSON fragments: the properties written by pyarrow's kernels (no polars, so a
layer can be loaded in gunicorn's master before the fork) equal what ``json`` writes."""

from __future__ import annotations

import json

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.services.features.layer import _properties_json

ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
names = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4, unique=True)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), keys=names, rows=st.integers(min_value=0, max_value=6))
def test_properties_json_equals_json_for_any_text(data, keys, rows):
    columns = {
        key: data.draw(st.lists(st.text(max_size=12), min_size=rows, max_size=rows)) for key in keys
    }
    table = pa.table({key: pa.array(values, pa.string()) for key, values in columns.items()})
    expected = [ENCODER.encode({key: columns[key][i] for key in keys}) for i in range(rows)]
    assert _properties_json(table, rows) == expected


def test_quotes_backslashes_control_characters_and_japanese():
    values = ['柏市"本庁舎"', "C:\\path", "行1\n行2\t\x00", "", "/\u2028\x7f"]
    table = pa.table({"名称": pa.array(values), 'we"ird\\key': pa.array(["x"] * 5)})
    got = _properties_json(table, 5)
    assert [json.loads(text) for text in got] == table.to_pylist()
    assert got[0] == '{"名称":"柏市\\"本庁舎\\"","we\\"ird\\\\key":"x"}'


def test_no_columns_gives_empty_objects_for_every_row():
    assert _properties_json(pa.table({}), 3) == ["{}", "{}", "{}"]
