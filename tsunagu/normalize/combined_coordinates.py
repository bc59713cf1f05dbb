"""A combined coordinate column (``location: 34.34092056,134.04522972``) split into 緯度/経度.

Cities export points as one text column, latitude first or longitude first. Left alone it is
silently ignored and the data publishes without coordinates. A column is recognised as combined
when nearly all its values are two numbers that make a plausible point in Japan in one order;
``tsunagu map`` proposes the split and the manifest applies it (``columns: {location: [緯度,
経度]}``, the targets in the order the values are written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

PAIR = re.compile(r"\s*\(?\s*([+-]?\d+(?:\.\d+)?)\s*[,，、;\s]\s*([+-]?\d+(?:\.\d+)?)\s*\)?\s*")
LAT = (20.0, 46.0)
LON = (122.0, 154.0)
SHARE = 0.9  # of the non-empty values


@dataclass(frozen=True)
class CombinedColumn:
    column: str
    order: tuple[str, str]  # ("緯度", "経度") when written latitude first
    matched: int
    filled: int


def _pairs(series: pd.Series) -> tuple[pd.DataFrame, int]:
    text = series.astype(str).str.strip()
    filled = text[text != ""]
    parts = filled.str.fullmatch(PAIR.pattern) if len(filled) else filled.astype(bool)
    numbers = filled.str.extract(PAIR.pattern).astype(float)
    return numbers[parts.astype(bool)], len(filled)


def recognise(column: str, series: pd.Series) -> CombinedColumn | None:
    """The column as a combined point column, with its order; None when it is not one."""
    numbers, filled = _pairs(series)
    if not filled:
        return None
    first, second = numbers[0], numbers[1]
    lat_first = int((first.between(*LAT) & second.between(*LON)).sum())
    lon_first = int((first.between(*LON) & second.between(*LAT)).sum())
    best = max(lat_first, lon_first)
    if best < SHARE * filled or best == 0:
        return None
    order = ("緯度", "経度") if lat_first >= lon_first else ("経度", "緯度")
    return CombinedColumn(column, order, best, filled)


def split(series: pd.Series, targets: tuple[str, str]) -> dict[str, pd.Series]:
    """The two parts of each value, named by ``targets`` in the written order; a value that is
    not a pair is kept whole in the first part, so the validator reports it at its row."""
    text = series.astype(str).str.strip()
    numbers = text.str.extract(PAIR.pattern)
    ok = text.str.fullmatch(PAIR.pattern).fillna(False).astype(bool)
    first = numbers[0].where(ok, text).fillna("")
    second = numbers[1].where(ok, "").fillna("")
    return {targets[0]: first.astype(object), targets[1]: second.astype(object)}
