"""Meta-tests: registries, message codes, settings and docs stay in step (datasette style)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from tsunagu.config import Settings
from tsunagu.formats import READERS, WRITERS
from tsunagu.messages import catalogue

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tsunagu"

# A literal problem code handed to report.add(...), Problem(...), render(...) or count(...).
_CODE_CALL = re.compile(
    r"""(?:\.add|Problem|\.count|render|_problem|problem)\(\s*(?:code\s*=\s*)?["']([a-z0-9]+(?:-[a-z0-9]+)+)["']"""
)


def test_every_message_has_japanese_and_english():
    missing = [
        code for code, texts in catalogue().items() if not (texts.get("ja") and texts.get("en"))
    ]
    assert missing == []


def test_every_literal_problem_code_has_a_message():
    known = set(catalogue())
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for code in _CODE_CALL.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, str(path.relative_to(ROOT)))
    unknown = {code: where for code, where in used.items() if code not in known}
    assert unknown == {}


@pytest.mark.parametrize("registry", [READERS, WRITERS], ids=["readers", "writers"])
def test_every_registry_entry_loads_and_is_tested(registry):
    tests_text = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")
    )
    for name, cls in registry.items():
        assert cls.name == name, f"{cls.__name__}.name should be {name!r}"
        assert cls.__name__ in tests_text, f"{cls.__name__} ({name}) has no test"


def test_every_setting_has_help():
    assert all(f.metadata.get("help") for f in fields(Settings))


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_cli_help_imports_no_heavy_library():
    heavy = ("geopandas", "folium", "flask", "frictionless", "pandas", "pydantic")
    code = (
        "import sys, tsunagu, tsunagu.cli;"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_top_level_validators_package():
    assert not (ROOT / "validators").exists(), "would shadow the PyPI package frictionless needs"
