"""The terminal report as a department reads it: a finding repeated on every row is one line."""

from __future__ import annotations

from pathlib import Path

from tests.validators.own_schema_support import tsunagu

AED = Path(__file__).resolve().parents[2] / "datasets" / "kashiwa" / "kenko" / "aed-installations"


def test_a_note_on_every_row_prints_once_with_its_count_and_first_rows(tmp_path):
    source = next(AED.glob("*.csv"))
    wave_rows = [
        n
        for n, line in enumerate(source.read_text(encoding="cp932").splitlines(), start=1)
        if "～" in line
    ]
    assert len(wave_rows) > 5  # the sample writes its hours with a wave dash on many rows
    for lang, expect in (("ja", f"計 {len(wave_rows)} 件"), ("en", f"in {len(wave_rows)} cells")):
        result = tsunagu(tmp_path, "--lang", lang, "validate", str(AED / "dataset.yaml"))
        assert result.returncode == 0, result.stdout + result.stderr
        lines = [line for line in result.stdout.splitlines() if "U+FF5E" in line]
        assert len(lines) == 1, result.stdout
        assert expect in result.stdout.replace("\n", "")
