"""Per-feature JSON fragments: the properties written by pyarrow's kernels (no polars, so a
layer can be loaded in gunicorn's master before the fork) equal what ``json`` writes."""

from __future__ import annotations

import json

import numpy as np
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


def _published(tmp_path, rows: int):
    """A GeoJSON as the publish step writes it (one feature per line), with some rows left
    out, an ID on some rows and a property only some rows have."""
    from pathlib import Path

    import pandas as pd

    from tsunagu.config import load_settings
    from tsunagu.formats.geojson_writer import GeoJsonWriter
    from tsunagu.model import Draft, Source

    table = pd.DataFrame(
        {
            "ID": [f"A{i}" if i % 3 else "" for i in range(rows)],
            "名称": [f'施設"{i}\\' for i in range(rows)],
            "緯度": [f"35.{i:04d}" if i % 7 else "" for i in range(rows)],
            "経度": [f"139.{i:04d}" for i in range(rows)],
        },
        index=range(2, rows + 2),
    )
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    draft = Draft(source=Source(Path("aed.csv")), table=table)
    return GeoJsonWriter().write(draft, tmp_path, settings, stem="aed")


def test_line_by_line_and_whole_file_loading_give_the_same_layer(tmp_path, monkeypatch):
    """Our one-feature-per-line files are read in blocks; any other layout of the same
    collection (here indented) is parsed whole, and both give the same layer."""
    import numpy as np

    from tsunagu.services.features import layer as layer_module

    monkeypatch.setattr(layer_module, "LOAD_BLOCK", 7)  # several blocks, a short last one
    path = _published(tmp_path, 50)
    other = tmp_path / "indented.geojson"
    other.write_text(json.dumps(json.loads(path.read_text()), indent=1), encoding="utf-8")
    calls = []
    lines = layer_module._lines
    monkeypatch.setattr(layer_module, "_lines", lambda p: calls.append(p) or lines(p))
    blocks, whole = layer_module.load_layer(path), layer_module.load_layer(other)
    assert calls == [path, other]
    assert blocks.text == whole.text and np.array_equal(blocks.starts, whole.starts)
    assert blocks.ids == whole.ids and blocks.properties.equals(whole.properties)
    assert np.array_equal(blocks.bounds, whole.bounds, equal_nan=True)


def test_a_broken_line_file_is_refused_as_before(tmp_path):
    import pytest

    from tsunagu.services.features.layer import FeaturesUnreadable, load_layer

    path = _published(tmp_path, 5)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n]}", ",\n]}"), encoding="utf-8")  # a trailing comma
    with pytest.raises(FeaturesUnreadable):
        load_layer(path)


def test_the_budget_counts_ids_and_the_spatial_index(tmp_path):
    """nbytes counts what the process holds: the arrays, the text, and also every id
    object and every indexed box (the arrays alone undercounted 6-8x)."""
    import sys

    from tsunagu.services.features.layer import INDEXED_FEATURE_BYTES, load_layer

    layer = load_layer(_published(tmp_path, 40))
    located = int(np.isfinite(layer.bounds).all(axis=1).sum())
    arrays = layer.lon.nbytes + layer.lat.nbytes + layer.bounds.nbytes + len(layer.text)
    ids = sum(map(sys.getsizeof, layer.ids))
    assert layer.nbytes >= arrays + ids + located * INDEXED_FEATURE_BYTES
