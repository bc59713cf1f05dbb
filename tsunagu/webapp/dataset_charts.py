"""What the dataset page's charts show, computed on the server (plain functions, no Flask).

Every chart is drawn by ``static/charts.js`` from the data table printed beside it, so the
table is both the accessible alternative and the chart's only source: what a screen-reader user
reads is exactly what is drawn. Population datasets (the 年齢別人口 standard, or any table with
``…歳の男性``/``…歳の女性`` columns) get an age pyramid (summed over all areas) and the totals by
area; any other table with numeric columns gets a bar/line chart whose column and type the
reader chooses on the page (the first :data:`MAX_ROWS` rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

MAX_ROWS = 100
AGE_COLUMN = re.compile(r"^(?P<age>.+歳(?:以上)?)の(?P<sex>男性|女性)$")
AREA_COLUMNS = ("地域名", "町丁目名", "名称")
LABEL_HINTS = ("名称", "地域名", "町丁目名", "施設名", "名前", "項目", "区分")
NOT_MEASURES = ("全国地方公共団体コード", "地域コード", "ID", "郵便番号", "緯度", "経度")


@dataclass(frozen=True)
class Table:
    """One chart's data: header (label column first) and rows of (label, numbers…)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str | float, ...], ...]


@dataclass
class ChartData:
    pyramid: Table | None = None
    by_area: Table | None = None
    numeric: Table | None = None
    truncated: bool = False
    measures: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.pyramid or self.by_area or self.numeric)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def _numeric_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    out = {}
    for column in frame.columns:
        if column in NOT_MEASURES or frame[column].eq("").all():
            continue
        values = pd.to_numeric(frame[column].str.replace(",", "", regex=False), errors="coerce")
        filled = frame[column].ne("")
        if filled.any() and values[filled].notna().all():
            out[column] = values.fillna(0)
    return out


def _label_column(frame: pd.DataFrame, numeric: dict[str, pd.Series]) -> str | None:
    for hint in LABEL_HINTS:
        if hint in frame.columns:
            return hint
    return next((c for c in frame.columns if c not in numeric and c not in NOT_MEASURES), None)


@lru_cache(maxsize=64)
def chart_data(csv_path: Path, max_rows: int = MAX_ROWS) -> ChartData:
    """Chart tables for a published standard CSV (UTF-8, header in the first row).

    Cached by path: published files are stored content-addressed, so a path never changes
    content. Only a population table is read whole (its pyramid sums every area, and such
    tables are small); any other table is read no further than the rows it charts.
    """
    header = pd.read_csv(csv_path, dtype=str, nrows=0, encoding="utf-8-sig").columns
    whole = any(AGE_COLUMN.match(str(c)) for c in header)
    frame = pd.read_csv(
        csv_path,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        nrows=None if whole else max_rows + 1,
    )
    numeric = _numeric_columns(frame)
    data = ChartData()
    if not numeric or frame.empty:
        return data
    ages: dict[str, dict[str, str]] = {}
    for column in frame.columns:
        match = AGE_COLUMN.match(column)
        if match and column in numeric:
            ages.setdefault(match["age"], {})[match["sex"]] = column
    pairs = {age: cols for age, cols in ages.items() if len(cols) == 2}
    if pairs:
        data.pyramid = Table(
            ("年齢", "男性", "女性"),
            tuple(
                (age, _number(numeric[c["男性"]].sum()), _number(numeric[c["女性"]].sum()))
                for age, c in pairs.items()
            ),
        )
        area = next((c for c in AREA_COLUMNS if c in frame.columns), None)
        totals = [c for c in ("総人口", "男性", "女性", "世帯数") if c in numeric]
        if area and totals:
            rows = frame.head(max_rows)
            data.by_area = Table(
                (area, *totals),
                tuple(
                    (rows[area].iloc[i], *(_number(numeric[t].iloc[i]) for t in totals))
                    for i in range(len(rows))
                ),
            )
    label = _label_column(frame, numeric)
    measures = [c for c in numeric if c != label and not AGE_COLUMN.match(c)][:12]
    if measures:
        rows = frame.head(max_rows)
        labels = rows[label] if label else pd.Series(range(1, len(rows) + 1), dtype=str)
        data.numeric = Table(
            (label or "#", *measures),
            tuple(
                (str(labels.iloc[i]), *(_number(numeric[m].iloc[i]) for m in measures))
                for i in range(len(rows))
            ),
        )
        data.measures = measures
    data.truncated = len(frame) > max_rows
    return data
