"""The built wheel carries everything the CLI and the site read at run time.

A wheel is built from this checkout and installed into a fresh virtual environment in a
temporary folder; the dependencies come from the project's own environment through a ``.pth``
line (offline, and the wheel's ``tsunagu`` still shadows the checkout's editable one). Every
command then runs as a child process from a folder outside the repository, so a schema,
template, text or static file missing from the package data fails here, not in production.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AED = ROOT / "datasets" / "kashiwa" / "kenko" / "aed-installations"
# Building and installing a wheel takes minutes of CPU: it runs with the integration tier, in CI.
pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("tsunagu-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh environment's python, with the wheel installed and the deps borrowed."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # This environment's pip installs into the new one (``--python``), offline.
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index"]
    pip += ["--no-deps", str(wheel)]
    subprocess.run(pip, check=True, capture_output=True, timeout=300)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies: the project's environment, after the wheel's own tsunagu on sys.path.
    (Path(purelib) / "zz_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env["COLUMNS"] = "250"
    return subprocess.run(
        [str(python.parent / "tsunagu"), "--data-dir", str(cwd / "instance"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_wheel_holds_the_schemas_registry_and_site_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (ROOT / "datasets" / "schemas").glob("*.schema.json"):
        assert f"tsunagu/schemas/{schema.name}" in names
    for needed in (
        "tsunagu/schemas/registry.yaml",
        "tsunagu/texts/core.yaml",
        "tsunagu/validators/templates/report.html",
        "tsunagu/webapp/templates/dataset.html",
        "tsunagu/webapp/api/openapi.yaml",
        "tsunagu/webapp/static/favicon.svg",
        "tsunagu/webapp/translations/en/LC_MESSAGES/messages.mo",
    ):
        assert needed in names, needed


def test_the_installed_cli_lists_the_standards_from_outside_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    where = subprocess.run(
        [str(installed), "-c", "import tsunagu; print(tsunagu.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert not where.startswith(str(ROOT)), where  # the wheel's copy, not the checkout
    result = run(installed, tmp_path, "schemas")
    assert result.returncode == 0, result.stderr
    for slug in ("aed-installations", "public-toilets", "designated-evacuation-shelters"):
        assert slug in result.stdout


def test_the_installed_cli_validates_a_sample_and_writes_its_reports(
    installed: Path, tmp_path: Path
) -> None:
    city = tmp_path / "datasets" / "kashiwa"
    shutil.copytree(AED, city / "kenko" / "aed-installations")
    shutil.copy(AED.parents[1] / "municipality.yaml", city / "municipality.yaml")
    html, report = tmp_path / "report.html", tmp_path / "report.json"
    manifest = city / "kenko" / "aed-installations" / "dataset.yaml"
    args = ("validate", str(manifest), "--report-html", str(html), "--report-json", str(report))
    result = run(installed, tmp_path, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "公開可" in result.stdout
    assert html.read_text(encoding="utf-8").startswith("<!")
    assert json.loads(report.read_text(encoding="utf-8"))["schema"] == "aed-installations"


def test_the_installed_cli_refuses_a_bad_row_with_its_place(
    installed: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "aed.csv"
    bad.write_text("名称,緯度,経度\n柏市役所,35.86,139.97\n沼南支所,135.9,35.8\n", encoding="utf-8")
    report = tmp_path / "r.json"
    args = ("validate", str(bad), "--schema", "aed-installations", "--report-json", str(report))
    result = run(installed, tmp_path, "--lang", "en", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert any(p["location"].get("row") == 3 for p in problems)
