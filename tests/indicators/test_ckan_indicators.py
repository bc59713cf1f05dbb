"""Indicators on a CKAN catalogue, the real one: a sample published to CKAN with the real CLI,
then ``tsunagu report --csv`` run with ``TSUNAGU_CATALOGUE=ckan`` as a city running CKAN would.
Marker ``ckan``: needs ../shared/ckan-local (CKAN_URL, CKAN_API_TOKEN_FILE)."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import uuid

import pytest

from tests.catalogue.conftest import ckan_credentials
from tsunagu.config import PROJECT_ROOT

pytestmark = pytest.mark.ckan
SAMPLES = PROJECT_ROOT / "datasets" / "kashiwa"


def test_report_gathers_the_indicators_from_ckan(tmp_path):
    creds = ckan_credentials()
    if creds is None:
        pytest.skip("CKAN_URL and CKAN_API_TOKEN(_FILE) not set: start ../shared/ckan-local/up.sh")
    shutil.copyfile(SAMPLES / "municipality.yaml", tmp_path / "municipality.yaml")
    folder = tmp_path / "aed"
    shutil.copytree(SAMPLES / "kenko/aed-installations", folder)
    dataset_id = f"kashiwa-aed-ind-{uuid.uuid4().hex[:8]}"  # a shared CKAN: an id of our own
    manifest = folder / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r"^id: \S+", f"id: {dataset_id}", text, flags=re.M), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(
        TSUNAGU_CATALOGUE="ckan",
        TSUNAGU_CKAN_URL=creds[0],
        TSUNAGU_CKAN_TOKEN=creds[1],
        TSUNAGU_DATA_DIR=str(tmp_path / "instance"),
        COLUMNS="200",
    )

    def tsunagu(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tsunagu", "--lang", "en", *args],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    published = tsunagu("publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr
    out = tmp_path / "indicators.csv"
    report = tsunagu("report", "--csv", str(out))
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Traceback" not in report.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    mine = {r["indicator"]: r for r in rows if r.get("dataset") == dataset_id}
    assert mine, f"{dataset_id} missing from the indicators: {sorted({r['dataset'] for r in rows})}"
    assert mine["openness"]["value"] == "3"  # CSV with a schema, as on the local catalogue
    assert mine["blocked_attempts"]["value"] == "0"
    assert float(mine["problem_cell_share"]["value"]) > 0  # quality figures from the audit log
    assert {r["department"] for r in mine.values()} == {"kenko"}
