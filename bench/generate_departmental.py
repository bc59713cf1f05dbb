"""Seeded departmental files: the Kashiwa AED ledger as a department exports it, at any size.

What ``tsunagu validate dataset.yaml`` meets in a real 健康政策課 export, scaled up: CP932, the
sheet title on line 1 and the header on line 2, the department's own column names (施設名,
フリガナ, 緯度（世界測地系）…), 和暦 dates in several spellings (令和3年4月1日, H30.4.1, R2.6.1),
half-width カナ, phones without hyphens, full-width digits in about 5 % of addresses, phones and
latitudes, and about 0.5 % of rows with one bad cell of a kind the checks know (a swapped
latitude, a latitude that is not a number, a short phone, an empty 施設名, a 小児用パッド outside
有/無, kanji in フリガナ). The cells come from the committed sample
``datasets/kashiwa/kenko/aed-installations`` (19 rows), so the file looks like that one, only
longer. Each file gets the sample's manifest and ``municipality.yaml`` beside it, so the command
timed is exactly what the department types. The same ``(rows, seed)`` always gives the same bytes;
files are written once to ``bench/_generated/`` (or ``$TSUNAGU_BENCH_DIR``) and reused.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from bench.generate import DEFAULT_SEED, generated_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "datasets" / "kashiwa" / "kenko" / "aed-installations"
SAMPLE_FILE = "AED設置場所一覧.csv"
ERROR_RATE = 0.005
FULL_WIDTH_RATE = 0.05
#: The bad cells, one per bad row: (column, value). Each is a problem the pipeline reports.
BAD_CELLS = (
    ("緯度（世界測地系）", "139.9757"),  # longitude in the latitude column: above maximum 46
    ("緯度（世界測地系）", "不明"),  # not a number
    ("電話番号", "047-16"),  # too short for the phone pattern
    ("施設名", ""),  # required 名称 empty
    ("小児用パッド", "不明"),  # not in the enum 有/無
    ("フリガナ", "柏市ﾔｸｼｮ"),  # kanji in カナ: the pattern misses
)
_FULL_WIDTH = str.maketrans("0123456789-.", "０１２３４５６７８９－．")
_HALF_WIDTH = str.maketrans("０１２３４５６７８９－．", "0123456789-.")


def sample_rows() -> tuple[str, list[str], list[list[str]]]:
    """Title line, header and data rows of the committed 19-row sample."""
    with (SAMPLE / SAMPLE_FILE).open(encoding="cp932", newline="") as handle:
        rows = list(csv.reader(handle))
    title, header, data = rows[0][0], rows[1], [r for r in rows[2:] if any(r)]
    return title, header, data


def departmental_frame(
    rows: int, seed: int = DEFAULT_SEED, *, clean: bool = False
) -> tuple[str, pl.DataFrame]:
    """The title line and ``rows`` ledger rows (all text), deterministic for ``seed``; with
    ``clean``, the same rows without the bad cells."""
    rng = np.random.default_rng(seed)
    title, header, data = sample_rows()
    template = np.asarray(data, dtype=object)
    pick = rng.integers(0, len(data), rows)
    columns = {name: template[pick, i] for i, name in enumerate(header)}
    number = np.arange(1, rows + 1).astype(str)
    columns["No"] = number
    columns["施設名"] = columns["施設名"] + "（" + number.astype(object) + "）"
    for name, spread in (("緯度（世界測地系）", 0.02), ("経度（世界測地系）", 0.03)):
        index = header.index(name)
        base = np.array([float(r[index].translate(_HALF_WIDTH)) for r in data])[pick]
        columns[name] = np.char.mod("%.6f", base + rng.uniform(-spread, spread, rows)).astype(
            object
        )
    columns["電話番号"] = ("0471" + np.char.zfill(rng.integers(0, 1_000_000, rows).astype(str), 6)
                          ).astype(object)  # fmt: skip
    wide = np.flatnonzero(rng.random(rows) < FULL_WIDTH_RATE)
    for name in ("住所", "電話番号", "緯度（世界測地系）"):
        cells = columns[name]
        cells[wide] = [str(v).translate(_FULL_WIDTH) for v in cells[wide]]
    bad = np.flatnonzero(rng.random(rows) < (0 if clean else ERROR_RATE))
    kinds = rng.integers(0, len(BAD_CELLS), len(bad))
    for row, kind in zip(bad, kinds, strict=True):
        name, value = BAD_CELLS[kind]
        columns[name][row] = value
    frame = pl.DataFrame({name: pl.Series(name, columns[name], dtype=pl.Utf8) for name in header})
    # An empty cell is written as nothing (not ""), as Excel's CSV export does.
    frame = frame.select(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in header)
    return title, frame


def departmental_dir(
    rows: int, seed: int = DEFAULT_SEED, directory: Path | None = None, *, clean: bool = False
) -> Path:
    """The municipality folder holding ``kenko/aed-installations/`` for ``(rows, seed)``."""
    name = f"departmental{'_clean' if clean else ''}_{rows}_{seed}"
    return (directory or generated_dir()) / name


def departmental_dataset(
    rows: int, seed: int = DEFAULT_SEED, directory: Path | None = None, *, clean: bool = False
) -> Path:
    """Path of the generated ``dataset.yaml`` (with its CP932 file), written first if missing."""
    top = departmental_dir(rows, seed, directory, clean=clean)
    folder = top / "kenko" / "aed-installations"
    manifest, data = folder / "dataset.yaml", folder / SAMPLE_FILE
    if manifest.is_file() and data.is_file() and data.stat().st_size > 0:
        return manifest
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLE.parent.parent / "municipality.yaml", top / "municipality.yaml")
    title, frame = departmental_frame(rows, seed, clean=clean)
    partial = data.with_suffix(".csv.partial")
    body = frame.write_csv(line_terminator="\r\n", quote_style="necessary")
    width = frame.width
    with partial.open("w", encoding="cp932", newline="") as out:
        out.write(title + "," * (width - 1) + "\r\n")
        out.write(body)
    partial.replace(data)  # never leave a half-written file that a later run would reuse
    shutil.copyfile(SAMPLE / "dataset.yaml", manifest)
    return manifest
