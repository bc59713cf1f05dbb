"""Seeded, reproducible benchmark inputs: facility-like point CSVs inside Kashiwa City.

The same ``(rows, seed)`` always gives the same bytes, so two runs (or two machines) time the same
work. Files go to ``bench/_generated/`` (git-ignored) and are reused when already there; they are
built column-wise with numpy and polars, so even 1M rows take about a second and the generator
never dominates ``make bench``.

Set ``TSUNAGU_BENCH_DIR`` to put them elsewhere (read when called, inherited by the children).

Shape: the standard CSV as :class:`~tsunagu.formats.csv_writer.StandardCsvWriter` writes it
(UTF-8, no BOM, CRLF, quoted only when needed) with the common columns of a 自治体標準オープン
データセット facility list. About 0.1% of rows have no position and 1% a 備考 with a comma, a
quote and a line break, so parsers and JSON escaping do real work.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

GENERATED = Path(__file__).resolve().parent / "_generated"
#: Environment variable that moves the generated files (the smoke test points it at a tmp dir).
DIR_VARIABLE = "TSUNAGU_BENCH_DIR"
DEFAULT_SEED = 20261124
KASHIWA_BBOX = (139.86, 35.78, 140.06, 35.93)  # W, S, E, N (Settings.municipality_bbox)
COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "所在地_連結表記",
    "緯度", "経度", "電話番号", "設置位置", "備考",
)  # fmt: skip
_KINDS = ("近隣センター", "小学校", "中学校", "公園", "消防署", "図書館", "保育園", "市民体育館")
_KANA = ("キンリンセンター", "ショウガッコウ", "チュウガッコウ", "コウエン", "ショウボウショ",
         "トショカン", "ホイクエン", "シミンタイイクカン")  # fmt: skip
_TOWNS = ("柏", "豊四季", "南柏", "増尾", "高田", "若柴", "大島田", "柏の葉", "髙柳", "逆井")
_PLACES = ("1階正面玄関", "事務室前", "体育館入口", "管理棟", "２階ロビー")


def _pick(rng: np.random.Generator, values: tuple[str, ...], rows: int) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=object)[rng.integers(0, len(values), rows)])


def _positions(rng: np.random.Generator, rows: int) -> tuple[pl.Series, pl.Series]:
    west, south, east, north = KASHIWA_BBOX
    lat = pl.Series(np.round(rng.uniform(south, north, rows), 6)).cast(pl.Utf8)
    lon = pl.Series(np.round(rng.uniform(west, east, rows), 6)).cast(pl.Utf8)
    missing = pl.Series(rng.random(rows) < 0.001)
    empty = pl.Series([""] * rows)
    return (
        pl.select(pl.when(missing).then(empty).otherwise(lat)).to_series(),
        pl.select(pl.when(missing).then(empty).otherwise(lon)).to_series(),
    )


def facility_frame(rows: int, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """``rows`` facility rows in the standard's columns, all text, deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    number = pl.Series(np.arange(1, rows + 1)).cast(pl.Utf8).str.zfill(7)
    kind = rng.integers(0, len(_KINDS), rows)
    town = _pick(rng, _TOWNS, rows)
    lat, lon = _positions(rng, rows)
    phone = pl.Series(rng.integers(0, 10_000, rows)).cast(pl.Utf8).str.zfill(4)
    note = pl.Series(np.where(rng.random(rows) < 0.01, '休館日, "年末年始"\n除く', ""))
    return pl.DataFrame(
        {
            "全国地方公共団体コード": ["122173"] * rows,
            "ID": ("K" + number),
            "地方公共団体名": ["千葉県柏市"] * rows,
            "名称": town + pl.Series(np.asarray(_KINDS, dtype=object)[kind]) + number,
            "名称_カナ": pl.Series(np.asarray(_KANA, dtype=object)[kind]),
            "所在地_連結表記": "千葉県柏市" + town + number.str.slice(4) + "番地",
            "緯度": lat,
            "経度": lon,
            "電話番号": "04-71" + phone.str.slice(0, 2) + "-" + phone,
            "設置位置": _pick(rng, _PLACES, rows),
            "備考": note,
        }
    ).select(
        # An empty cell is written as nothing (not ""), exactly as the standard CSV writer does.
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
        for c in COLUMNS
    )


def generated_dir() -> Path:
    """Where inputs and outputs go: ``$TSUNAGU_BENCH_DIR`` or ``bench/_generated``."""
    return Path(os.environ.get(DIR_VARIABLE) or GENERATED)


def facility_csv(rows: int, seed: int = DEFAULT_SEED, directory: Path | None = None) -> Path:
    """Path of the generated CSV for ``(rows, seed)``, writing it first if it is not there."""
    directory = directory or generated_dir()
    path = directory / f"facilities_{rows}_{seed}.csv"
    if path.is_file() and path.stat().st_size > 0:
        return path
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    facility_frame(rows, seed).write_csv(partial, line_terminator="\r\n", quote_style="necessary")
    partial.replace(path)  # never leave a half-written file that a later run would reuse
    return path


def points_geojson(rows: int, seed: int = DEFAULT_SEED, directory: Path | None = None) -> Path:
    """The seeded facilities as RFC 7946 GeoJSON, written by the publisher's own GeoJSON writer
    (what ``tsunagu publish`` writes for a facility list), once per ``(rows, seed)``."""
    import pandas as pd

    from tsunagu.config import load_settings
    from tsunagu.formats.geojson_writer import GeoJsonWriter
    from tsunagu.model import Draft, Source

    directory = directory or generated_dir()
    stem = f"points_{rows}_{seed}"
    path = directory / f"{stem}.geojson"
    if path.is_file() and path.stat().st_size > 0:
        return path
    csv = facility_csv(rows, seed, directory)
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    partial = directory / f"{stem}.partial"
    written = GeoJsonWriter().write(
        Draft(Source(csv), table), partial, load_settings({}, env={}), stem=stem
    )
    written.replace(path)  # never leave a half-written file that a later run would reuse
    partial.rmdir()
    return path
