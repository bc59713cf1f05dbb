"""Extra columns: kept, typed from header and values, normalized and validated."""

from __future__ import annotations

import pandas as pd

from tsunagu.model import Report
from tsunagu.normalize.extra_columns import infer_field, keep_extra_columns


def _series(*values: str) -> pd.Series:
    return pd.Series(list(values), index=range(2, 2 + len(values)), dtype=object)


def test_types_are_inferred_from_the_values_and_the_header():
    assert infer_field("待機児童数（計）", _series("0", "１２", ""))["type"] == "integer"
    assert infer_field("緯度_bodik", _series("35.7305", "35.70"))["type"] == "number"
    assert infer_field("認可年月日", _series("令和2年4月1日", "不明"))["type"] == "date"
    assert infer_field("更新", _series("2024-04-01", "2024/5/1", "R6.6.1"))["type"] == "date"
    assert infer_field("SAUPDATE", _series("2025-07-08 15:51:54"))["type"] == "string"
    assert infer_field("ブロック", _series("南部", "北部"))["type"] == "string"
    assert infer_field("最大収容人数", _series("23人", "40"))["type"] == "string"


def test_kept_columns_are_normalized_and_an_impossible_date_is_reported():
    source = pd.DataFrame(
        {"名称": ["あおば", "みどり"], "認可年月日": ["令和2年4月1日", "令和2年13月1日"]},
        index=[2, 3],
    )
    table = source[["名称"]].copy()
    report = Report()
    report.add("column-unmapped", "warning")
    out, fields = keep_extra_columns(table, source, ["認可年月日"], report, "hoikuen.csv")
    assert list(out.columns) == ["名称", "認可年月日"]
    assert out.loc[2, "認可年月日"] == "2020-04-01"
    assert out.loc[3, "認可年月日"] == "令和2年13月1日"  # left as written, and reported
    assert fields == [
        {"name": "認可年月日", "type": "date", "x-normalize": "date", "x-extra": True}
    ]
    codes = [(p.code, p.location.row, p.location.column) for p in report.problems]
    assert ("date-invalid", 3, "認可年月日") in codes
    assert ("column-kept", None, "認可年月日") in codes
