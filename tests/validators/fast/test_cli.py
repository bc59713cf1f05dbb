"""``--engine`` through the CLI: fast by default, frictionless on request, the same report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tsunagu.cli import cli

BAD_AED = "名称,緯度,経度\n柏市役所,35.86,139.97\n沼南支所,135.9,35.8\n柏の葉,北緯35度,139.95\n"


@pytest.fixture
def validate(tmp_path: Path):
    def _run(*engine: str) -> tuple[int, dict]:
        source = tmp_path / "aed.csv"
        source.write_text(BAD_AED, encoding="utf-8")
        out = tmp_path / f"report-{'-'.join(engine) or 'default'}.json"
        result = CliRunner().invoke(
            cli,
            ["--data-dir", str(tmp_path / "instance"), "validate", str(source),
             "--schema", "aed-installations", "--report-json", str(out), *engine],
        )  # fmt: skip
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result.exit_code, json.loads(out.read_text(encoding="utf-8"))

    return _run


def _comparable(report: dict) -> tuple:
    problems = [(p["code"], p["location"].get("row"), p["location"].get("column"))
                for p in report["problems"]]  # fmt: skip
    tasks = report["frictionless"]["tasks"]
    errors = [(e["type"], e.get("rowNumber"), e.get("fieldName"), e.get("cell"), e.get("note"))
              for e in tasks[0]["errors"]]  # fmt: skip
    return problems, errors, report["valid"]


def test_both_engines_through_the_cli_give_the_same_report(validate) -> None:
    default_code, default = validate()
    fast_code, fast = validate("--engine", "fast")
    ref_code, reference = validate("--engine", "frictionless")
    assert default_code == fast_code == ref_code == 1
    assert default["facts"]["validation_engine"] == {"used": "fast"}
    assert reference["facts"]["validation_engine"]["used"] == "frictionless"
    assert _comparable(default) == _comparable(fast) == _comparable(reference)
    assert ("type-error", 4, "緯度") in _comparable(fast)[0]


def test_engine_option_is_offered_on_validate_convert_and_publish() -> None:
    for command in ("validate", "convert", "publish"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert "--engine [fast|frictionless]" in result.output, command
