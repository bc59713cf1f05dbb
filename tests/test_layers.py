"""Dependency direction (house style §3.1), checked from the source: lower rooms never reach up.

A static check in the spirit of import-linter, without the extra dependency: every import in a
room's modules (including lazy ones inside functions) is read from its AST.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tsunagu"

#: room -> rooms and libraries its code must never import
FORBIDDEN = {
    "model": (
        "tsunagu.formats",
        "tsunagu.validators",
        "tsunagu.publisher",
        "tsunagu.webapp",
        "flask",
    ),
    "errors": ("tsunagu.formats", "tsunagu.validators", "tsunagu.publisher", "tsunagu.webapp"),
    "formats": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "normalize": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "geo": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "validators": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "catalogue": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.cli", "flask", "folium"),
    "publisher": ("tsunagu.webapp", "tsunagu.cli", "flask", "folium"),
    "maps": ("tsunagu.webapp", "tsunagu.cli", "tsunagu.publisher", "flask"),
    "indicators": ("tsunagu.webapp", "tsunagu.cli", "flask", "folium"),
    # the services floor: Flask-free and click-free, so both faces (and RQ workers) can use it
    "services": ("tsunagu.webapp", "tsunagu.cli", "flask", "click", "flask_babel", "werkzeug"),
    # the ground floor: read by formats, normalize, publisher, CLI and web, so it reads none of them
    **dict.fromkeys(
        ("standards", "manifest", "manifest_input", "typed_input", "vocabulary"),
        (
            "tsunagu.formats",
            "tsunagu.normalize",
            "tsunagu.geo",
            "tsunagu.validators",
            "tsunagu.catalogue",
            "tsunagu.publisher",
            "tsunagu.services",
            "tsunagu.maps",
            "tsunagu.webapp",
            "tsunagu.cli",
        ),
    ),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _room_files(room: str) -> list[Path]:
    single = PACKAGE / f"{room}.py"
    return [single] if single.exists() else sorted((PACKAGE / room).rglob("*.py"))


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_does_not_import_upwards(room):
    bad = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in _room_files(room)
        for name in _imports(path)
        for forbidden in FORBIDDEN[room]
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert bad == []


def test_only_the_ckan_catalogue_imports_ckanapi():
    users = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(n == "ckanapi" or n.startswith("ckanapi.") for n in _imports(path))
    }
    assert users == {"catalogue/ckan.py"}


def test_validation_engine_and_fast_engine_do_not_import_each_other():
    """One way only: the engine runs ``fast/``; ``fast/`` reads the contract from ``check.py``."""
    fast = set().union(*(_imports(p) for p in (PACKAGE / "validators" / "fast").rglob("*.py")))
    assert "tsunagu.validators.engine" not in fast


def test_pipeline_steps_do_not_import_their_runner():
    steps = (PACKAGE / "publisher" / "steps").rglob("*.py")
    assert not [p.name for p in steps if "tsunagu.publisher.pipeline" in _imports(p)]
