"""A department's site as users meet it: the datasets under ``<tmp>/datasets`` published by the
CLI (a child process), then the web app over the same data dir."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tsunagu.config import Settings, load_settings
from tsunagu.webapp import create_app

KASHIWA = Path(__file__).resolve().parents[2] / "datasets" / "kashiwa"


def published_site(tmp_path: Path) -> tuple[Any, Settings]:
    """Publish ``<tmp>/datasets`` (with Kashiwa's municipality.yaml) and return the app over it."""
    datasets = tmp_path / "datasets"
    shutil.copy(KASHIWA / "municipality.yaml", datasets / "municipality.yaml")
    data_dir = tmp_path / "instance"
    done = subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "tsunagu", "--data-dir", str(data_dir), "publish", str(datasets)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    settings = load_settings({"data_dir": data_dir, "datasets_dir": datasets}, env={})
    return create_app(settings), settings
