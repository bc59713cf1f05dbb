"""../shared/quality/security-and-bad-inputs.md §3, row by row, as a department meets it: the
file given to ``tsunagu validate`` (a child process), the exit status and the message read.

Rows covered here: 1, 3, 4, 6, 7, 8 (three forms), 10. The other rows are not yet checked in this
table (several have their own tests elsewhere, e.g. zip rows in tests/formats/test_archive.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


def _write(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


def _long_line(path: Path) -> Path:
    with path.open("wb") as fh:  # row 3: a 16 MB line without a newline
        fh.write(b"id,text\n1,")
        for _ in range(16):
            fh.write(b"a" * (1 << 20))
    return path


ROWS = {
    # row: (make the file, expected message parts, where the message points)
    "1 empty file": (_write(b""), ["The file is empty"], "x.csv:"),
    "3 one 16 MB line": (_long_line, ["The line is too long"], "x.csv, row 2:"),
    "4 100,000 columns": (
        _write((",".join(f"c{i}" for i in range(100_000)) + "\n").encode() * 2),
        ["Too many columns (100000; the limit is 1000)"],
        "x.csv, row 1:",
    ),
    "6 cell over 32,767 characters": (
        _write(b"id,text\n1," + b"a" * 40_000 + b"\n"),
        ["The cell is too long (limit 32767"],
        'x.csv, row 2, column "text":',
    ),
    "7 NUL inside a cell": (
        _write(b"a,b\n1,x\x00y\n"),
        ["NUL character (0x00)", "cannot be published"],
        "x.csv, row 2:",
    ),
    "8 only NUL bytes": (_write(b"\x00" * 4096), ["not a text CSV file"], "x.csv:"),
    "8 random binary": (
        _write(bytes((i * 7919) % 256 for i in range(3000))),
        ["not a text CSV file"],
        "x.csv:",
    ),
    "8 PNG renamed .csv": (_write(PNG), ["not a text CSV file"], "x.csv:"),
}


@pytest.mark.parametrize("row", list(ROWS))
def test_bad_input_row_gets_a_clear_error_naming_where(row, tmp_path):
    make, parts, where = ROWS[row]
    path = make(tmp_path / "x.csv")
    done = _validate(path, "en")
    output = done.stdout + done.stderr
    assert done.returncode == 2, output  # unreadable input: exit 2, nothing written
    assert "Traceback" not in output
    assert where in output
    for part in parts:
        assert part in output
    ja = _validate(path, "ja")
    assert ja.returncode == 2 and "Traceback" not in ja.stdout + ja.stderr
    assert any("\u3040" <= c <= "\u30ff" for c in ja.stdout)  # the Japanese message too


def test_row_10_tiny_cp932_file_is_read_as_cp932_not_cp1257(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("id,name\n1,髙\n".encode("cp932"))
    done = _validate(path, "en")
    assert "Traceback" not in done.stderr
    assert '"髙"' in done.stdout  # the cell read as written (named by the 機種依存文字 note)
    assert "īą" not in done.stdout


def _validate(path: Path, lang: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--lang", lang, "--data-dir", str(path.parent / "i"),
         "validate", str(path)],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "250"},
    )  # fmt: skip
