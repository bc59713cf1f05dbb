"""Shared fixtures: settings on a temporary data dir, and test data addressed by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsunagu.config import Settings, load_settings

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_path():
    """``data_path("csv/aed_cp932.csv")`` → absolute path of a file in tests/data."""

    def _path(relative: str) -> Path:
        path = DATA / relative
        assert path.exists(), f"missing test data file {path}"
        return path

    return _path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"data_dir": tmp_path / "instance"}, env={})
