"""The GIS caps (``max_features``) guard GIS files, not tables of points (issue 17): a table of
緯度/経度 over the cap is published with its GeoJSON, while a GIS layer over it is blocked
with the cap's own message — never a "program fault" from the GeoJSON writer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TSUNAGU = Path(sys.executable).with_name("tsunagu")
KASHIWA = ROOT / "datasets" / "kashiwa"


def _publish(tmp_path: Path, dataset: str) -> subprocess.CompletedProcess[str]:
    city = tmp_path / "datasets" / "kashiwa"
    city.mkdir(parents=True)
    shutil.copy(KASHIWA / "municipality.yaml", city)
    shutil.copytree(KASHIWA / dataset, city / dataset)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env |= {"TSUNAGU_MAX_FEATURES": "5", "COLUMNS": "200"}  # both samples have more
    return subprocess.run(  # our own CLI, fixed arguments
        [TSUNAGU, "--lang", "en", "--data-dir", "instance", "publish", str(city / dataset)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_a_table_of_points_over_the_cap_is_published_with_its_geojson(tmp_path):
    done = _publish(tmp_path, "kenko/aed-installations")
    assert done.returncode == 0, done.stdout + done.stderr
    stored = list((tmp_path / "instance").rglob("*"))
    assert any(p.suffix == ".geojson" for p in stored) or "geojson" in done.stdout


def test_a_gis_layer_over_the_cap_is_blocked_with_the_caps_message(tmp_path):
    done = _publish(tmp_path, "bousai/evacuation-sites-gis")
    assert done.returncode == 1, done.stdout + done.stderr
    text = " ".join(done.stdout.split())
    assert "too many features" in text.lower(), text
    assert "program fault" not in text and "Traceback" not in done.stderr
