"""Municipality constants and stable IDs: filled only where the department left nothing."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tsunagu.errors import ConfigError, ManifestError
from tsunagu.normalize.constants import fill_constants, generate_ids, identifying_fields
from tsunagu.normalize.headers import apply_mapping, propose_mapping

KASHIWA = {"municipality_code": "122173", "municipality_name": "千葉県柏市"}


@pytest.fixture
def aed_table(aed_schema, load_table, report):
    table = load_table("normalize/aed_kashiwa_messy.csv")
    mapping = {p.source: p.target for p in propose_mapping(list(table.columns), aed_schema)}
    table, _ = apply_mapping(table, mapping, aed_schema, report, "aed.csv")
    report.problems.clear()
    report.changes.clear()
    return table


def test_fills_municipality_columns_and_generates_ids(aed_table, aed_schema, report):
    out = fill_constants(
        aed_table, aed_schema, report, constants={}, file_name="aed.csv", **KASHIWA
    )
    assert list(out.columns) == aed_schema.field_names
    assert set(out["全国地方公共団体コード"]) == {"122173"}
    assert set(out["地方公共団体名"]) == {"千葉県柏市"}
    assert all(re.fullmatch(r"[0-9A-Za-z]+", i) for i in out["ID"])
    assert out["ID"].is_unique
    assert dict(report.changes) == {"constant-filled": 10, "id-generated": 5}
    # A filled column is one change, not also a problem note naming a column the file lacks.
    assert report.problems == []
    assert report.facts["filled_columns"] == [
        {
            "code": "constant-filled",
            "cells": 5,
            "column": "全国地方公共団体コード",
            "value": "122173",
        },
        {"code": "constant-filled", "cells": 5, "column": "地方公共団体名", "value": "千葉県柏市"},
        {
            "code": "id-generated",
            "cells": 5,
            "column": "ID",
            "fields": ["名称", "所在地_連結表記", "設置位置"],
        },
    ]


def test_ids_are_stable_across_reorder_and_added_rows(aed_table, aed_schema, report):
    first = fill_constants(aed_table, aed_schema, report, constants={}, **KASHIWA)
    shuffled = aed_table.iloc[::-1].copy()
    extra = aed_table.loc[[2]].copy()
    extra.index = [7]
    extra.loc[7, "名称"] = "柏市役所別館"
    again = fill_constants(
        pd.concat([shuffled, extra]), aed_schema, report, constants={}, **KASHIWA
    )
    for row in aed_table.index:
        name = aed_table.loc[row, "名称"]
        assert again.loc[again["名称"] == name, "ID"].item() == first.loc[row, "ID"]
    assert again.loc[7, "ID"] not in set(first["ID"])


def test_id_is_deterministic_and_prefixed(aed_table, aed_schema, report):
    out = fill_constants(aed_table, aed_schema, report, constants={}, id_prefix="AED", **KASHIWA)
    assert (
        out.loc[2, "ID"]
        == generate_ids(
            aed_table.loc[[2]], ["名称", "所在地_連結表記", "設置位置"], "122173", "AED"
        ).item()
    )
    assert re.fullmatch(r"AED[0-9A-F]{12}", out.loc[2, "ID"])


def test_duplicate_rows_get_distinct_ids_and_the_first_keeps_its_own():
    table = pd.DataFrame({"名称": ["柏市役所", "柏市役所"], "ID": ["", ""]}, index=[2, 3])
    ids = generate_ids(table, ["名称"], "122173")
    alone = generate_ids(table.loc[[2]], ["名称"], "122173")
    assert ids[2] == alone[2]
    assert ids[2] != ids[3]


def test_identifying_fields_fall_back_to_every_other_column():
    table = pd.DataFrame({"ID": [""], "品名": ["ペットボトル"], "区分": ["資源"]})
    assert identifying_fields(table, "ID") == ["品名", "区分"]


def test_partly_filled_columns_are_not_overwritten(aed_schema, report):
    table = pd.DataFrame(
        {
            "全国地方公共団体コード": ["122173", ""],
            "ID": ["A1", ""],
            "地方公共団体名": ["", ""],
            "名称": ["柏市役所", "沼南庁舎"],
        },
        index=[2, 3],
    )
    out = fill_constants(table, aed_schema, report, constants={}, file_name="aed.csv", **KASHIWA)
    assert list(out["全国地方公共団体コード"]) == ["122173", ""]
    assert list(out["ID"]) == ["A1", ""]
    assert list(out["地方公共団体名"]) == ["千葉県柏市", "千葉県柏市"]
    assert report.flatten("row", "column", "code", "severity") == [
        (3, "全国地方公共団体コード", "constant-cell-empty", "warning"),
        (3, "ID", "id-cell-empty", "warning"),
    ]
    assert report.problems[0].params == {"value": "122173"}
    assert dict(report.changes) == {"constant-filled": 2}


def test_manifest_constants_fill_their_field(aed_schema, report):
    table = pd.DataFrame({"名称": ["柏市役所"], "団体名": [""]}, index=[2])
    out = fill_constants(table, aed_schema, report, constants={"団体名": "柏市"}, **KASHIWA)
    assert out.loc[2, "団体名"] == "柏市"
    assert report.changes["constant-filled"] == 3


def test_constant_for_a_field_not_in_the_schema_is_a_manifest_error(aed_schema, report):
    table = pd.DataFrame({"名称": ["柏市役所"]}, index=[2])
    with pytest.raises(ManifestError, match="担当課"):
        fill_constants(table, aed_schema, report, constants={"担当課": "保健予防課"}, **KASHIWA)


def test_id_prefix_must_be_ascii_alphanumeric(aed_schema, report):
    table = pd.DataFrame({"名称": ["柏市役所"]}, index=[2])
    with pytest.raises(ConfigError, match="id_prefix"):
        fill_constants(table, aed_schema, report, constants={}, id_prefix="AED-", **KASHIWA)
