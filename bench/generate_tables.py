"""Seeded facility tables with known mistakes, for the validation benchmark.

11 columns as a department's 施設一覧 already mapped to standard names (ID, 名称, 名称_カナ, 住所,
緯度, 経度, 電話番号, 開設日, 定員, URL, 備考), at any size, UTF-8 or CP932, with about 0.5% of
rows carrying one mistake of a kind the checks know: 和暦 and impossible dates, 「50人」 in an
integer, out-of-range (swapped) latitudes, an empty required 名称, a duplicated ID, phone numbers
and カナ that miss their pattern, and a 備考 outside its enumeration. ``SCHEMA`` is the Table Schema
they are validated against. The same ``(rows, seed, encoding)`` always gives the same bytes, and
files are written once to ``bench/_generated/`` (or ``$TSUNAGU_BENCH_DIR``) and reused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.generate import DEFAULT_SEED, generated_dir

SIZES = (10_000, 100_000, 1_000_000)
ERROR_RATE = 0.005
COLUMNS = (
    "ID",
    "名称",
    "名称_カナ",
    "住所",
    "緯度",
    "経度",
    "電話番号",
    "開設日",
    "定員",
    "URL",
    "備考",
)
NOTES = ("", "休館中", "改修中", "臨時開設", "バリアフリー対応")
SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "ID", "type": "string", "constraints": {"required": True, "pattern": "K[0-9]{7}"}},
        {"name": "名称", "type": "string", "constraints": {"required": True, "maxLength": 100}},
        {"name": "名称_カナ", "type": "string", "constraints": {"pattern": "[ァ-ヶー]+"}},
        {"name": "住所", "type": "string", "constraints": {"required": True}},
        {"name": "緯度", "type": "number", "constraints": {"minimum": 20, "maximum": 46}},
        {"name": "経度", "type": "number", "constraints": {"minimum": 122, "maximum": 154}},
        {
            "name": "電話番号",
            "type": "string",
            "constraints": {"pattern": "0[0-9]{1,4}-[0-9]{1,4}-[0-9]{4}"},
        },
        {"name": "開設日", "type": "date"},
        {"name": "定員", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "URL", "type": "string", "constraints": {"pattern": "https?://[^ ]+"}},
        {"name": "備考", "type": "string", "constraints": {"enum": list(NOTES)}},
    ],
    "primaryKey": ["ID"],
    "missingValues": [""],
}
_KINDS = ("近隣センター", "小学校", "中学校", "公園", "消防署", "図書館", "保育園", "市民体育館")
_KANA = ("キンリンセンター", "ショウガッコウ", "チュウガッコウ", "コウエン", "ショウボウショ",
         "トショカン", "ホイクエン", "シミンタイイクカン")  # fmt: skip
_TOWNS = ("柏", "豊四季", "南柏", "増尾", "高田", "若柴", "大島田", "柏の葉", "高柳", "逆井")
# (column, bad values): each injected mistake picks one kind, then one value.
MISTAKES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("開設日", ("令和6年4月1日", "2024-02-30", "R6.4.1", "2023/4/1")),
    ("定員", ("50人", "約30", "1.5", "三十")),
    ("緯度", ("139.97", "95.5", "-91")),
    ("名称", ("",)),
    ("ID", ("<duplicate>",)),
    ("電話番号", ("04-7167-111", "０４-7167-1111", "047167111")),
    ("名称_カナ", ("かしわ", "Kashiwa")),
    ("備考", ("工事中", "休館")),
)


def _pick(rng: np.random.Generator, values: tuple[str, ...], rows: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), rows)]


def clean_frame(rows: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Valid cells, column by column (numpy object arrays of str)."""
    number = np.char.zfill(np.arange(1, rows + 1).astype(str), 7).astype(object)
    kind = rng.integers(0, len(_KINDS), rows)
    town = _pick(rng, _TOWNS, rows)
    day = np.datetime64("1970-04-01") + rng.integers(0, 20_000, rows).astype("timedelta64[D]")
    phone = np.char.zfill(rng.integers(0, 10_000, rows).astype(str), 4).astype(object)
    return {
        "ID": "K" + number,
        "名称": town + np.asarray(_KINDS, dtype=object)[kind] + number,
        "名称_カナ": np.asarray(_KANA, dtype=object)[kind],
        "住所": "千葉県柏市" + town + number + "番地",
        "緯度": np.char.mod("%.6f", rng.uniform(35.78, 35.93, rows)).astype(object),
        "経度": np.char.mod("%.6f", rng.uniform(139.86, 140.06, rows)).astype(object),
        "電話番号": "04-71" + phone.astype(str).astype("U2").astype(object) + "-" + phone,
        "開設日": day.astype(str).astype(object),
        "定員": rng.integers(0, 500, rows).astype(str).astype(object),
        "URL": "https://www.city.kashiwa.lg.jp/facility/" + number + ".html",
        "備考": _pick(rng, NOTES, rows),
    }


def inject_mistakes(columns: dict[str, np.ndarray], rng: np.random.Generator) -> int:
    """Put one mistake in ~0.5% of rows (never row 0); return how many rows were touched."""
    rows = len(columns["ID"])
    bad = np.flatnonzero(rng.random(rows) < ERROR_RATE)
    bad = bad[bad > 0]
    kinds = rng.integers(0, len(MISTAKES), len(bad))
    for row, kind in zip(bad.tolist(), kinds.tolist(), strict=True):
        column, values = MISTAKES[kind]
        value = values[int(rng.integers(0, len(values)))]
        if value == "<duplicate>":
            value = columns["ID"][int(rng.integers(0, row))]
        columns[column][row] = value
    return len(bad)


def table_path(rows: int, encoding: str = "utf-8", seed: int = DEFAULT_SEED) -> Path:
    name = f"validation_{rows}_{seed}_{encoding.replace('-', '')}.csv"
    return generated_dir() / name


def facility_table(rows: int, encoding: str = "utf-8", seed: int = DEFAULT_SEED) -> Path:
    """Path of the generated CSV, written first if it is not there yet."""
    path = table_path(rows, encoding, seed)
    if path.is_file() and path.stat().st_size > 0:
        return path
    rng = np.random.default_rng(seed)
    columns = clean_frame(rows, rng)
    inject_mistakes(columns, rng)
    frame = pl.DataFrame({c: pl.Series(c, columns[c], dtype=pl.Utf8) for c in COLUMNS}).select(
        # An empty cell is written as nothing (not ""), as departments' files have it.
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
        for c in COLUMNS
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    if encoding.replace("-", "").lower() == "utf8":
        frame.write_csv(partial, line_terminator="\n", quote_style="necessary")
    else:
        text = frame.write_csv(line_terminator="\n", quote_style="necessary")
        partial.write_bytes(text.encode(encoding))
    partial.replace(path)  # never leave a half-written file a later run would reuse
    return path


if __name__ == "__main__":
    for size in SIZES:
        for enc in ("utf-8", "cp932"):
            print(facility_table(size, enc))
