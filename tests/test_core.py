"""Core records: problems render in both languages with their location; settings validate."""

from __future__ import annotations

import pytest

from tsunagu.config import load_settings
from tsunagu.errors import ConfigError, FormatError, Location, Problem, Severity
from tsunagu.model import Report
from tsunagu.registry import Registry


def test_problem_renders_location_in_both_languages():
    p = Problem(
        "file-too-large",
        Severity.ERROR,
        Location(file="aed.csv", row=3, column="設置日"),
        {"size": 10, "limit": 5},
    )
    assert p.message("ja").startswith("aed.csv 3行目 列「設置日」: ファイルが大きすぎます")
    assert p.message("en").startswith('aed.csv, row 3, column "設置日": The file is too large')


def test_report_flatten_and_validity():
    r = Report()
    r.add("file-too-large", "warning", Location(row=2, column="名称"), size=1, limit=1)
    assert r.valid
    r.add("file-too-large", "error", Location(row=5, column="ID"), size=1, limit=1)
    assert not r.valid
    assert r.flatten() == [(2, "名称", "file-too-large"), (5, "ID", "file-too-large")]


def test_format_error_from_problem_keeps_both_languages():
    p = Problem("file-too-large", Severity.ERROR, Location(file="x.csv"), {"size": 2, "limit": 1})
    err = FormatError.from_problem(p)
    assert "x.csv" in err.message_ja and "x.csv" in err.message_en
    assert err.problem is p


def test_settings_env_and_overrides():
    s = load_settings({"max_columns": 5}, env={"TSUNAGU_MUNICIPALITY_CODE": "131016"})
    assert s.max_columns == 5
    assert s.municipality_code == "131016"
    assert "ckan_token" not in repr(load_settings(env={"TSUNAGU_CKAN_TOKEN": "secret"}))


def test_settings_reject_bad_values():
    with pytest.raises(ConfigError):
        load_settings(env={"TSUNAGU_MUNICIPALITY_CODE": "12217"})
    with pytest.raises(ConfigError):
        load_settings({"nope": 1}, env={})


@pytest.mark.parametrize("rate", ["", "  ", "abc", "0/minute", "60/fortnight", "60/minute\n1"])
def test_a_bad_api_rate_is_a_settings_error_at_start_not_a_500(rate, tmp_path):
    """An empty TSUNAGU_API_RATE used to reach the API and answer 500 to every request."""
    import subprocess
    import sys

    with pytest.raises(ConfigError, match="TSUNAGU_API_RATE"):
        load_settings(env={"TSUNAGU_API_RATE": rate})
    served = subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(tmp_path), "serve", "--port", "1"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "TSUNAGU_API_RATE": rate},
    )  # fmt: skip
    assert served.returncode == 2 and "Traceback" not in served.stderr
    assert "TSUNAGU_API_RATE" in served.stderr and "600/minute" in served.stderr
    assert load_settings(env={"TSUNAGU_API_RATE": "60 / minutes"}).api_rate == "60 / minutes"


def test_settings_file_values_are_typed_and_named_where_set(tmp_path):
    config = tmp_path / "tsunagu.yaml"
    config.write_text("usage_counting: off\nmunicipality_code: 131016\nmax_columns: '50'\n")
    settings = load_settings(env={"TSUNAGU_CONFIG": str(config)})
    assert (settings.usage_counting, settings.municipality_code) == ("off", "131016")
    assert settings.max_columns == 50
    config.write_text("municipality_bbox: [139.8, 35.7, nan, 35.9]\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"TSUNAGU_CONFIG": str(config)})
    assert (
        str(config) in caught.value.message_en and "municipality_bbox[2]" in caught.value.message_en
    )
    assert "有限の数値で書いてください" in caught.value.message_ja
    with pytest.raises(ConfigError, match="environment variable TSUNAGU_PROXY_HOPS"):
        load_settings(env={"TSUNAGU_PROXY_HOPS": "-1"})


def test_registry_unknown_name_lists_known():
    reg = Registry("format", {"csv": "tsunagu.formats.base:ReadOptions"})
    with pytest.raises(ConfigError, match="known: csv"):
        reg.load("xlsm")


def test_settings_anchor_relative_paths_to_the_working_directory(tmp_path, monkeypatch):
    """``--data-dir instance`` means ./instance where the command started, whoever reads it
    later (Flask's send_file would otherwise look below the package folder)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "tsunagu.yaml").write_text("datasets_dir: data/../sets\n")
    settings = load_settings({"data_dir": "instance"}, env={"TSUNAGU_CONFIG": "conf/tsunagu.yaml"})
    assert settings.data_dir == tmp_path / "instance"
    assert settings.datasets_dir == tmp_path / "sets"
    assert load_settings(env={}).data_dir == tmp_path / "instance"  # the default, too
    monkeypatch.chdir(tmp_path / "conf")
    assert settings.data_dir == tmp_path / "instance"  # fixed once, at start-up
    with pytest.raises(ConfigError, match=str(tmp_path / "conf" / "missing.yaml")):
        load_settings(env={"TSUNAGU_CONFIG": "missing.yaml"})
