from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyproj import CRS

from tsunagu.geo.points import parse_degree, points_from_table
from tsunagu.model import Draft, Source


def draft_of(rows: dict[int, tuple[str, str, str]]) -> Draft:
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["名称", "緯度", "経度"])
    return Draft(source=Source(path=Path("aed.csv")), table=table)


def test_points_from_table_builds_lon_lat_points_in_jgd2011():
    draft = draft_of(
        {2: ("柏市役所", "35.8676", "139.9757"), 3: ("柏駅", "３５．８６１９", "１３９．９７１１")}
    )
    out = points_from_table(draft)
    assert out.table.crs == CRS.from_epsg(6668)
    assert (out.table.geometry[2].x, out.table.geometry[2].y) == (139.9757, 35.8676)
    assert (out.table.geometry[3].x, out.table.geometry[3].y) == (139.9711, 35.8619)
    assert out.report.problems == []
    assert out.table["名称"].tolist() == ["柏市役所", "柏駅"]  # attribute cells kept as text


def test_rows_without_a_usable_location_stay_and_are_reported():
    draft = draft_of(
        {
            2: ("柏市役所", "35.8676", "139.9757"),
            3: ("位置未定", "", ""),
            4: ("経度なし", "35.86", " "),
            5: ("誤記", "北緯35度", "139.97"),
            6: ("非数", "nan", "139.97"),
        }
    )
    out = points_from_table(draft)
    assert list(out.table.index) == [2, 3, 4, 5, 6]
    assert out.table.geometry.isna().tolist() == [False, True, True, True, True]
    assert out.report.flatten("row", "column", "code") == [
        (3, "緯度", "location-missing"),
        (4, "経度", "location-missing"),
        (5, "緯度", "location-unparsable"),
        (6, "緯度", "location-unparsable"),
    ]
    assert out.report.problems[2].params == {"value": "北緯35度"}
    assert out.report.facts["located_rows"] == 1 and out.report.facts["unlocated_rows"] == 4


def test_missing_location_column_is_an_error_and_table_unchanged():
    table = pd.DataFrame({"名称": ["柏市役所"]}, index=[2])
    draft = Draft(source=Source(path=Path("aed.csv")), table=table)
    out = points_from_table(draft)
    assert out.report.flatten("column", "code") == [
        ("緯度", "location-column-missing"),
        ("経度", "location-column-missing"),
    ]
    assert out.table is table


def test_parse_degree():
    assert parse_degree(" 35.8676 ") == 35.8676
    assert parse_degree("−35.5") == -35.5
    assert parse_degree("139.97°") == 139.97
    assert parse_degree("inf") is None
    assert parse_degree("東経") is None


def test_column_wise_points_equal_the_row_by_row_reading():
    """Plain decimals are read column-wise; the rest by hand: the same points, the same
    problems in the same order as reading every row with ``_row_point``."""
    from tsunagu.geo.points import _row_point

    cells = ["35.1", "", " ", "x", "35.123456789", "-0.0", "1e-5", "３５．１", "35.1°", "−35.2",
             " 35.3 ", "nan", "inf", "1" + "0" * 400, "35.", ".5", "+35"]  # fmt: skip
    rows = len(cells) * 3
    table = pd.DataFrame(
        {
            "緯度": [cells[i % len(cells)] for i in range(rows)],
            "経度": [cells[(i * 5 + 1) % len(cells)] for i in range(rows)],
        },
        index=range(3, 3 + rows),
    ).astype("str")
    fast = points_from_table(Draft(source=Source(Path("f.csv")), table=table))
    by_hand = Draft(source=Source(Path("f.csv")), table=table)
    expected = [
        _row_point(by_hand, row, lat, lon, ("緯度", "経度"))
        for row, lat, lon in zip(table.index, table["緯度"], table["経度"], strict=True)
    ]
    assert [g.wkb if g else None for g in fast.table.geometry] == [
        g.wkb if g else None for g in expected
    ]
    assert [(p.code, p.location, p.params) for p in fast.report.problems] == [
        (p.code, p.location, p.params) for p in by_hand.report.problems
    ]
    assert fast.report.facts["located_rows"] == sum(g is not None for g in expected)
