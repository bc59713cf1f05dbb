"""Acceptance corpus: real files from real cities, each with a hand-audited expectation.

Every file in ``../shared/real-data/`` (焼津市, 船橋市, 大阪市; see its SOURCES.md) is set up as a
department would: a folder under ``datasets/<municipality>/<department>/<dataset>/`` with the file
and a ``dataset.yaml``, below a ``municipality.yaml``. The manifests and the expectations live in
``tests/data/real/``; the data files are copied from ``../shared`` (read-only beside the clone in
CI) into a temporary deployment, never into the repository.

``tsunagu validate dataset.yaml --report-json`` runs as a child process in the dataset folder, as
a department runs it, and the report's problem groups (code × severity × column × kind, with the
count and the first rows) must equal ``expected.yaml``: an extra group is a false positive, a
missing one a false negative. Info-level notes (filled constants, kept columns) are facts, not
problems, and are not part of the comparison; ``expected.yaml`` explains each listed problem.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "real-data"
CORPUS = ROOT / "tests" / "data" / "real"
CASES = sorted(p.parent.relative_to(CORPUS) for p in CORPUS.rglob("dataset.yaml"))
TSUNAGU = Path(sys.executable).with_name("tsunagu")

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real-data corpus is not beside the clone ({REAL})"
)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/real copied to a temporary datasets/ tree, each real file beside its manifest."""
    root = tmp_path_factory.mktemp("deployment") / "datasets"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("expected.yaml"))
    for case in CASES:
        for data_file in sorted((REAL / case.name).iterdir()):
            shutil.copy(data_file, root / case / data_file.name)
    return root


def test_every_real_file_has_a_manifest_and_an_expectation():
    assert sorted(c.name for c in CASES) == sorted(p.name for p in REAL.iterdir() if p.is_dir())
    assert all((CORPUS / c / "expected.yaml").is_file() for c in CASES)


def _groups(report: dict) -> list[dict]:
    return [
        {k: g[k] for k in ("code", "severity", "column", "kind", "count", "rows")}
        for g in report["groups"]
        if g["severity"] != "info"
    ]


def _key(group: dict) -> tuple:
    return (group["code"], group["severity"], group["column"] or "", group["kind"] or "")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_report_equals_the_hand_audited_expectation(deployment: Path, case: Path, tmp_path: Path):
    expected = yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))
    out = tmp_path / "report.json"
    result = subprocess.run(
        [str(TSUNAGU), "--lang", "en", "validate", "dataset.yaml", "--report-json", str(out)],
        cwd=deployment / case,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    want = [
        {k: p.get(k) for k in ("code", "severity", "column", "kind", "count", "rows")}
        for p in expected["problems"] or []
    ]
    assert sorted(_groups(report), key=_key) == sorted(want, key=_key)
    assert report["valid"] is expected["valid"]
    assert result.returncode == (0 if expected["valid"] else 1)
    municipality = report["facts"]["municipality"]
    assert municipality["code"] == expected["municipality"]
    if "features" in expected:
        assert report["facts"]["features"] == expected["features"]
