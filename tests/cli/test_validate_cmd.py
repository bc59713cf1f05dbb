"""``tsunagu validate`` run as a user runs it (a child process): a wrong type in a manifest or in
the settings is exit 2 with the file and the field named in Japanese and English, never a
traceback (issue 12: ``header_row: abc`` crashed with a raw ValueError)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tsunagu(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    clean["COLUMNS"] = "300"  # a wide terminal: no path folded over lines
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(tmp_path / "instance"), *args],
        cwd=tmp_path, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    folder = tmp_path / "kenko" / "aed"
    folder.mkdir(parents=True)
    (folder / "aed.csv").write_text("名称\r\n柏市役所\r\n", encoding="utf-8")
    path = folder / "dataset.yaml"
    path.write_text(
        "id: kashiwa-aed\ntitle: AED\ndepartment: kenko\nstandard: aed-installations\n"
        "sources:\n  - path: aed.csv\n    header_row: abc\n",
        encoding="utf-8",
    )
    return path


def test_a_manifest_field_of_the_wrong_type_names_file_and_field(tmp_path, manifest):
    done = tsunagu(tmp_path, "validate", str(manifest))
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "Traceback" not in out and "ValueError" not in out
    assert str(manifest) in out
    assert "sources[0].header_row" in out
    assert "整数で書いてください（「abc」）" in out
    english = tsunagu(tmp_path, "--lang", "en", "validate", str(manifest))
    assert english.returncode == 2
    assert "field 'sources[0].header_row'" in english.stdout + english.stderr
    unfolded = " ".join(english.stdout.split())  # rich folds a line longer than the terminal
    assert 'valid integer, unable to parse string as an integer, got "abc"' in unfolded


@pytest.mark.parametrize(
    ("how", "named"),
    [("file", "tsunagu.yaml"), ("env", "TSUNAGU_MAX_COLUMNS")],
)
def test_a_setting_of_the_wrong_type_names_where_it_was_set(tmp_path, manifest, how, named):
    env = {"TSUNAGU_MAX_COLUMNS": "many"}
    if how == "file":
        (tmp_path / "tsunagu.yaml").write_text("max_columns: many\n", encoding="utf-8")
        env = {"TSUNAGU_CONFIG": str(tmp_path / "tsunagu.yaml")}
    done = tsunagu(tmp_path, "validate", str(manifest), **env)
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "Traceback" not in out
    assert named in out and "max_columns" in out
    assert "整数で書いてください（「many」）" in out and "valid integer" in out


def test_a_setting_outside_its_choices_names_where_it_was_set(tmp_path, manifest):
    (tmp_path / "tsunagu.yaml").write_text("catalogue: dropbox\n", encoding="utf-8")
    done = tsunagu(
        tmp_path, "validate", str(manifest), TSUNAGU_CONFIG=str(tmp_path / "tsunagu.yaml")
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2 and "Traceback" not in out, out
    assert str(tmp_path / "tsunagu.yaml") in out and "catalogue" in out and "dropbox" in out
